//! The session log on the server.

use super::*;
use crate::access::sessions::EndCause;
use crate::access::{current_actor, Capability};
use crate::error::parse_id;
use crate::state::app_state;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const PAGE: i64 = 50;

/// The reader's time zone, from their profile (recorded from the browser at
/// first sign-in); UTC when it is not a zone this server knows.
fn zone_of(staff: &crate::access::StaffMember) -> chrono_tz::Tz {
    crate::clock::zone(&staff.time_zone)
}

use crate::clock::when;

/// Every kind the log shows as a refused, denied or failed attempt.
pub(crate) fn refusal_kinds() -> Vec<String> {
    crate::audit::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| tone_of(k) == Tone::Refusal)
        .map(str::to_string)
        .collect()
}

/// An event as a reader sees it: its sentence rendered in the reader's zone
/// from the stored facts, the facts folded away underneath.
fn for_reader(
    kind: &str,
    actor_name: &str,
    summary: &str,
    detail: String,
    zone: chrono_tz::Tz,
    at: String,
) -> TimelineEvent {
    let facts: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
    TimelineEvent {
        at,
        tone: tone_of(kind),
        sentence: crate::audit::sentence::for_reader(kind, actor_name, &facts, summary, zone),
        detail,
    }
}

fn length(started: DateTime<Utc>, ended: Option<DateTime<Utc>>) -> String {
    match ended {
        Some(end) => format!("{} min", (end - started).num_minutes().max(0)),
        None => "live".into(),
    }
}

/// Free-text filters: trimmed, at most 100 characters, matched literally.
fn filter(text: Option<String>) -> Result<Option<String>, AppError> {
    match text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > 100 => Err(AppError::Invalid(
            "A filter can have at most 100 characters.".into(),
        )),
        Some(t) => Ok(Some(crate::db::like_pattern(&t.to_lowercase()))),
        None => Ok(None),
    }
}

/// The cursor of a page: the last row's start time and id.
fn parse_cursor(cursor: Option<String>) -> Result<Option<(DateTime<Utc>, Uuid)>, AppError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad =
        || AppError::Invalid("That page link is not valid; start from the first page.".into());
    let (at, id) = cursor.split_once('_').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok(Some((at, id.parse().map_err(|_| bad())?)))
}

struct Row {
    id: Uuid,
    staff_name: String,
    account_name: String,
    target_user_name: String,
    mode: String,
    reason: String,
    ticket: String,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    end_cause: Option<String>,
    views: i64,
    changes: i64,
    blocked: i64,
    review_state: String,
}

/// The first moment of a day (`YYYY-MM-DD`) in the reader's zone.
fn day_start(day: &str, zone: chrono_tz::Tz) -> Result<DateTime<Utc>, AppError> {
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Invalid("Write dates as YYYY-MM-DD, for example 2026-11-26.".into())
    })?;
    crate::clock::day_start(date, zone)
        .ok_or_else(|| AppError::Invalid("That day does not exist in your time zone.".into()))
}

fn dto(r: Row, zone: chrono_tz::Tz) -> Result<SessionRow, AppError> {
    let mode = crate::access::policy::Mode::parse(&r.mode).ok_or(AppError::Internal)?;
    Ok(SessionRow {
        id: r.id.to_string(),
        staff_name: r.staff_name,
        account_name: r.account_name,
        target_user_name: r.target_user_name,
        mode_label: mode.label().into(),
        reason: r.reason,
        ticket: r.ticket,
        started: when(r.started_at, zone),
        length: length(r.started_at, r.ended_at),
        ended: r
            .end_cause
            .as_deref()
            .map(|c| {
                EndCause::parse(c)
                    .map(|c| c.words())
                    .ok_or(AppError::Internal)
            })
            .transpose()?
            .map(|w| {
                let w = w.to_string();
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            }),
        views: r.views,
        changes: r.changes,
        blocked: r.blocked,
        review: crate::review::ReviewState::parse(&r.review_state).ok_or(AppError::Internal)?,
    })
}

