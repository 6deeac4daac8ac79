//! Console pages: account search and the account page with its request form.

use super::{account_summary, search_accounts, AccountOverview, SearchResults};
use crate::access::requests::RequestSupportSession;
use crate::error::AppError;
use crate::ui::use_query_map;
use crate::ui::{ErrorNote, Loaded, Preload, Shown};
use leptos::prelude::*;

/// The search the console's home page answers: what `?q=` (and `?page=`)
/// ask for. Create it where the page starts, not inside a view that
/// re-renders (the signed-in person's details, say): each render would
/// make a new resource, and the server would run the search once per
/// render (it ran three times per page).
pub fn search_results() -> Resource<Result<Option<SearchResults>, AppError>> {
    let query = use_query_map();
    Resource::new(
        move || {
            let query = query.read();
            let page = query
                .get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1);
            (query.get("q").unwrap_or_default(), page)
        },
        |(q, page)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_accounts(q, Some(page)).await.map(Some)
            }
        },
    )
}

/// Account search, on the console's home page: the form, and `results`
/// from [`search_results`].
#[component]
pub fn AccountSearch(results: Resource<Result<Option<SearchResults>, AppError>>) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <form method="get" action="/console" class="search-form" role="search">
            <label for="account-q">"Find an account"</label>
            <input id="account-q" name="q" type="search" value=q placeholder="Name, domain, account id or user email" minlength="2" maxlength="200" />
            <button type="submit">"Search"</button>
        </form>
        <Loaded resource=results let:found>
            {match found {
                None => view! { <p class="muted">"Search by account name, domain, account id or a user's email."</p> }.into_any(),
                Some(r) if r.hits.is_empty() => view! { <p class="empty">"No account matches."</p> }.into_any(),
                Some(r) => {
                    let q = q();
                    view! {
                        <table>
                            <thead><tr><th scope="col">"Account"</th><th scope="col">"Domain"</th><th scope="col">"Plan"</th><th scope="col">"Owner"</th><th scope="col">"Support access"</th></tr></thead>
                            <tbody>
                                {r.hits.into_iter().map(|h| view! {
                                    <tr>
                                        <td><a href=format!("/console/accounts/{}", h.id)>{h.name}</a>{h.sensitive.then(|| view! { " " <span class="tag">"sensitive"</span> })}</td>
                                        <td>{h.domain}</td><td>{h.plan}</td><td>{h.owner_contact}</td><td>{h.support_access}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager" aria-label="Pages">
                            {(r.page > 1).then(|| view! { <a href=format!("/console?q={}&page={}", crate::ui::percent_encode(&q), r.page - 1)>"← Previous"</a> })}
                            <span>{format!(" Page {} ", r.page)}</span>
                            {r.has_more.then(|| view! { <a href=format!("/console?q={}&page={}", crate::ui::percent_encode(&q), r.page + 1)>"Next →"</a> })}
                        </nav>
                    }.into_any()
                }
            }}
        </Loaded>
    }
}

/// `/console/accounts/:id`: the masked summary and "Start support session".
#[component]
pub fn AccountPage() -> impl IntoView {
    let id = crate::ui::route_param("id");
    let data = Resource::new(move || id.clone(), account_summary);
    view! {
        <Preload resource=data let:data>
            <AccountPanel data />
        </Preload>
    }
}

#[island]
fn AccountPanel(data: Result<AccountOverview, AppError>) -> impl IntoView {
    let request = ServerAction::<RequestSupportSession>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = request.value().get() {
            crate::access::pages::go_to_request(&id);
        }
    });
    view! {
        <p><a href="/console">"← Search"</a></p>
        <Shown value=data let:a>
            <h1>{a.name.clone()}</h1>
            <dl class="facts">
                <dt>"Domain"</dt><dd>{a.domain.clone()}</dd>
                <dt>"Plan"</dt><dd>{a.plan.clone()}</dd>
                <dt>"Region"</dt><dd>{a.region.clone()}</dd>
                <dt>"Sensitivity"</dt><dd>{if a.marked_sensitive { "Marked sensitive: every session needs a manager's approval" } else { "Not marked sensitive" }}</dd>
                <dt>"Customer's policy"</dt><dd>{a.support_access.clone()}</dd>
            </dl>
            <h2>"Users"</h2>
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Viewing as them"</th></tr></thead>
                <tbody>
                    {a.users.iter().map(|u| view! {
                        <tr><td>{u.name.clone()}</td><td>{u.email.clone()}</td><td>{u.role_label.clone()}</td>
                        <td>{if a.support_access_code == "off" { "Refused: support access is off" } else if u.sensitive { "Needs a manager's approval" } else if a.support_access_code == "ask_owner" { "Needs an owner's approval" } else { "Allowed read-only" }}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            {if a.support_access_code == "off" {
                view! { <p class="form-error" role="alert">"The customer has turned support access off. Sessions into this account are refused."</p> }.into_any()
            } else if a.can_request {
                view! {
                    <h2>"Start support session"</h2>
                    <ActionForm action=request attr:class="stack narrow" attr:aria-label="Start support session">
                        <input type="hidden" name="account_id" value=a.id.clone() />
                        <label for="req-user">"View as"</label>
                        // The least sensitive choice comes first: a user whose
                        // view needs no approval, when the account has one.
                        <select id="req-user" name="target_user_id" required>
                            {
                                let first_plain = a.users.iter().position(|u| !u.sensitive).unwrap_or(0);
                                a.users.iter().enumerate().map(|(i, u)| view! {
                                    <option value=u.id.clone() selected=i == first_plain>{format!("{} ({})", u.name, u.role_label)}</option>
                                }).collect_view()
                            }
                        </select>
                        <label for="req-reason">"Reason"</label>
                        <textarea id="req-reason" name="reason" rows="3" required maxlength="1000"
                            placeholder="What did the customer report, and what will you look at?"></textarea>
                        <p class="muted small">{crate::access::reason::REASON_HINT}</p>
                        <label for="req-ticket">"Ticket reference"</label>
                        <input id="req-ticket" name="ticket" type="text" required maxlength="40" placeholder="#4821"
                            aria-describedby="req-ticket-hint" />
                        <p id="req-ticket-hint" class="muted small">"Like #4821 or SUP-123."</p>
                        <fieldset class="modes">
                            <legend>"Mode"</legend>
                            <label><input type="radio" name="mode" value="read_only" checked />" Read-only"</label>
                            {a.can_request_edit.then(|| view! { <label><input type="radio" name="mode" value="edit" />" Edit (needs a manager's approval)"</label> })}
                        </fieldset>
                        {a.can_break_glass.then(|| view! {
                            <label for="req-incident">"Incident reference (break-glass, optional)"</label>
                            <input id="req-incident" name="incident" type="text" maxlength="40" placeholder="INC-2041" />
                        })}
                        // Sent once: a second press while it is on its way
                        // would record a second request.
                        <button type="submit" class="primary" disabled=move || request.pending().get()>"Request access"</button>
                    </ActionForm>
                    {move || request.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error /> })}
                }.into_any()
            } else {
                view! { <p class="muted">"Your role can search accounts but not open support sessions."</p> }.into_any()
            }}
        </Shown>
    }
}
