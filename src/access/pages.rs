//! Console pages for support requests, and the support banner.

use super::approvals::{DecideRequest, RequestActionApproval};
use super::requests::{request_status, CancelRequest, RequestState, RequestView};
use super::sessions::{
    end_explanation, mm_ss, support_status, EndSupportSession, EnterSupportSession,
};
use crate::error::AppError;
use crate::ui::use_query_map;
use crate::ui::{every, navigate_fully};
use crate::ui::{live, ErrorNote, Outcome, Preload, Shown};
use leptos::prelude::*;

/// `/console/requests/:id`: a request and its wait.
#[component]
pub fn RequestPage() -> impl IntoView {
    let id = crate::ui::route_param("id");
    let data = Resource::new(
        {
            let id = id.clone();
            move || id.clone()
        },
        request_status,
    );
    view! {
        <Preload resource=data let:initial>
            <RequestPanel id=id.clone() initial />
        </Preload>
    }
}

/// The request page's live part: it polls while the request waits.
#[island]
fn RequestPanel(id: String, initial: Result<RequestView, AppError>) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let cancel = ServerAction::<CancelRequest>::new();
    let decide = ServerAction::<DecideRequest>::new();
    let enter = ServerAction::<EnterSupportSession>::new();
    // A refused password is cleared and the field focused for another try.
    let password = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let (Some(Err(_)), Some(input)) = (enter.value().get(), password.get()) {
            input.set_value("");
            let _ = input.focus();
        }
    });
    let data = live(
        initial,
        move || {
            (
                id.clone(),
                tick.get(),
                cancel.version().get(),
                decide.version().get(),
            )
        },
        |(id, _, _, _)| request_status(id),
    );
    // The page follows the decision live: poll while the request waits.
    every(std::time::Duration::from_secs(2), move || {
        let waiting =
            data.with_untracked(|d| d.as_ref().is_ok_and(|r| r.status == RequestState::Pending));
        if waiting {
            tick.update(|t| *t += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(target)) = enter.value().get() {
            navigate_fully(&target);
        }
    });
    view! {
        <p><a href="/console">"← Console"</a></p>
        <Shown value=data let:r>
            <h1>{format!("Support request: {} as {}", r.account_name, r.target_user_name)}</h1>
            <p class=format!("status {}", r.status.as_str()) role="status" aria-live="polite">
                <strong>{r.status_text.clone()}</strong>
                {r.seconds_left.map(|s| format!(" ({} left)", mm_ss(s)))}
            </p>
            <dl class="facts">
                <dt>"Requested by"</dt><dd>{r.staff_name.clone()}</dd>
                <dt>"Account"</dt><dd><a href=format!("/console/accounts/{}", r.account_id)>{r.account_name.clone()}</a></dd>
                <dt>"View as"</dt><dd>{format!("{} ({})", r.target_user_name, r.target_role_label)}</dd>
                <dt>"Mode"</dt><dd>{r.mode_label.clone()}{r.break_glass.then_some(" · break-glass")}</dd>
                {r.action.clone().map(|a| view! { <dt>"One action"</dt><dd>{a}</dd> })}
                <dt>"Reason"</dt><dd>{r.reason.clone()}</dd>
                <dt>"Ticket"</dt><dd>{r.ticket.clone()}</dd>
                {r.decided_by.clone().map(|d| view! { <dt>"Decided by"</dt><dd>{d}</dd> })}
                {r.decision_note.clone().map(|n| view! { <dt>"Note"</dt><dd>{n}</dd> })}
                {r.owner_decided_by.clone().map(|d| view! { <dt>"Decided by the account's owner"</dt><dd>{d}</dd> })}
                {r.owner_note.clone().map(|n| view! { <dt>"Owner's note"</dt><dd>{n}</dd> })}
            </dl>
            <h2>"Why"</h2>
            <ul>{r.policy_reasons.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            {let enter_id = r.id.clone(); r.can_enter.then(move || view! {
                <h2>"Confirm it is you"</h2>
                <ActionForm action=enter attr:class="stack narrow" attr:aria-label="Confirm your identity">
                    <input type="hidden" name="request_id" value=enter_id />
                    <label for="confirm-password">"Password"</label>
                    <input id="confirm-password" name="password" type="password" autocomplete="current-password" required
                        autofocus node_ref=password />
                    <button type="submit" class="primary">"Confirm and enter"</button>
                </ActionForm>
                {move || enter.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error /> })}
            })}
            {let cancel_id = r.id.clone(); r.can_cancel.then(move || view! {
                <ActionForm action=cancel attr:class="inline">
                    <input type="hidden" name="id" value=cancel_id />
                    <button type="submit">"Cancel request"</button>
                </ActionForm>
            })}
            {let decide_id = r.id.clone(); r.can_decide.then(move || view! {
                <h2>"Decide"</h2>
                // A real form: pressed before the page is live, or without
                // script, it is still sent (with the button pressed).
                <ActionForm action=decide attr:class="stack narrow" attr:aria-label="Decide">
                    <input type="hidden" name="id" value=decide_id />
                    <label for="decision-note">"Note"</label>
                    <textarea id="decision-note" name="note" rows="2" maxlength="500"></textarea>
                    <div class="buttons">
                        <button type="submit" name="approve" value="true" class="primary" disabled=move || decide.pending().get()>"Approve"</button>
                        <button type="submit" name="approve" value="false" class="danger" disabled=move || decide.pending().get()>"Deny"</button>
                    </div>
                </ActionForm>
            })}
        </Shown>
        <Outcome value=Signal::derive(move || cancel.value().get()) />
        <Outcome value=Signal::derive(move || decide.value().get()) />
    }
}

