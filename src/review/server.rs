//! Reviews on the server.

use super::{Inbox, InboxItem, Review, ReviewState};
use crate::access::{current_actor, Actor, Capability};
use crate::audit::{self, Kind, NewEvent};
use crate::error::{parse_id, AppError};
use crate::state::app_state;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

fn zone(actor: &Actor) -> chrono_tz::Tz {
    actor
        .as_staff()
        .and_then(|s| s.time_zone.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

fn when(at: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    at.with_timezone(&zone)
        .format("%-d %b %Y %H:%M %Z")
        .to_string()
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
