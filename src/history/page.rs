//! `/app/history` and `/app/settings/security`.

use super::{
    my_notifications, notification_choices, owner_requests, support_history, support_policy,
    DecideSupportRequest, EndSupportVisit, MarkNotificationsRead, OwnerRequest,
    SetNotificationChoices, SetSupportPolicy, Visit,
};
use crate::customers::SupportAccess;
use crate::ui::{Loaded, PostForm, Then};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// `/app/history`: every support visit, in plain words.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| support_history());
    // Only owners decide; for anyone else this list stays empty.
    let waiting = Resource::new(|| (), |_| owner_requests());
    let notices = Resource::new(|| (), |_| my_notifications());
    view! {
        <h1>"Support history"</h1>
        <Transition fallback=|| ()>
            {move || notices.get().and_then(Result::ok).filter(|n| !n.items.is_empty()).map(|n| view! {
                <section aria-label="Notifications" class="notices">
                    <h2>{match n.unread { 0 => "Notifications".to_string(), 1 => "Notifications (1 new)".to_string(), k => format!("Notifications ({k} new)") }}</h2>
                    <ul>
                        {n.items.into_iter().map(|i| view! {
                            <li class:unread=i.unread><time>{i.at}</time>" "{i.body}</li>
                        }).collect_view()}
                    </ul>
                    {(n.unread > 0).then(|| view! {
                        <PostForm action=MarkNotificationsRead::PATH then=Then::Reload class="inline">
                            <button type="submit">"Mark all as read"</button>
                        </PostForm>
                    })}
                </section>
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || waiting.get().and_then(Result::ok).filter(|w| !w.is_empty()).map(|w| view! {
                <section aria-label="Waiting for your approval">
                    <h2>"Waiting for your approval"</h2>
                    <ul class="queue">
                        {w.into_iter().map(|r| view! { <li><RequestCard r /></li> }).collect_view()}
                    </ul>
                </section>
            })}
        </Transition>
        <Loaded resource=data let:h>
            <p class="muted">{format!("Every time someone from support entered {}: who, when, why, and what they viewed and changed.", h.account_name)}</p>
            {if h.visits.is_empty() {
                view! { <p class="empty" role="status">{format!("Support has not entered {} yet.", h.account_name)}</p> }.into_any()
            } else {
                view! {
                    <ul class="queue">
                        {h.visits.into_iter().map(|v| view! { <li><VisitCard v /></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!h.refused.is_empty()).then(|| view! {
                <h2>"Refused requests"</h2>
                <ul>{h.refused.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            })}
            {(!h.policy_changes.is_empty()).then(|| view! {
                <h2>"Support-access changes"</h2>
                <ul>{h.policy_changes.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            })}
        </Loaded>
    }
}

#[component]
fn RequestCard(r: OwnerRequest) -> impl IntoView {
    let note_id = format!("owner-note-{}", r.id);
    view! {
        <article class="queue-item" aria-label=format!("Request from {}", r.who)>
            <h3>{format!("{} asks to enter as {} ({})", r.who, r.viewing_as, r.mode)}</h3>
            <p>{format!("Why: “{}” · Ticket {}", r.reason, r.ticket)}</p>
            <p class="muted">
                {format!("Asked {}", r.asked)}
                {r.expires_in.clone().map(|e| format!(" · expires in {e} without a decision"))}
                {r.manager_too.then_some(" · a Chaperone manager must approve it too")}
            </p>
            <PostForm action=DecideSupportRequest::PATH then=Then::Reload class="stack narrow">
                <input type="hidden" name="id" value=r.id.clone() />
                <label for=note_id.clone()>"Note (optional)"</label>
                <textarea id=note_id name="note" rows="2" maxlength="500"></textarea>
                <div class="buttons">
                    <button type="submit" name="approve" value="true" class="primary">"Approve this visit"</button>
                    <button type="submit" name="approve" value="false" class="danger">"Refuse"</button>
                </div>
            </PostForm>
        </article>
    }
}

#[component]
fn VisitCard(v: Visit) -> impl IntoView {
    let label = format!("Visit by {}", v.who);
    let id = v.id.clone();
    view! {
        <article class="queue-item" aria-label=label>
            <h2>{v.who.clone()}{v.live.then(|| view! { " " <span class="live">"In progress"</span> })}</h2>
            <p>{format!("{} – {} · {} · viewing as {} · {}", v.started, v.ended.clone().unwrap_or_else(|| "now".into()), v.duration, v.viewing_as, v.mode)}</p>
            <p>{format!("Why: “{}” · Ticket {}", v.reason, v.ticket)}</p>
            {v.how_it_ended.clone().map(|h| view! { <p>{format!("How it ended: {h}")}</p> })}
            <details>
                <summary>{match v.pages.len() { 1 => "Viewed 1 page".to_string(), n => format!("Viewed {n} pages") }}</summary>
                <ol>{v.pages.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ol>
            </details>
            {if v.changes.is_empty() {
                view! { <p class="muted">"Changed nothing."</p> }.into_any()
            } else {
                view! {
                    <h3>"What they did"</h3>
                    <ul>{v.changes.into_iter().map(|c| view! { <li><mark>{c}</mark></li> }).collect_view()}</ul>
                }.into_any()
            }}
            {v.can_end.then(|| view! {
                <PostForm action=EndSupportVisit::PATH then=Then::Reload class="inline">
                    <input type="hidden" name="session_id" value=id />
                    <button type="submit" class="danger">"End this visit now"</button>
                </PostForm>
            })}
        </article>
    }
}

/// `/app/settings/security`: whether support may enter (owners).
#[component]
pub fn SecurityPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| support_policy());
    let notify = Resource::new(|| (), |_| notification_choices());
    let choices = [
        (SupportAccess::Allow, "Support may enter when a customer asks for help; sensitive access still needs a Chaperone manager."),
        (SupportAccess::AskOwner, "Each visit waits until an owner of this account approves it."),
        (SupportAccess::Off, "Support cannot enter at all. A visit in progress ends now."),
    ];
    view! {
        <h1>"Security"</h1>
        <Loaded resource=data let:p>
            <PostForm action=SetSupportPolicy::PATH then=Then::Reload class="stack narrow">
                <fieldset>
                    <legend>{format!("Support access to {}", p.account_name)}</legend>
                    {choices.into_iter().map(|(policy, help)| {
                        let id = format!("policy-{}", policy.as_str());
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="policy" value=policy.as_str() checked=p.current == policy />
                                <label for=id>{policy.words()}</label>
                                <p class="muted">{help}</p>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="primary">"Save"</button>
            </PostForm>
            <p><a href="/app/history">"See support's visits →"</a></p>
        </Loaded>
        <h2>"Tell me when support…"</h2>
        <Loaded resource=notify let:c>
            <PostForm action=SetNotificationChoices::PATH then=Then::Show class="stack narrow" label="Notification choices">
                <fieldset>
                    <legend>"…enters the account"</legend>
                    <label><input type="checkbox" name="entry_in_app" value="on" checked=c.entry_in_app />" In the app"</label>
                    <label><input type="checkbox" name="entry_email" value="on" checked=c.entry_email />" By email"</label>
                </fieldset>
                <fieldset>
                    <legend>"…changes something"</legend>
                    <label><input type="checkbox" name="change_in_app" value="on" checked=c.change_in_app />" In the app"</label>
                    <label><input type="checkbox" name="change_email" value="on" checked=c.change_email />" By email"</label>
                </fieldset>
                <button type="submit">"Save notification choices"</button>
            </PostForm>
        </Loaded>
    }
}