pub async fn list(f: SessionFilter, before: Option<String>) -> Result<SessionList, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ReadOwnSessionLogs)?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?;
    let all = actor.can(Capability::ReadAllSessionLogs);
    let (agent, account) = (filter(f.agent)?, filter(f.account)?);
    let zone = zone_of(staff);
    let from = f.from.filter(|d| !d.trim().is_empty());
    let from = from.map(|d| day_start(&d, zone)).transpose()?;
    let to = f.to.filter(|d| !d.trim().is_empty());
    let to = to
        .map(|d| day_start(&d, zone).map(|t| t + chrono::Duration::days(1)))
        .transpose()?;
    let review = match f.review.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(
            crate::review::ReviewState::parse(r)
                .ok_or_else(|| {
                    AppError::Invalid("Filter reviews by unreviewed, fine or flagged.".into())
                })?
                .as_str(),
        ),
    };
    let cursor = parse_cursor(before)?;
    let state = app_state()?;
    let rows = sqlx::query_as!(
        Row,
        r#"select id as "id!", staff_name as "staff_name!", account_name as "account_name!",
                  target_user_name as "target_user_name!", mode as "mode!", reason as "reason!", ticket as "ticket!",
                  started_at as "started_at!: DateTime<Utc>", ended_at as "ended_at: DateTime<Utc>", end_cause,
                  views as "views!", changes as "changes!", blocked as "blocked!", review_state as "review_state!"
           from chaperone.session_overview
           where ($1 or staff_id = $2)
             and ($3::text is null or lower(staff_name) like $3)
             and ($4::text is null or lower(account_name) like $4)
             and (not $5 or changes > 0)
             and (not $6 or blocked > 0)
             and ($7::timestamptz is null or (started_at, id) < ($7, $8))
             and ($10::timestamptz is null or started_at >= $10)
             and ($11::timestamptz is null or started_at < $11)
             and ($12::text is null or review_state = $12)
           order by started_at desc, id desc
           limit $9"#,
        all,
        staff.id,
        agent,
        account,
        f.changes.unwrap_or(false),
        f.blocked.unwrap_or(false),
        cursor.map(|c| c.0) as _,
        cursor.map(|c| c.1),
        PAGE + 1,
        from as _,
        to as _,
        review
    )
    .fetch_all(&state.pool)
    .await?;
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<Row> = rows.into_iter().take(PAGE as usize).collect();
    let next = more
        .then(|| {
            rows.last()
                .map(|r| format!("{}_{}", r.started_at.to_rfc3339(), r.id))
        })
        .flatten();
    let today = state
        .clock
        .now()
        .with_timezone(&zone_of(staff))
        .date_naive();
    Ok(SessionList {
        rows: rows
            .into_iter()
            .map(|r| dto(r, zone_of(staff)))
            .collect::<Result<_, _>>()?,
        next,
        all,
        can_export: actor.can(Capability::ExportEvents),
        export_from: (today - chrono::Duration::days(6)).to_string(),
        export_to: today.to_string(),
    })
}

pub async fn timeline(id: String) -> Result<SessionStory, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ReadOwnSessionLogs)?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?;
    let all = actor.can(Capability::ReadAllSessionLogs);
    let id = parse_id(&id)?;
    let state = app_state()?;
    let session = sqlx::query_as!(
        Row,
        r#"select id as "id!", staff_name as "staff_name!", account_name as "account_name!",
                  target_user_name as "target_user_name!", mode as "mode!", reason as "reason!", ticket as "ticket!",
                  started_at as "started_at!: DateTime<Utc>", ended_at as "ended_at: DateTime<Utc>", end_cause,
                  views as "views!", changes as "changes!", blocked as "blocked!", review_state as "review_state!"
           from chaperone.session_overview
           where id = $1 and ($2 or staff_id = $3)"#,
        id,
        all,
        staff.id
    )
    .fetch_optional(&state.pool)
    .await?
    // Someone else's session is simply not found.
    .ok_or(AppError::NotFound)?;
    // The session's own events, and those of the requests that belong to
    // it (the one that opened it, and one-action or reveal requests asked
    // from inside): `chaperone.events_of_session`, as the export reads.
    let events = sqlx::query!(
        r#"select kind as "kind!", actor_name as "actor_name!", summary as "summary!",
                  detail::text as "detail!", occurred_at as "occurred_at!: DateTime<Utc>"
           from chaperone.events_of_session($1)
           order by occurred_at, id"#,
        id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|e| {
        let zone = zone_of(staff);
        let at = e
            .occurred_at
            .with_timezone(&zone)
            .format("%-d %b %H:%M:%S")
            .to_string();
        for_reader(&e.kind, &e.actor_name, &e.summary, e.detail, zone, at)
    })
    .collect();
    let session = dto(session, zone_of(staff))?;
    let review = crate::review::of_session(&state.pool, &actor, id).await?;
    Ok(SessionStory {
        can_revoke: actor.can(Capability::RevokeSession) && session.ended.is_none(),
        review,
        summary: summary_line(
            session.views,
            session.changes,
            session.blocked,
            &session.length,
        ),
        session,
        events,
    })
}

