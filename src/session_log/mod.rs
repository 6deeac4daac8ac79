//! The session log: every support session with who entered, which account,
//! why, what they viewed and changed, and how it ended — for managers and
//! auditors (all sessions) and for staff (their own). A session's page is a
//! timeline in plain sentences: lifecycle events as headings, page views
//! quiet, changes standing out, refusals in red, technical detail folded
//! away underneath.

// The session list's server function takes each filter as its own form
// field (eight of them): the macro's generated code needs the allowance at
// module level.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::ui::use_query_map;
use crate::ui::{percent_encode, Loaded};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub(crate) use server::refusal_kinds;

/// How many of one person's attempts the denied report lists (the latest);
/// their count is always the full one.
pub const DENIED_LISTED_PER_PERSON: i64 = 50;

/// One session in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub staff_name: String,
    pub account_name: String,
    pub target_user_name: String,
    pub mode_label: String,
    pub reason: String,
    pub ticket: String,
    /// `26 Nov 2026 09:00 UTC`
    pub started: String,
    /// "12 min", or "live".
    pub length: String,
    /// How it ended, in words; `None` while live.
    pub ended: Option<String>,
    pub views: i64,
    pub changes: i64,
    pub blocked: i64,
    pub review: crate::review::ReviewState,
}

/// A page of sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub rows: Vec<SessionRow>,
    /// The cursor for the next (older) page, if there is one.
    pub next: Option<String>,
    /// Whether the reader sees everyone's sessions or only their own.
    pub all: bool,
    /// Whether the reader may export events (managers, auditors).
    pub can_export: bool,
    /// The export form's default period, in the reader's zone: the last
    /// seven days, today included (`YYYY-MM-DD`).
    pub export_from: String,
    pub export_to: String,
}

/// How an event shows in a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Requested, approved, started, ended: headings.
    Lifecycle,
    /// A page viewed: quiet.
    View,
    /// Something changed: stands out.
    Change,
    /// Refused, denied, blocked, failed: red.
    Refusal,
    Other,
}

/// One event of a session's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at: String,
    pub tone: Tone,
    pub sentence: String,
    /// The technical detail, as recorded (already masked).
    pub detail: String,
}

/// A session and its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStory {
    pub session: SessionRow,
    /// "3 pages viewed, 1 change, 0 blocked, 5 minutes"
    pub summary: String,
    pub events: Vec<TimelineEvent>,
    pub review: crate::review::Review,
    /// Whether the reader may end this session now (a manager, while live).
    pub can_revoke: bool,
}

/// One person's refused, denied or failed attempts in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedGroup {
    /// The staff member (or "Someone not signed in").
    pub who: String,
    pub count: i64,
    /// Three or more in the period: worth a look.
    pub repeated: bool,
    pub attempts: Vec<TimelineEvent>,
}

/// Everything refused, denied or failed in a period, by person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedReport {
    pub from: String,
    pub to: String,
    pub groups: Vec<DeniedGroup>,
}

/// Refused, denied and failed attempts between two dates (`YYYY-MM-DD`,
/// both included; the last 7 days by default; at most 92 days).
#[server(prefix = "/api", endpoint = "denied_attempts")]
pub async fn denied_attempts(
    from: Option<String>,
    to: Option<String>,
) -> Result<DeniedReport, AppError> {
    crate::error::respond(server::denied(from, to).await)
}

/// What the session list is filtered by; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFilter {
    pub agent: Option<String>,
    pub account: Option<String>,
    /// Started on or after this day (`YYYY-MM-DD`, the reader's zone).
    pub from: Option<String>,
    /// Started on or before this day.
    pub to: Option<String>,
    pub changes: Option<bool>,
    pub blocked: Option<bool>,
    /// `unreviewed`, `fine` or `flagged`.
    pub review: Option<String>,
}

/// Sessions, newest first, filtered. `before` is the cursor of a page.
#[server(prefix = "/api", endpoint = "session_log")]
pub async fn session_log(
    agent: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    changes: Option<bool>,
    blocked: Option<bool>,
    review: Option<String>,
    before: Option<String>,
) -> Result<SessionList, AppError> {
    let filter = SessionFilter {
        agent,
        account,
        from,
        to,
        changes,
        blocked,
        review,
    };
    crate::error::respond(server::list(filter, before).await)
}

/// One session's timeline.
#[server(prefix = "/api", endpoint = "session_timeline")]
pub async fn session_timeline(id: String) -> Result<SessionStory, AppError> {
    crate::error::respond(server::timeline(id).await)
}

/// The class of an event kind in a timeline.
pub fn tone_of(kind: &str) -> Tone {
    match kind {
        "support.requested"
        | "support.request_approved"
        | "support.session_started"
        | "support.session_ended"
        | "support.session_revoked"
        | "support.session_reviewed"
        | "customer.visit_ended"
        | "customer.request_approved"
        | "customer.request_refused"
        | "support.break_glass" => Tone::Lifecycle,
        "support.page_viewed" => Tone::View,
        "support.blocked"
        | "support.request_refused"
        | "support.request_denied"
        | "support.entry_refused"
        | "support.identity_check_failed"
        | "support.identity_check_paused"
        | "support.reveal_refused"
        | "support.decision_refused"
        | "auth.sign_in_failed"
        | "auth.sign_in_refused_locked"
        | "access.wrong_door"
        | "access.role_refused" => Tone::Refusal,
        k if k.starts_with("product.") => Tone::Change,
        _ => Tone::Other,
    }
}

