//! Reviews on the server.

use super::{Inbox, InboxItem, Review, ReviewState};
use crate::access::{current_actor, Actor, Capability};
use crate::audit::{self, Kind, NewEvent};
use crate::error::{parse_id, AppError};
use crate::state::app_state;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::clock::when;

fn zone(actor: &Actor) -> chrono_tz::Tz {
    crate::clock::zone(actor.as_staff().map_or("UTC", |s| s.time_zone.as_str()))
}

pub async fn review(id: String, verdict: String, note: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ReviewSessions)?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?;
    let id = parse_id(&id)?;
    let verdict = ReviewState::parse(verdict.trim())
        .filter(|v| *v != ReviewState::Unreviewed)
        .ok_or_else(|| AppError::Invalid("Choose “Mark fine” or “Flag”.".into()))?;
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(AppError::Invalid(
            "The note can have at most 500 characters.".into(),
        ));
    }
    if verdict == ReviewState::Flagged && note.is_empty() {
        return Err(AppError::Invalid(
            "Say what is wrong when you flag a session, so it can be followed up.".into(),
        ));
    }
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let s = sqlx::query!(
        r#"select staff_id, staff_name, account_id, account_name, ended_at as "ended_at: DateTime<Utc>", review_state
           from chaperone.support_sessions where id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if s.ended_at.is_none() {
        return Err(AppError::Invalid(
            "This session is still live: review it once it has ended.".into(),
        ));
    }
    if s.staff_id == staff.id {
        return Err(AppError::Refused(
            "You cannot review your own session; another manager must.".into(),
        ));
    }
    let updated = sqlx::query!(
        r#"update chaperone.support_sessions
           set review_state = $2, review_note = $3, reviewed_by = $4, reviewed_by_name = $5, reviewed_at = $6
           where id = $1"#,
        id,
        verdict.as_str(),
        (!note.is_empty()).then_some(note.clone()),
        staff.id,
        staff.name,
        now as _
    )
    .execute(&mut *tx)
    .await;
    // The database holds the rule too, should the check above ever go.
    if let Err(sqlx::Error::Database(db)) = &updated {
        if db.constraint() == Some("support_sessions_not_self_reviewed") {
            return Err(AppError::Refused(
                "You cannot review your own session; another manager must.".into(),
            ));
        }
    }
    updated?;
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::SessionReviewed, staff)
            .about(s.account_id)
            .detail(json!({
                "session_id": id,
                "verdict": verdict.as_str(),
                "previous": s.review_state,
                "note": note,
                "staff": s.staff_name,
                "account": s.account_name,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(match verdict {
        ReviewState::Flagged => "The session is flagged.".into(),
        _ => "The session is marked fine.".into(),
    })
}

/// A session's review for its page; `staff_id` is whose session it is.
pub async fn of_session(db: &sqlx::PgPool, actor: &Actor, id: Uuid) -> Result<Review, AppError> {
    let r = sqlx::query!(
        r#"select staff_id, ended_at is not null as "ended!", review_state, review_note, reviewed_by_name,
                  reviewed_at as "reviewed_at: DateTime<Utc>"
           from chaperone.support_sessions where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let state = ReviewState::parse(&r.review_state).ok_or(AppError::Internal)?;
    let own = actor.as_staff().is_some_and(|s| s.id == r.staff_id);
    Ok(Review {
        state,
        note: r.review_note,
        by: r
            .reviewed_by_name
            .zip(r.reviewed_at)
            .map(|(name, at)| format!("{name}, {}", when(at, zone(actor)))),
        can_review: actor.can(Capability::ReviewSessions) && r.ended && !own,
    })
}

pub async fn weekly(week: Option<String>) -> Result<super::weekly::Weekly, AppError> {
    use super::weekly::{monday_of, summarise, SessionFact};
    let actor = current_actor()?;
    actor.require(Capability::ReviewSessions)?;
    let state = app_state()?;
    let zone = zone(&actor);
    let day = match week.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => chrono::NaiveDate::parse_from_str(w, "%Y-%m-%d")
            .map_err(|_| AppError::Invalid("Write the week as a date, YYYY-MM-DD.".into()))?,
        None => state.clock.now().with_timezone(&zone).date_naive(),
    };
    let monday = monday_of(day);
    let start_of = |d| crate::clock::day_start(d, zone).ok_or(AppError::Internal);
    let (from, to) = (
        start_of(monday)?,
        start_of(monday + chrono::Duration::days(7))?,
    );
    let sessions: Vec<SessionFact> = sqlx::query!(
        r#"select id, staff_name, account_name, target_user_name,
                  started_at as "started_at: DateTime<Utc>", ended_at as "ended_at: DateTime<Utc>",
                  changes, review_state
           from chaperone.support_sessions
           where started_at >= $1 and started_at < $2
           order by started_at"#,
        from as _,
        to as _
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(SessionFact {
            id: r.id.to_string(),
            staff_name: r.staff_name,
            account_name: r.account_name,
            target_user_name: r.target_user_name,
            started_at: r.started_at,
            ended_at: r.ended_at,
            changes: r.changes.into(),
            review: ReviewState::parse(&r.review_state).ok_or(AppError::Internal)?,
        })
    })
    .collect::<Result<_, AppError>>()?;
    // Denied attempts per staff member: every refusal kind, by who tried
    // (for a denied request, the requester).
    let kinds = crate::session_log::refusal_kinds();
    let denied = sqlx::query!(
        r#"select coalesce(r.staff_name, e.actor_name) as "who!", count(*) as "n!"
           from chaperone.events e
           left join chaperone.access_requests r
             on e.kind = 'support.request_denied' and r.id = (e.detail->>'request_id')::uuid
           where e.kind = any($1) and e.occurred_at >= $2 and e.occurred_at < $3
           group by 1"#,
        &kinds,
        from as _,
        to as _
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.who, r.n))
    .collect();
    Ok(summarise(monday, zone, &sessions, denied))
}

pub async fn inbox() -> Result<Inbox, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ReviewSessions)?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?;
    let state = app_state()?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from chaperone.support_sessions
           where review_state = 'unreviewed' and ended_at is not null and staff_id <> $1"#,
        staff.id
    )
    .fetch_one(&state.pool)
    .await?;
    let zone = zone(&actor);
    let items = sqlx::query!(
        r#"select id, staff_name, account_name, target_user_name, ended_at as "ended_at!: DateTime<Utc>",
                  views, changes, blocked
           from chaperone.support_sessions
           where review_state = 'unreviewed' and ended_at is not null and staff_id <> $1
           order by (changes > 0 or blocked > 0) desc, ended_at, id
           limit 100"#,
        staff.id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| InboxItem {
        id: r.id.to_string(),
        staff_name: r.staff_name,
        account_name: r.account_name,
        target_user_name: r.target_user_name,
        ended: when(r.ended_at, zone),
        views: r.views.into(),
        changes: r.changes.into(),
        blocked: r.blocked.into(),
    })
    .collect();
    Ok(Inbox { total, items })
}