/// A period of whole days, `YYYY-MM-DD`, both included, at most 92 days.
/// With `default_to`, a missing end is that day and a missing start the
/// week before it; without, both are required.
pub(super) fn period(
    from: Option<&str>,
    to: Option<&str>,
    default_to: Option<chrono::NaiveDate>,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), AppError> {
    let day = |text: Option<&str>, what: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        text.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| AppError::Invalid(format!("Give the {what} date as YYYY-MM-DD.")))
            })
            .transpose()
    };
    let missing =
        |what: &str| AppError::Invalid(format!("Give the {what} of the period (YYYY-MM-DD)."));
    let to = match (day(to, "end")?, default_to) {
        (Some(to), _) => to,
        (None, Some(today)) => today,
        (None, None) => return Err(missing("end")),
    };
    let from = match (day(from, "start")?, default_to) {
        (Some(from), _) => from,
        (None, Some(_)) => to - chrono::Duration::days(6),
        (None, None) => return Err(missing("start")),
    };
    if from > to {
        return Err(AppError::Invalid(
            "The start of the period is after its end.".into(),
        ));
    }
    if (to - from).num_days() > 92 {
        return Err(AppError::Invalid(
            "Choose a period of at most 92 days.".into(),
        ));
    }
    Ok((from, to))
}

/// The instants that bound a period of whole UTC days.
pub(super) fn bounds(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (midnight(from), midnight(to + chrono::Duration::days(1)))
}

pub async fn denied(from: Option<String>, to: Option<String>) -> Result<DeniedReport, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ReadOwnSessionLogs)?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?;
    let all = actor.can(Capability::ReadAllSessionLogs);
    let state = app_state()?;
    let (from, to) = period(
        from.as_deref(),
        to.as_deref(),
        Some(state.clock.now().date_naive()),
    )?;
    let (start, end) = bounds(from, to);
    let kinds = refusal_kinds();
    // A denied request is the requester's attempt, not the deciding
    // manager's: its subject comes from the request itself.
    // Each person's true count, and only their latest attempts listed: one
    // person's flood of refusals (anyone can cause them) must not push the
    // others out of the report.
    let rows = sqlx::query!(
        r#"select who as "who!", subject, kind as "kind!", actor_name as "actor_name!", summary as "summary!",
                  detail as "detail!", occurred_at as "occurred_at!: DateTime<Utc>", total as "total!"
           from (select coalesce(r.staff_name, e.actor_name) as who, coalesce(r.staff_id, e.actor_id) as subject,
                        e.kind, e.actor_name, e.summary, e.detail::text as detail, e.occurred_at,
                        count(*) over (partition by coalesce(r.staff_id, e.actor_id)) as total,
                        row_number() over (partition by coalesce(r.staff_id, e.actor_id)
                                           order by e.occurred_at desc, e.id desc) as n
                 from chaperone.events e
                 left join chaperone.access_requests r
                   on e.kind = 'support.request_denied' and r.id = (e.detail->>'request_id')::uuid
                 where e.kind = any($1) and e.occurred_at >= $2 and e.occurred_at < $3
                   and ($4 or coalesce(r.staff_id, e.actor_id) = $5)) per_person
           where n <= $6
           order by subject, occurred_at desc"#,
        &kinds,
        start as _,
        end as _,
        all,
        staff.id,
        super::DENIED_LISTED_PER_PERSON
    )
    .fetch_all(&state.pool)
    .await?;
    let mut groups: Vec<(Option<Uuid>, DeniedGroup)> = Vec::new();
    for r in rows {
        let zone = zone_of(staff);
        let at = when(r.occurred_at, zone);
        let attempt = for_reader(&r.kind, &r.actor_name, &r.summary, r.detail, zone, at);
        // One group per person (by id: two people may share a name).
        match groups.last_mut() {
            Some((subject, g)) if *subject == r.subject => g.attempts.push(attempt),
            _ => groups.push((
                r.subject,
                DeniedGroup {
                    who: r.who,
                    count: r.total,
                    repeated: false,
                    attempts: vec![attempt],
                },
            )),
        }
    }
    let mut groups: Vec<DeniedGroup> = groups.into_iter().map(|(_, g)| g).collect();
    for g in &mut groups {
        g.repeated = g.count >= 3;
    }
    // The most attempts first.
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.who.cmp(&b.who)));
    Ok(DeniedReport {
        from: from.to_string(),
        to: to.to_string(),
        groups,
    })
}
