//! Approvals on the server.

use super::*;
use crate::access::actions::BlockedAttempt;
use crate::access::reason::check_reason;
use crate::access::requests::repo::{self, RequestRow};
use crate::access::requests::server::{by_staff, staff_of};
use crate::access::requests::{RequestKind, RequestState};
use crate::access::{current_actor, Capability, StaffMember, SupportSession};
use crate::audit::{self, sentence, EventActor, Kind, NewEvent};
use crate::customers::directory;
use crate::error::parse_id;
use crate::state::app_state;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

fn self_decision() -> AppError {
    AppError::Refused("You cannot decide your own request; another manager must.".into())
}

pub async fn queue() -> Result<Vec<super::QueueItem>, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::DecideRequests)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let now = state.clock.now();
    let rows = repo::waiting_for_a_manager(&state.pool, now).await?;
    Ok(rows
        .into_iter()
        .map(|r| super::QueueItem {
            id: r.id.to_string(),
            one_action: r.kind == RequestKind::Action,
            asked: match (r.kind, r.action) {
                (RequestKind::Action, Some(action)) => format!(
                    "One action: {} — {}",
                    action.label(),
                    r.action_object_label.as_deref().unwrap_or("unnamed")
                ),
                _ => format!("{} session", r.mode.label()),
            },
            view_as: format!("{} ({})", r.target_user_name, r.target_role.label()),
            waited: waited(now - r.requested_at),
            expires_in: r
                .expires_at
                .map(|e| crate::access::sessions::mm_ss((e - now).num_seconds().max(0))),
            needs_owner_too: r.needs_owner && r.owner_decided_by_name.is_none(),
            is_own: r.staff_id == staff.id,
            staff_name: r.staff_name,
            account_id: r.account_id.to_string(),
            account_name: r.account_name,
            reason: r.reason,
            ticket: r.ticket,
            why: r.policy_reasons,
        })
        .collect())
}

/// "just now", "4 min", "2 h 5 min"
fn waited(d: Duration) -> String {
    match d.num_minutes() {
        m if m < 1 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m => format!("{} h {} min", m / 60, m % 60),
    }
}

/// What a request asks for, in words: "view Acme Co as Jane Doe", or one
/// action on one object.
pub(super) fn asked_for(r: &RequestRow) -> String {
    match (r.kind, r.action) {
        (RequestKind::Action, Some(action)) => format!(
            "take one blocked action ({}: {}) in {} as {}",
            action.label().to_lowercase(),
            r.action_object_label.as_deref().unwrap_or("unnamed"),
            r.account_name,
            r.target_user_name
        ),
        _ => format!("view {} as {}", r.account_name, r.target_user_name),
    }
}

