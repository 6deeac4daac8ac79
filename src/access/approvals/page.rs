//! `/console/approvals`: the manager's live queue of requests to decide.

use super::{approval_queue, DecideRequest, QueueItem};
use crate::error::AppError;
use crate::ui::{every, live, ErrorNote, Outcome, Preload};
use leptos::prelude::*;

/// The queue, refreshed every few seconds and after each decision. Cards
/// are keyed by request, so a refresh adds and removes cards but never
/// touches one a manager is writing a note in.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| approval_queue());
    view! {
        <Preload resource=queue let:initial>
            <ApprovalQueue initial />
        </Preload>
    }
}

#[island]
fn ApprovalQueue(initial: Result<Vec<QueueItem>, AppError>) -> impl IntoView {
    let decide = ServerAction::<DecideRequest>::new();
    let tick = RwSignal::new(0u32);
    let current = live(
        initial,
        move || (tick.get(), decide.version().get()),
        |_| approval_queue(),
    );
    // Live while it works; a refusal (not a manager) is shown, not repeated.
    every(std::time::Duration::from_secs(3), move || {
        if current.with_untracked(Result::is_ok) {
            tick.update(|t| *t += 1);
        }
    });
    view! {
        <h1>"Approvals"</h1>
        <p class="muted">"Requests that wait for a manager, oldest first. This list updates by itself."</p>
        <Outcome value=Signal::derive(move || decide.value().get()) />
        {move || current.get().err().map(|error| view! { <ErrorNote error /> })}
        {move || match current.get() {
            Ok(items) if items.is_empty() => Some(view! {
                <p class="empty" role="status">"Nothing waits for a decision. New requests appear here as they arrive."</p>
            }.into_any()),
            Ok(items) => Some(view! {
                <p role="status">{match items.len() {
                    1 => "1 request waits.".to_string(),
                    n => format!("{n} requests wait."),
                }}</p>
            }.into_any()),
            Err(_) => None,
        }}
        // Rendered once; `For` adds and removes cards by request.
        <ul class="queue">
            <For
                each=move || current.get().unwrap_or_default()
                key=|item| item.id.clone()
                let:item
            >
                <li><QueueCard item decide /></li>
            </For>
        </ul>
    }
}

/// One request with its facts and, unless it is the reader's own, the
/// decision: approve, or deny with a note.
#[component]
fn QueueCard(item: QueueItem, decide: ServerAction<DecideRequest>) -> impl IntoView {
    let note_id = format!("note-{}", item.id);
    let title = if item.one_action {
        format!(
            "{} asks to take one blocked action in {} (as {})",
            item.staff_name, item.account_name, item.view_as
        )
    } else {
        format!(
            "{} asks to enter {} as {}",
            item.staff_name, item.account_name, item.view_as
        )
    };
    let decision = if item.is_own {
        view! { <p class="muted">"This is your own request: another manager must decide it."</p> }
            .into_any()
    } else {
        // A real form: pressed before the page is live, or without script,
        // it is still sent, with the button pressed.
        let id = item.id.clone();
        view! {
            <ActionForm action=decide attr:class="stack narrow" attr:aria-label=format!("Decide: {title}")>
                <input type="hidden" name="id" value=id />
                <label for=note_id.clone()>"Note (required to deny)"</label>
                <textarea id=note_id name="note" rows="2" maxlength="500"></textarea>
                <div class="buttons">
                    <button type="submit" name="approve" value="true" class="primary" disabled=move || decide.pending().get()>
                        "Approve"
                    </button>
                    <button type="submit" name="approve" value="false" class="danger" disabled=move || decide.pending().get()>
                        "Deny"
                    </button>
                </div>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <article class="queue-item" aria-label=title.clone()>
            <h2>{title.clone()}</h2>
            <dl class="facts">
                <dt>"Asked for"</dt><dd>{item.asked.clone()}</dd>
                <dt>"Account"</dt><dd><a href=format!("/console/accounts/{}", item.account_id)>{item.account_name.clone()}</a></dd>
                <dt>"Reason"</dt><dd>{item.reason.clone()}</dd>
                <dt>"Ticket"</dt><dd>{item.ticket.clone()}</dd>
                <dt>"Waiting"</dt><dd>{item.waited.clone()}{item.expires_in.clone().map(|e| format!(" · expires in {e}"))}</dd>
                {item.needs_owner_too.then(|| view! { <dt>"Also needs"</dt><dd>"The account owner's approval"</dd> })}
            </dl>
            <h3>"Why approval is needed"</h3>
            <ul>{item.why.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
            <p><a href=format!("/console/requests/{}", item.id)>"Open the request"</a></p>
            {decision}
        </article>
    }
}
