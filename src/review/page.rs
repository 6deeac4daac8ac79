//! The review inbox at `/console/review`, and the review panel on a
//! session's page.

use super::{review_inbox, Review, ReviewSession, ReviewState};
use crate::session_log::summary_line;
use crate::ui::Loaded;
use leptos::prelude::*;

/// `/console/review`: unreviewed sessions, changes and blocked actions first.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let inbox = Resource::new(|| (), |_| review_inbox());
    view! {
        <h1>"Review"</h1>
        <p class="muted">"Finished sessions nobody has reviewed yet. Those with changes or blocked actions come first."</p>
        <Loaded resource=inbox let:inbox>
            {if inbox.items.is_empty() {
                view! { <p class="empty" role="status">"Every finished session has been reviewed."</p> }.into_any()
            } else {
                view! {
                    <p role="status">{match inbox.total {
                        1 => "1 session waits for review.".to_string(),
                        n => format!("{n} sessions wait for review."),
                    }}</p>
                    <ul class="queue">
                        {inbox.items.into_iter().map(|i| {
                            let attention = i.changes > 0 || i.blocked > 0;
                            view! {
                                <li class="queue-item" class:attention=attention>
                                    <h2><a href=format!("/console/sessions/{}", i.id)>
                                        {format!("{} in {} as {}", i.staff_name, i.account_name, i.target_user_name)}
                                    </a></h2>
                                    <p>
                                        {attention.then(|| view! { <strong>"Needs attention: "</strong> })}
                                        {format!("{} · ended {}", summary_line(i.views, i.changes, i.blocked, "").trim_end_matches(", "), i.ended)}
                                    </p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Loaded>
    }
}

/// Where a session's review stands and, for a manager, the verdict.
#[component]
pub fn ReviewPanel(
    session_id: String,
    review: Review,
    action: ServerAction<ReviewSession>,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let current = match review.state {
        ReviewState::Unreviewed => "Not reviewed yet.".to_string(),
        state => format!(
            "{}{}{}",
            state.label(),
            review.by.map(|b| format!(" — {b}")).unwrap_or_default(),
            review.note.map(|n| format!(": “{n}”")).unwrap_or_default()
        ),
    };
    let (fine_id, flag_id) = (session_id.clone(), session_id);
    view! {
        <section class="review" aria-label="Review">
            <h2>"Review"</h2>
            <p class=format!("review-state {}", review.state.as_str())>{current}</p>
            {review.can_review.then(|| view! {
                <div class="stack narrow">
                    <label for="review-note">"Review note (required to flag)"</label>
                    <textarea id="review-note" rows="2" maxlength="500" bind:value=note></textarea>
                    <div class="buttons">
                        <button type="button" class="primary" disabled=move || action.pending().get()
                            on:click=move |_| { action.dispatch(ReviewSession { id: fine_id.clone(), verdict: "fine".into(), note: note.get() }); }>
                            "Mark fine"
                        </button>
                        <button type="button" class="danger" disabled=move || action.pending().get()
                            on:click=move |_| { action.dispatch(ReviewSession { id: flag_id.clone(), verdict: "flagged".into(), note: note.get() }); }>
                            "Flag"
                        </button>
                    </div>
                </div>
            })}
        </section>
    }
}