pub async fn decide(id: String, approve: bool, note: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::DecideRequests)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&id)?;
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(AppError::Invalid(
            "The note can have at most 500 characters.".into(),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut r = repo::load(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let refusal = if r.staff_id == staff.id {
        Some(self_decision())
    } else if r.status == RequestState::Pending && r.expires_at.is_some_and(|e| e <= now) {
        Some(AppError::Invalid(
            "This request expired before it was decided.".into(),
        ))
    } else if r.status != RequestState::Pending || !r.needs_manager || r.decided_by.is_some() {
        Some(AppError::Invalid(
            "This request is not waiting for a manager's decision.".into(),
        ))
    } else if !approve && note.is_empty() {
        Some(AppError::Invalid(
            "Say why you deny the request, so the agent knows what to do instead.".into(),
        ))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        tx.rollback().await?;
        expire_if_due(&state.pool, &mut r, now).await?;
        return Err(record_refused_decision(&state.pool, &staff, &r, approve, now, refusal).await);
    }
    // With an owner to ask as well, the request is approved only once the
    // owner has approved too (in either order).
    let owner_waits = r.needs_owner && r.owner_decided_by_name.is_none();
    let new_status = match (approve, owner_waits) {
        (false, _) => RequestState::Denied,
        (true, true) => RequestState::Pending,
        (true, false) => RequestState::Approved,
    };
    let approved_until = (new_status == RequestState::Approved)
        .then(|| now + Duration::minutes(state.config.approval_valid_minutes));
    let updated = sqlx::query!(
        r#"update chaperone.access_requests
           set status = $2, decided_by = $3, decided_by_name = $4, decided_at = $5, decision_note = $6, approved_until = $7
           where id = $1"#,
        id,
        new_status.as_str(),
        staff.id,
        staff.name,
        now as _,
        (!note.is_empty()).then_some(note.clone()),
        approved_until as _
    )
    .execute(&mut *tx)
    .await;
    // The database holds the four-eyes rule too: should the check above ever
    // be lost, deciding one's own request still fails.
    if let Err(sqlx::Error::Database(db)) = &updated {
        if db.constraint() == Some("access_requests_not_self_decided") {
            return Err(self_decision());
        }
    }
    updated?;
    let verb = if approve { "approved" } else { "denied" };
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            if approve {
                Kind::RequestApproved
            } else {
                Kind::RequestDenied
            },
            r.account_id,
            json!({
                "request_id": id,
                "approve": approve,
                "note": note,
                "requester": r.staff_name,
                "asked": asked_for(&r),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(if approve && owner_waits {
        "Approved. The request now waits for an owner of the account.".into()
    } else {
        format!("The request was {verb}.")
    })
}

/// Records a decision that was refused (one's own request, one already
/// decided or expired) and returns the refusal to answer with.
async fn record_refused_decision(
    pool: &PgPool,
    staff: &StaffMember,
    r: &RequestRow,
    approve: bool,
    now: DateTime<Utc>,
    refusal: AppError,
) -> AppError {
    let event = by_staff(
        staff,
        now,
        Kind::DecisionRefused,
        r.account_id,
        json!({
            "request_id": r.id,
            "approve": approve,
            "status": r.status.as_str(),
            "requester": r.staff_name,
            "asked": asked_for(r),
            "refusal": refusal.to_string(),
        }),
    );
    audit::refused(pool, event, refusal).await
}

pub async fn request_action(
    action: BlockedAction,
    object: String,
    reason: String,
) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RequestEditSession)?;
    let staff = staff_of(&actor)?;
    let session = actor.support_session().cloned().ok_or_else(|| {
        AppError::Invalid(
            "One-action approvals are asked for from inside a support session.".into(),
        )
    })?;
    let reason = check_reason(&reason).map_err(AppError::Invalid)?;
    let state = app_state()?;
    // Only what was actually tried, and refused, in this session can be
    // asked for: the manager reads the object as the server named it.
    let attempt = blocked_attempts(&state.pool, &session)
        .await?
        .into_iter()
        .find(|a| a.action == action && a.object == object.trim())
        .ok_or_else(|| {
            AppError::Invalid(
                "Try the action first: once it is refused, the banner offers to ask a manager for exactly that.".into(),
            )
        })?;
    ask_for_one_action(&state, &staff, &session, &attempt, &reason).await
}

/// Records a one-action request, bound to its action and object, waiting
/// for a manager; returns its id.
pub(crate) async fn ask_for_one_action(
    state: &crate::state::AppState,
    staff: &StaffMember,
    session: &SupportSession,
    attempt: &BlockedAttempt,
    reason: &str,
) -> Result<String, AppError> {
    let action = attempt.action;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"insert into chaperone.access_requests
             (id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
              reason, ticket, mode, kind, action, action_object, action_object_label, for_session_id, decision,
              policy_reasons, needs_manager, status, requested_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'action', $12, $13, $14, $15, 'needs_approval',
                   $16, true, 'pending', $17, $18)"#,
        id,
        staff.id,
        staff.name,
        session.account_id,
        session.account_name,
        session.target_user_id,
        session.target_user_name,
        session.target_role.as_str(),
        reason,
        session.ticket,
        session.mode.as_str(),
        action.as_str(),
        attempt.object,
        attempt.label,
        session.id,
        json!([format!("{} are blocked in support sessions: a manager must approve this one action.", action.label())]),
        now as _,
        (now + Duration::minutes(state.config.request_expiry_minutes)) as _
    )
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        by_staff(
            staff,
            now,
            Kind::ActionRequested,
            session.account_id,
            json!({
                "request_id": id,
                "session_id": session.id,
                "action": action.as_str(),
                "object": attempt.object,
                "object_label": attempt.label,
                "account": session.account_name,
                "as": session.target_user_name,
                "reason": reason,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id.to_string())
}

/// The blocked actions tried and refused in this session, newest first, one
/// per action and object: what the banner offers to ask approval for.
pub async fn blocked_attempts(
    pool: &PgPool,
    session: &SupportSession,
) -> Result<Vec<BlockedAttempt>, sqlx::Error> {
    // The session's count, read with it at the start of the request, spares
    // the events a look on every page of a session without refusals.
    if session.refusals == 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query!(
        r#"select distinct on (detail->>'attempted', detail->>'object')
                  detail->>'attempted' as "action!", detail->>'object' as "object!",
                  coalesce(detail->>'object_label', detail->>'object') as "label!", id
           from chaperone.events
           where account_id = $1 and kind = 'support.blocked' and detail->>'why' = 'blocked_action'
             and detail->>'session_id' = $2 and detail ? 'object'
           order by detail->>'attempted', detail->>'object', id desc"#,
        session.account_id,
        session.id.to_string()
    )
    .fetch_all(pool)
    .await?;
    let mut attempts: Vec<(i64, BlockedAttempt)> = rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.id,
                BlockedAttempt {
                    action: BlockedAction::parse(&r.action)?,
                    object: r.object,
                    label: r.label,
                },
            ))
        })
        .collect();
    attempts.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    Ok(attempts.into_iter().map(|(_, a)| a).collect())
}

