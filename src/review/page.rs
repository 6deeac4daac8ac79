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
        <p><a href="/console/review/week">"Weekly review dashboard →"</a></p>
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
pub fn ReviewPanel(session_id: String, review: Review) -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    let current = match review.state {
        ReviewState::Unreviewed => "Not reviewed yet.".to_string(),
        state => format!(
            "{}{}{}",
            state.label(),
            review.by.map(|b| format!(" — {b}")).unwrap_or_default(),
            review.note.map(|n| format!(": “{n}”")).unwrap_or_default()
        ),
    };
    view! {
        <section class="review" aria-label="Review">
            <h2>"Review"</h2>
            <p class=format!("review-state {}", review.state.as_str())>{current}</p>
            {review.can_review.then(|| view! {
                <PostForm action=ReviewSession::PATH then=Then::Reload class="stack narrow">
                    <input type="hidden" name="id" value=session_id.clone() />
                    <label for="review-note">"Review note (required to flag)"</label>
                    <textarea id="review-note" name="note" rows="2" maxlength="500"></textarea>
                    <div class="buttons">
                        <button type="submit" name="verdict" value="fine" class="primary">"Mark fine"</button>
                        <button type="submit" name="verdict" value="flagged" class="danger">"Flag"</button>
                    </div>
                </PostForm>
            })}
        </section>
    }
}

/// `/console/review/week`: the weekly review dashboard, drawn on the server.
#[component]
pub fn WeeklyPage() -> impl IntoView {
    use super::charts::{HorizontalBars, Stack, StackedBars};
    use crate::ui::use_query_map;
    let query = use_query_map();
    let data = Resource::new(
        move || query.read().get("week").filter(|w| !w.is_empty()),
        super::weekly_review,
    );
    view! {
        <p><a href="/console/review">"← Review inbox"</a></p>
        <Loaded resource=data let:w>
            <h1>{format!("Weekly review: {}", w.period)}</h1>
            <nav aria-label="Weeks" class="inline-list">
                <a href=format!("/console/review/week?week={}", w.previous)>"← Previous week"</a>
                " · "
                <a href=format!("/console/review/week?week={}", w.next)>"Next week →"</a>
            </nav>
            <dl class="figures">
                <div><dt>"Sessions"</dt><dd>{w.sessions}</dd></div>
                <div><dt>"Median length"</dt><dd>{w.median_minutes.map(|m| format!("{m} min")).unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>"Reviewed"</dt><dd>{if w.ended == 0 { "—".to_string() } else { format!("{} of {} ({}%)", w.reviewed, w.ended, w.reviewed * 100 / w.ended) }}</dd></div>
                <div><dt>"With changes"</dt><dd>{w.with_changes.len()}</dd></div>
            </dl>
            <StackedBars
                title={"Sessions per day".to_string()}
                description={w.days.iter().map(|d| format!("{}: {} view-only, {} with changes", d.label, d.view_only, d.with_changes)).collect::<Vec<_>>().join("; ")}
                bars={w.days.iter().map(|d| Stack { label: d.label.clone(), parts: vec![d.view_only, d.with_changes] }).collect()}
                series={vec![("View only", "view-only"), ("With changes", "with-changes")]}
            />
            <div class="chart-pair">
                <HorizontalBars title={"Sessions per agent".to_string()} rows={w.per_agent.clone()} empty="No sessions this week." />
                <HorizontalBars title={"Denied attempts per staff member".to_string()} rows={w.denied_by_staff.clone()} empty="Nothing was refused this week." />
            </div>
            <h2>"Sessions with changes"</h2>
            {if w.with_changes.is_empty() {
                view! { <p class="empty">"No session changed anything this week."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Started"</th><th scope="col">"Agent"</th><th scope="col">"Account"</th><th scope="col">"Viewing as"</th><th scope="col">"Changes"</th><th scope="col">"Review"</th></tr></thead>
                        <tbody>
                            {w.with_changes.into_iter().map(|s| view! {
                                <tr>
                                    <td><a href=format!("/console/sessions/{}", s.id)>{s.started}</a></td>
                                    <td>{s.staff_name}</td>
                                    <td>{s.account_name}</td>
                                    <td>{s.target_user_name}</td>
                                    <td>{s.changes}</td>
                                    <td class=format!("review-state {}", s.review.as_str())>{s.review.label()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </Loaded>
    }
}