/// The message shown in the console after a support session ended.
#[component]
pub fn EndedNotice() -> impl IntoView {
    let query = use_query_map();
    let ended = move || query.read().get("ended");
    // Ended by a manager or an admin: their note says why.
    let note = Resource::new(
        move || ended().as_deref() == Some(super::sessions::EndCause::RevokedByManager.as_str()),
        |revoked| async move {
            if revoked {
                super::sessions::revoke_note().await
            } else {
                Ok(None)
            }
        },
    );
    view! {
        {move || ended().and_then(|c| end_explanation(&c)).map(|text| view! {
            <p class="ok" role="status">
                {text}
                <Suspense fallback=|| ()>
                    {move || note.get().and_then(Result::ok).flatten().map(|n| format!(" Their note: “{n}”"))}
                </Suspense>
            </p>
        })}
    }
}

/// The support banner: in the root layout, on every page, whenever the
/// signed-in staff member is inside a support session. It cannot be closed.
#[component]
pub fn SupportBanner() -> impl IntoView {
    // Read on the server; the banner's island gets what it shows as a prop,
    // and a page outside a session has no banner island at all.
    let info = Resource::new(|| (), |_| support_status());
    view! {
        <Transition fallback=|| ()>
            {move || info.get().and_then(Result::ok).flatten().map(|b| view! { <SupportBannerLive b /> })}
        </Transition>
    }
}

#[island]
fn SupportBannerLive(b: super::sessions::BannerInfo) -> impl IntoView {
    let end = ServerAction::<EndSupportSession>::new();
    let ask = ServerAction::<RequestActionApproval>::new();
    Effect::new(move |_| {
        if let Some(Ok(target)) = end.value().get() {
            navigate_fully(&target);
        }
    });
    {
        let left = RwSignal::new(b.seconds_left);
        // Tick locally; the server enforces the deadline. At zero,
        // reload so the server can end the session and say why.
        every(std::time::Duration::from_secs(1), move || {
            let now = left.get_untracked() - 1;
            left.set(now.max(0));
            if now == 0 {
                // The console is not activity: if the server agrees the
                // time is up, it says why; if not, the banner resyncs.
                navigate_fully("/console");
            }
        });
        // Notice an end decided elsewhere (revoked, swept, ended in another
        // tab, signed out) within seconds, without counting as activity.
        every(std::time::Duration::from_secs(5), move || {
            leptos::task::spawn_local(async move {
                match support_status().await {
                    // Loaded again, this page is sent to the console with
                    // the reason the session ended.
                    Ok(None) | Err(AppError::SessionEnded(_)) => crate::ui::reload_page(),
                    Err(AppError::Unauthenticated) => navigate_fully("/console"),
                    Ok(Some(b)) => left.set(b.seconds_left),
                    Err(_) => {}
                }
            });
        });
        view! {
            <aside class="support-banner" class:warn=move || left.get() <= 120 role="region" aria-label="Support session">
                <span><strong>"Support session"</strong>{format!(" · {} · viewing as {} ({})", b.account_name, b.user_name, b.role_label)}</span>
                <span class="mode">{b.mode_label.clone()}</span>
                <span class="why">{format!("Reason: {} · Ticket {}", b.reason, b.ticket)}</span>
                <span class="left" aria-live="polite">
                    {move || if left.get() <= 120 { format!("Ending in {}", mm_ss(left.get())) } else { format!("Time left {}", mm_ss(left.get())) }}
                </span>
                <ActionForm action=end attr:class="inline">
                    <button type="submit" class="end">"End session"</button>
                </ActionForm>
                {b.can_request_action.then(|| view! {
                    <details class="one-action">
                        <summary>"Ask to approve one blocked action"</summary>
                        {if b.blocked.is_empty() {
                            view! { <p class="muted">"Nothing was blocked yet. Try the action first (an export, removing a member…): once it is refused, you can ask a manager to approve exactly that one action here."</p> }.into_any()
                        } else {
                            let blocked = b.blocked.clone();
                            let choice = RwSignal::new(0usize);
                            let reason = RwSignal::new(String::new());
                            let options = blocked.clone();
                            view! {
                                <form class="stack" aria-label="Ask to approve one blocked action" on:submit=move |ev| {
                                    ev.prevent_default();
                                    if let Some(a) = blocked.get(choice.get_untracked()) {
                                        ask.dispatch(RequestActionApproval { action: a.action, object: a.object.clone(), reason: reason.get_untracked() });
                                    }
                                }>
                                    <label for="one-action">"Blocked action"</label>
                                    <select id="one-action" on:change=move |ev| choice.set(event_target_value(&ev).parse().unwrap_or(0))>
                                        {options.into_iter().enumerate().map(|(i, a)| view! {
                                            <option value=i.to_string()>{format!("{}: {}", a.action.label(), a.label)}</option>
                                        }).collect_view()}
                                    </select>
                                    <label for="one-action-reason">"Why"</label>
                                    <input id="one-action-reason" type="text" required maxlength="1000" bind:value=reason />
                                    <button type="submit">"Ask a manager"</button>
                                </form>
                            }.into_any()
                        }}
                        {move || ask.value().get().map(|r| match r {
                            Ok(id) => view! { <p role="status">"Asked. " <a href=format!("/console/requests/{id}")>"Follow the request"</a></p> }.into_any(),
                            Err(error) => view! { <ErrorNote error /> }.into_any(),
                        })}
                    </details>
                })}
            </aside>
        }
    }
}

/// Reads the request id from a just-created request and opens its page.
pub fn go_to_request(id: &str) {
    navigate_fully(&format!("/console/requests/{id}"));
}