/// The summary line of a session.
pub fn summary_line(views: i64, changes: i64, blocked: i64, length: &str) -> String {
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {} blocked, {length}",
        plural(views, "page viewed", "pages viewed"),
        plural(changes, "change", "changes"),
        blocked
    )
}

/// `/console/sessions`
#[component]
pub fn SessionsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || {
            (
                SessionFilter {
                    agent: get("agent"),
                    account: get("account"),
                    from: get("from"),
                    to: get("to"),
                    changes: get("changes").map(|v| v == "on"),
                    blocked: get("blocked").map(|v| v == "on"),
                    review: get("review"),
                },
                get("before"),
            )
        },
        |(f, before)| {
            session_log(
                f.agent, f.account, f.from, f.to, f.changes, f.blocked, f.review, before,
            )
        },
    );
    let review_is = move |v: &str| get("review").as_deref() == Some(v);
    view! {
        <h1>"Support sessions"</h1>
        <form method="get" action="/console/sessions" class="filters" role="search" aria-label="Filter sessions">
            <label for="f-agent">"Agent"</label>
            <input id="f-agent" name="agent" type="search" maxlength="100" value=move || get("agent").unwrap_or_default() />
            <label for="f-account">"Account"</label>
            <input id="f-account" name="account" type="search" maxlength="100" value=move || get("account").unwrap_or_default() />
            <label for="f-from">"From"</label>
            <input id="f-from" name="from" type="date" value=move || get("from").unwrap_or_default() />
            <label for="f-to">"To"</label>
            <input id="f-to" name="to" type="date" value=move || get("to").unwrap_or_default() />
            <label for="f-review">"Review"</label>
            <select id="f-review" name="review">
                <option value="" selected=move || get("review").is_none()>"Any"</option>
                <option value="unreviewed" selected=move || review_is("unreviewed")>"Unreviewed"</option>
                <option value="fine" selected=move || review_is("fine")>"Fine"</option>
                <option value="flagged" selected=move || review_is("flagged")>"Flagged"</option>
            </select>
            <label><input type="checkbox" name="changes" checked=move || get("changes").is_some() />" With changes"</label>
            <label><input type="checkbox" name="blocked" checked=move || get("blocked").is_some() />" With blocked actions"</label>
            <button type="submit">"Filter"</button>
        </form>
        <Loaded resource=data let:page>
            {page.can_export.then(|| view! {
                <details class="export">
                    <summary>"Export events for auditors"</summary>
                    <form method="post" action="/console/export/events.jsonl" class="filters" aria-label="Export events">
                        <label for="x-from">"From"</label>
                        <input id="x-from" name="from" type="date" required value=page.export_from.clone() />
                        <label for="x-to">"To"</label>
                        <input id="x-to" name="to" type="date" required value=page.export_to.clone() />
                        <button type="submit">"JSON Lines"</button>
                        <button type="submit" formaction="/console/export/events.csv">"CSV"</button>
                    </form>
                </details>
            })}
            <p class="muted">{if page.all { "Everyone's sessions, newest first." } else { "Your own sessions, newest first." }}</p>
            {if page.rows.is_empty() {
                view! { <p role="status">"No sessions match."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"Started"</th><th scope="col">"Agent"</th><th scope="col">"Account"</th>
                            <th scope="col">"Viewing as"</th><th scope="col">"Why"</th><th scope="col">"Activity"</th><th scope="col">"End"</th><th scope="col">"Review"</th>
                        </tr></thead>
                        <tbody>
                            {page.rows.into_iter().map(|r| view! {
                                <tr class:has-changes={r.changes > 0} class:has-blocked={r.blocked > 0}>
                                    <td><a href=format!("/console/sessions/{}", r.id)>{r.started.clone()}</a></td>
                                    <td>{r.staff_name.clone()}</td>
                                    <td>{r.account_name.clone()}</td>
                                    <td>{format!("{} · {}", r.target_user_name, r.mode_label)}</td>
                                    <td>{format!("{} ({})", r.reason, r.ticket)}</td>
                                    <td>{summary_line(r.views, r.changes, r.blocked, &r.length)}</td>
                                    <td>{r.ended.clone().unwrap_or_else(|| "Live".into())}</td>
                                    <td class=format!("review-state {}", r.review.as_str())>{r.review.label()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {page.next.map(|cursor| {
                let q = query.read_untracked();
                let keep = ["agent", "account", "from", "to", "changes", "blocked", "review"]
                    .iter()
                    .filter_map(|k| q.get(k).map(|v| format!("{k}={}&", percent_encode(&v))))
                    .collect::<String>();
                view! { <p><a href=format!("/console/sessions?{keep}before={}", percent_encode(&cursor))>"Older sessions →"</a></p> }
            })}
        </Loaded>
    }
}

/// `/console/sessions/:id`
#[component]
pub fn SessionPage() -> impl IntoView {
    let id = crate::ui::route_param("id");
    view! { <SessionPanel id /> }
}

/// A session's timeline, with the review and revoke forms that reload it.
#[component]
fn SessionPanel(id: String) -> impl IntoView {
    use crate::access::sessions::RevokeSupportSession;
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    // The page reloads after a review or an end that succeeded; a refusal
    // keeps it (and the note being written) as it is.
    let data = Resource::new(move || id.clone(), session_timeline);
    view! {
        <p><a href="/console/sessions">"← All sessions"</a></p>
        <Loaded resource=data let:t>
            <h1>{format!("{} in {} as {}", t.session.staff_name, t.session.account_name, t.session.target_user_name)}</h1>
            <p class="lead">{format!("{} · {} · reason: {} · ticket {}", t.session.started, t.session.mode_label, t.session.reason, t.session.ticket)}</p>
            <p role="status"><strong>{t.summary.clone()}</strong>{t.session.ended.clone().map(|e| format!(" · {e}"))}</p>
            {let id = t.session.id.clone(); t.can_revoke.then(move || view! {
                <PostForm action=RevokeSupportSession::PATH then=Then::Reload class="stack narrow" label="End this session">
                    <input type="hidden" name="session_id" value=id />
                    <label for="revoke-note">"Why end it now"</label>
                    <textarea id="revoke-note" name="note" rows="2" maxlength="500" required></textarea>
                    <button type="submit" class="danger">"End this session now"</button>
                </PostForm>
            })}
            <crate::review::page::ReviewPanel session_id=t.session.id.clone() review=t.review.clone() />
            <ol class="timeline">
                {t.events.into_iter().map(|e| {
                    let tone = match e.tone {
                        Tone::Lifecycle => "lifecycle",
                        Tone::View => "view",
                        Tone::Change => "change",
                        Tone::Refusal => "refusal",
                        Tone::Other => "other",
                    };
                    let sentence = match e.tone {
                        Tone::Lifecycle => view! { <h2>{e.sentence.clone()}</h2> }.into_any(),
                        Tone::Change => view! { <p><mark>{e.sentence.clone()}</mark></p> }.into_any(),
                        Tone::Refusal => view! { <p><strong>"Refused: "</strong>{e.sentence.clone()}</p> }.into_any(),
                        _ => view! { <p>{e.sentence.clone()}</p> }.into_any(),
                    };
                    view! {
                        <li class=format!("event {tone}")>
                            <time>{e.at.clone()}</time>
                            {sentence}
                            <details><summary>"Technical detail"</summary><pre>{e.detail.clone()}</pre></details>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </Loaded>
    }
}

/// `/console/denied`
#[component]
pub fn DeniedPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || (get("from"), get("to")),
        |(from, to)| denied_attempts(from, to),
    );
    view! {
        <h1>"Denied attempts"</h1>
        <form method="get" action="/console/denied" class="filters" aria-label="Period">
            <label for="d-from">"From"</label>
            <input id="d-from" name="from" type="date" value=move || get("from").unwrap_or_default() />
            <label for="d-to">"To"</label>
            <input id="d-to" name="to" type="date" value=move || get("to").unwrap_or_default() />
            <button type="submit">"Show"</button>
        </form>
        <Loaded resource=data let:report>
            <p class="muted">{format!("Refused, denied and failed attempts from {} to {}, by person.", report.from, report.to)}</p>
            {if report.groups.is_empty() {
                view! { <p role="status">"Nothing was refused in this period."</p> }.into_any()
            } else {
                report.groups.into_iter().map(|g| view! {
                    <section class="denied" class:repeated=g.repeated aria-label=g.who.clone()>
                        <h2>{format!("{} — {} {}", g.who, g.count, if g.count == 1 { "attempt" } else { "attempts" })}
                            {g.repeated.then_some(" · repeated")}</h2>
                        {(g.count > g.attempts.len() as i64).then(|| view! {
                            <p class="muted">{format!("The latest {} are listed.", g.attempts.len())}</p>
                        })}
                        <ul>
                            {g.attempts.into_iter().map(|a| view! {
                                <li><time>{a.at}</time>" "{a.sentence}</li>
                            }).collect_view()}
                        </ul>
                    </section>
                }).collect_view().into_any()
            }}
        </Loaded>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_get_their_tone() {
        assert_eq!(tone_of("support.session_started"), Tone::Lifecycle);
        assert_eq!(tone_of("support.page_viewed"), Tone::View);
        assert_eq!(tone_of("product.tax_rule_changed"), Tone::Change);
        assert_eq!(tone_of("support.blocked"), Tone::Refusal);
        assert_eq!(tone_of("auth.signed_in"), Tone::Other);
    }

    #[test]
    fn the_summary_reads_like_a_sentence() {
        assert_eq!(
            summary_line(3, 1, 0, "5 min"),
            "3 pages viewed, 1 change, 0 blocked, 5 min"
        );
        assert_eq!(
            summary_line(1, 2, 1, "live"),
            "1 page viewed, 2 changes, 1 blocked, live"
        );
    }
}