/// Names an object of a blocked action for people: a team member or an API
/// token by name (through the customers directory), anything else by its
/// key.
pub async fn describe_object(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    object: &str,
) -> Result<String, sqlx::Error> {
    if let Some(id) = object
        .strip_prefix("member:")
        .and_then(|id| id.parse::<Uuid>().ok())
    {
        if let Some(user) = directory::user_in_account(&mut **tx, account_id, id).await? {
            return Ok(format!("{} (a team member)", user.name));
        }
    }
    if let Some(id) = object
        .strip_prefix("token:")
        .and_then(|id| id.parse::<Uuid>().ok())
    {
        if let Some(name) = directory::token_name(&mut **tx, account_id, id).await? {
            return Ok(format!("the API token “{name}”"));
        }
    }
    Ok(object.to_string())
}

/// Spends an approved, unused, unexpired one-action approval for exactly
/// this action and object in this session, inside the action's own
/// transaction: if the action then fails, the approval stays unspent.
/// Returns whether one was spent (and records it in the same transaction).
pub async fn spend_action_approval(
    tx: &mut Transaction<'static, Postgres>,
    staff: &StaffMember,
    session: &SupportSession,
    attempt: &BlockedAttempt,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let used = sqlx::query_scalar!(
        r#"update chaperone.access_requests set status = 'used', used_at = $5
           where id = (select id from chaperone.access_requests
                       where kind = 'action' and for_session_id = $1 and staff_id = $2
                         and action = $3 and action_object = $4
                         and status = 'approved' and approved_until > $5 and used_at is null
                       order by requested_at limit 1 for update)
           returning id"#,
        session.id,
        staff.id,
        attempt.action.as_str(),
        attempt.object,
        now as _
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(request_id) = used else {
        return Ok(false);
    };
    audit::append(
        tx,
        NewEvent::new(now, Kind::ActionApprovalUsed, staff)
            .about(session.account_id)
            .detail(json!({
                "request_id": request_id,
                "session_id": session.id,
                "action": attempt.action.as_str(),
                "object": attempt.object,
                "object_label": attempt.label,
                "account": session.account_name,
                "as": session.target_user_name,
            })),
    )
    .await?;
    Ok(true)
}

/// Ends a request whose time ran out, with its event: a pending request
/// expires at `expires_at`, an unused approval lapses at `approved_until`.
/// Only a request still in that state changes, so concurrent sweepers and
/// readers end each once. Returns the new status if this call ended it.
async fn end_if_due(
    pool: &PgPool,
    r: &RequestRow,
    now: DateTime<Utc>,
) -> Result<Option<RequestState>, sqlx::Error> {
    let (to, at, kind) = match r.status {
        RequestState::Pending => match r.expires_at.filter(|e| *e <= now) {
            Some(at) => (RequestState::Expired, at, Kind::RequestExpired),
            None => return Ok(None),
        },
        RequestState::Approved => match r.approved_until.filter(|u| *u <= now) {
            Some(at) => (RequestState::Lapsed, at, Kind::ApprovalLapsed),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "update chaperone.access_requests set status = $3 where id = $1 and status = $2",
        r.id,
        r.status.as_str(),
        to.as_str()
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    audit::append(
        &mut tx,
        NewEvent::new(at, kind, EventActor::System)
            .about(r.account_id)
            .detail(json!({
                "request_id": r.id,
                "requester": r.staff_name,
                "asked": asked_for(r),
                "at": sentence::at(at),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(to))
}

/// Ends the request `r` if its time ran out (a reader noticed first).
pub async fn expire_if_due(
    pool: &PgPool,
    r: &mut RequestRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let due = match r.status {
        RequestState::Pending => r.expires_at.is_some_and(|e| e <= now),
        RequestState::Approved => r.approved_until.is_some_and(|u| u <= now),
        _ => false,
    };
    if !due {
        return Ok(());
    }
    if let Some(status) = end_if_due(pool, r, now).await? {
        r.status = status;
    } else if let Some(fresh) = repo::load(pool, r.id, false).await? {
        // Someone else (a sweeper) ended it meanwhile.
        r.status = fresh.status;
    }
    Ok(())
}

/// The sweeper's part: every pending request past its expiry and every
/// approval past its validity, ended with its event, nobody reading.
/// Returns (expired, lapsed).
pub async fn expire_due(pool: &PgPool, now: DateTime<Utc>) -> Result<(u64, u64), sqlx::Error> {
    let due = sqlx::query_scalar!(
        r#"select id from chaperone.access_requests
           where (status = 'pending' and expires_at <= $1) or (status = 'approved' and approved_until <= $1)
           order by requested_at limit 1000"#,
        now as _
    )
    .fetch_all(pool)
    .await?;
    let (mut expired, mut lapsed) = (0, 0);
    // One request at a time: a row that fails is logged and skipped, so it
    // never stops the others from ending.
    for id in due {
        let ended = async {
            match repo::load(pool, id, false).await? {
                Some(r) => end_if_due(pool, &r, now).await,
                None => Ok(None),
            }
        };
        match ended.await {
            Ok(Some(RequestState::Expired)) => expired += 1,
            Ok(Some(RequestState::Lapsed)) => lapsed += 1,
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(request = %id, error = %err, "sweeper could not end a request")
            }
        }
    }
    Ok((expired, lapsed))
}
