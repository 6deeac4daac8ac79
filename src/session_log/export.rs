//! Events for auditors: JSON Lines or CSV, for a period or one session,
//! exactly as the viewer shows them (the log holds only masked values),
//! streamed in batches rather than built in memory. Each export is itself
//! an event, written before the first byte leaves.

use crate::access::{Actor, Capability, CurrentActor};
use crate::audit::{self, Kind, NewEvent};
use crate::error::{parse_id, AppError};
use crate::state::AppState;
use crate::ui::csv_row;
use axum::body::Body;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use http::header;
use serde::Deserialize;
use serde_json::json;

pub const JSONL: &str = "/console/export/events.jsonl";
pub const CSV: &str = "/console/export/events.csv";

const BATCH: i64 = 1_000;

/// What to export: a period (`YYYY-MM-DD`, both days included, at most 92
/// days) or one session.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    pub from: Option<String>,
    pub to: Option<String>,
    pub session: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Lines,
    Csv,
}

/// The selection, checked.
enum Selection {
    Period(DateTime<Utc>, DateTime<Utc>, String),
    Session(uuid::Uuid),
}

fn selection(form: &ExportForm) -> Result<Selection, AppError> {
    if let Some(session) = form.session.as_deref().filter(|s| !s.trim().is_empty()) {
        return Ok(Selection::Session(parse_id(session)?));
    }
    let (from, to) = super::server::period(form.from.as_deref(), form.to.as_deref(), None)?;
    let (start, end) = super::server::bounds(from, to);
    Ok(Selection::Period(start, end, format!("{from} to {to}")))
}

use crate::audit::EventRecord as EventRow;

/// The next batch after `after` (occurred_at, id): one query per kind of
/// selection, each served by its own index.
async fn batch(
    db: &mut sqlx::PgConnection,
    sel: &Selection,
    after: (DateTime<Utc>, i64),
) -> Result<Vec<EventRow>, sqlx::Error> {
    const COLUMNS: &str = EventRow::COLUMNS;
    match sel {
        Selection::Period(start, end, _) => {
            sqlx::query_as(&format!(
                "select {COLUMNS} from chaperone.events
                 where (occurred_at, id) > ($1, $2) and occurred_at >= $3 and occurred_at < $4
                 order by occurred_at, id limit $5"
            ))
            .bind(after.0)
            .bind(after.1)
            .bind(start)
            .bind(end)
            .bind(BATCH)
            .fetch_all(db)
            .await
        }
        Selection::Session(id) => {
            sqlx::query_as(&format!(
                "select {COLUMNS} from chaperone.events_of_session($1)
                 where (occurred_at, id) > ($2, $3)
                 order by occurred_at, id limit $4"
            ))
            .bind(id)
            .bind(after.0)
            .bind(after.1)
            .bind(BATCH)
            .fetch_all(db)
            .await
        }
    }
}

fn render(format: Format, rows: &[EventRow]) -> String {
    let mut out = String::new();
    for r in rows {
        match format {
            Format::Lines => {
                let line = r.to_json();
                out.push_str(&line.to_string());
                out.push('\n');
            }
            Format::Csv => out.push_str(&csv_row(&[
                &r.id.to_string(),
                &r.occurred_at.to_rfc3339(),
                &r.kind,
                &r.actor_kind,
                &r.actor_name,
                &r.account_id.map(|a| a.to_string()).unwrap_or_default(),
                &r.summary,
                &r.detail.to_string(),
                &r.chain,
                &r.seq.to_string(),
                &hex::encode(&r.prev_hash),
                &hex::encode(&r.hash),
            ])),
        }
    }
    out
}

async fn export(
    state: AppState,
    actor: CurrentActor,
    form: ExportForm,
    format: Format,
) -> Result<Response, AppError> {
    let actor = actor.0.ok_or(AppError::Unauthenticated)?;
    actor.require(Capability::ExportEvents)?;
    let Actor::Staff(staff) = &actor else {
        return Err(AppError::Refused(
            "End the support session before exporting the log.".into(),
        ));
    };
    let sel = selection(&form)?;
    let what = match &sel {
        Selection::Period(_, _, words) => format!("the events from {words}"),
        Selection::Session(id) => format!("the events of session {id}"),
    };
    let file = match format {
        Format::Lines => "events.jsonl",
        Format::Csv => "events.csv",
    };
    // Recorded before anything is sent: an export nobody can see happened
    // does not happen.
    audit::record(
        &state.pool,
        NewEvent::new(state.clock.now(), Kind::Exported, staff).detail(json!({
            "what": what,
            "from": form.from,
            "to": form.to,
            "session": form.session,
            "file": file,
        })),
    )
    .await?;
    // The whole export reads one snapshot: an event committing meanwhile is
    // either in it or not, never skipped between batches.
    let snapshot = state
        .pool
        .begin_with("begin isolation level repeatable read read only")
        .await?;
    let header_row = match format {
        Format::Lines => String::new(),
        Format::Csv => csv_row(&[
            "id",
            "occurred_at",
            "kind",
            "actor_kind",
            "actor_name",
            "account_id",
            "summary",
            "detail",
            "chain",
            "seq",
            "prev_hash",
            "hash",
        ]),
    };
    let start = (DateTime::<Utc>::UNIX_EPOCH, 0i64);
    let stream = futures_util::stream::unfold(
        (Some(header_row), start, Some(snapshot), sel),
        move |(header_row, after, snapshot, sel)| async move {
            if let Some(h) = header_row.filter(|h| !h.is_empty()) {
                return Some((Ok::<_, std::io::Error>(h), (None, after, snapshot, sel)));
            }
            let mut tx = snapshot?;
            match batch(&mut tx, &sel, after).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| (r.occurred_at, r.id)).unwrap_or(after);
                    // A short batch is the last: let the snapshot go.
                    let next = ((rows.len() as i64) == BATCH).then_some(tx);
                    Some((Ok(render(format, &rows)), (None, last, next, sel)))
                }
                Err(err) => {
                    tracing::error!(error = %err, "an event export stopped");
                    Some((
                        Err(std::io::Error::other("export failed")),
                        (None, after, None, sel),
                    ))
                }
            }
        },
    );
    let content_type = match format {
        Format::Lines => "application/x-ndjson; charset=utf-8",
        Format::Csv => "text/csv; charset=utf-8",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chaperone-{file}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

fn refuse(err: AppError) -> Response {
    crate::access::guard::refusal_page(&err, "/console/sessions", "Back to the session log")
}

pub async fn events_jsonl(
    State(state): State<AppState>,
    Extension(actor): Extension<CurrentActor>,
    Form(form): Form<ExportForm>,
) -> Response {
    export(state, actor, form, Format::Lines)
        .await
        .unwrap_or_else(refuse)
}

pub async fn events_csv(
    State(state): State<AppState>,
    Extension(actor): Extension<CurrentActor>,
    Form(form): Form<ExportForm>,
) -> Response {
    export(state, actor, form, Format::Csv)
        .await
        .unwrap_or_else(refuse)
}

/// The log's plain-HTTP routes (exports), for the router.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route(JSONL, post(events_jsonl))
        .route(CSV, post(events_csv))
}
