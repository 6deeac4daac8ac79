//! Sessions on the server: the identity check and entry, ending one's own
//! session, the banner, and a manager's revoke.

use super::store::{self as sessions, SESSION_KEY};
use super::EndCause;
use super::*;
use crate::access::policy::Mode;
use crate::access::requests::repo;
use crate::access::requests::server::{by_staff, staff_of, still_allowed};
use crate::access::requests::{RequestKind, RequestState};
use crate::access::{current_actor, Actor, Capability};
use crate::audit::{self, Kind};
use crate::auth::lockout::{self, Attempt, LockKey};
use crate::auth::password::{self, PasswordHashString};
use crate::error::parse_id;
use crate::state::app_state;
use chrono::Duration;
use secrecy::SecretString;
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

/// Records a refused entry and returns the refusal to answer with.
async fn refuse_entry(
    state: &crate::state::AppState,
    staff: &crate::access::StaffMember,
    r: &repo::RequestRow,
    why: &str,
) -> AppError {
    let event = by_staff(
        staff,
        state.clock.now(),
        Kind::EntryRefused,
        r.account_id,
        json!({
            "request_id": r.id,
            "status": r.status.as_str(),
            "account": r.account_name,
            "as": r.target_user_name,
            "why": why,
        }),
    );
    audit::refused(&state.pool, event, AppError::Invalid(why.to_string())).await
}

async fn login_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|_| AppError::Internal)
}

pub async fn enter(request_id: String, password_text: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RequestReadOnlySession)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&request_id)?;
    let now = state.clock.now();
    let request = repo::load(&state.pool, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.staff_id != staff.id {
        return Err(AppError::NotFound);
    }
    if actor.support_session().is_some() {
        let why = "You are already in a support session. End it first.";
        return Err(refuse_entry(&state, &staff, &request, why).await);
    }

    // Identity check: the agent's own password, right before entry. Five
    // failures within 15 minutes stop further checks for 15 minutes; each
    // check reserves its place first, so parallel guesses get no more.
    let throttle = LockKey::new(lockout::IDENTITY_CHECK, &staff.id.to_string(), "any");
    if let Attempt::Locked(_) = lockout::reserve(&state.pool, &throttle, now).await? {
        audit::record(
            &state.pool,
            by_staff(
                &staff,
                now,
                Kind::IdentityCheckPaused,
                request.account_id,
                json!({
                    "request_id": id,
                    "account": request.account_name,
                    "as": request.target_user_name,
                }),
            ),
        )
        .await?;
        return Err(AppError::TooManyAttempts);
    }
    let stored = sqlx::query_scalar!(
        "select password_hash from chaperone.staff where id = $1",
        staff.id
    )
    .fetch_one(&state.pool)
    .await?;
    if password_text.is_empty()
        || !password::verify(
            SecretString::from(password_text),
            Some(PasswordHashString(stored)),
        )
        .await?
    {
        audit::record(
            &state.pool,
            by_staff(
                &staff,
                now,
                Kind::IdentityCheckFailed,
                request.account_id,
                json!({
                    "request_id": id,
                    "account": request.account_name,
                    "as": request.target_user_name,
                }),
            ),
        )
        .await?;
        return Err(AppError::Invalid(
            "That password is not correct. The failed attempt was recorded.".into(),
        ));
    }

    let mut tx = state.pool.begin().await?;
    lockout::succeeded(&mut tx, &throttle).await?;
    tx.commit().await?;

    let mut tx = state.pool.begin().await?;
    let r = repo::load(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let refusal = match r.status {
        _ if r.kind != RequestKind::Session => {
            Some("This request approves one action inside a session; it does not open one.")
        }
        RequestState::Approved if r.approved_until.is_some_and(|u| u > now) => None,
        RequestState::Approved | RequestState::Lapsed => {
            Some("The approval has lapsed: approvals are valid for 30 minutes. Make a new request.")
        }
        RequestState::Used => {
            Some("This approval was already used: it admits one session. Make a new request.")
        }
        RequestState::Pending => Some("The request is still waiting for approval."),
        _ => Some("This request does not allow entry."),
    };
    let refusal = match refusal {
        Some(why) => Some(why.to_string()),
        None => still_allowed(&mut tx, &staff, &r).await?,
    };
    if let Some(why) = refusal {
        tx.rollback().await?;
        return Err(refuse_entry(&state, &staff, &r, &why).await);
    }
    let session_id = Uuid::new_v4();
    let idle_deadline = now + Duration::minutes(state.config.support_idle_minutes);
    let max_deadline = now + Duration::minutes(state.config.support_max_minutes);
    let inserted = sqlx::query!(
        r#"insert into chaperone.support_sessions
             (id, request_id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
              mode, reason, ticket, started_at, last_activity_at, idle_deadline, max_deadline, mandatory_review)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)"#,
        session_id,
        id,
        staff.id,
        staff.name,
        r.account_id,
        r.account_name,
        r.target_user_id,
        r.target_user_name,
        r.target_role.as_str(),
        r.mode.as_str(),
        r.reason,
        r.ticket,
        now as _,
        idle_deadline.min(max_deadline) as _,
        max_deadline as _,
        r.break_glass
    )
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(db)) = &inserted {
        if db.constraint() == Some("support_sessions_one_live_idx") {
            return Err(AppError::Invalid(
                "You are already in a support session. End it first.".into(),
            ));
        }
    }
    inserted?;
    sqlx::query!(
        "update chaperone.access_requests set status = 'used', used_at = $2 where id = $1",
        id,
        now as _
    )
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            Kind::SessionStarted,
            r.account_id,
            json!({
                "session_id": session_id,
                "request_id": id,
                "account": r.account_name,
                "as": r.target_user_name,
                "as_role": r.target_role.as_str(),
                "mode": r.mode.as_str(),
                "reason": r.reason,
                "ticket": r.ticket,
            }),
        ),
    )
    .await?;
    tx.commit().await?;

    // A fresh login-session id as the support session starts.
    let session = login_session().await?;
    session.cycle_id().await?;
    session.insert(SESSION_KEY, session_id).await?;
    session.remove_value(sessions::ENDED_KEY).await?;
    Ok("/app".into())
}

/// Ends the caller's support session, for `cause`, if they are in one.
pub async fn end_current(actor: &Actor, cause: EndCause) -> Result<(), AppError> {
    let Some(s) = actor.support_session() else {
        return Ok(());
    };
    let state = app_state()?;
    sessions::end_alone(&state.pool, s.id, state.clock.now(), cause).await?;
    sessions::forget(&login_session().await?, cause, state.clock.now()).await?;
    Ok(())
}

pub async fn end_own() -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    if actor.support_session().is_none() {
        // A session left live in another sign-in (a browser that lost its
        // cookie, another device): the agent can end it from here, or it
        // would hold the account open, and refuse every new request, until
        // it idled out.
        let staff = staff_of(&actor)?;
        let state = app_state()?;
        let mut tx = state.pool.begin().await?;
        let ended = crate::access::staff_changes::end_live_session(
            &mut tx,
            staff.id,
            state.clock.now(),
            EndCause::EndedByAgent,
        )
        .await?;
        tx.commit().await?;
        if !ended {
            return Ok("/console".into());
        }
        return Ok(format!(
            "/console?ended={}",
            EndCause::EndedByAgent.as_str()
        ));
    }
    end_current(&actor, EndCause::EndedByAgent).await?;
    Ok(format!(
        "/console?ended={}",
        EndCause::EndedByAgent.as_str()
    ))
}

pub async fn banner() -> Result<Option<BannerInfo>, AppError> {
    let Ok(actor) = current_actor() else {
        return Ok(None);
    };
    let Some(s) = actor.support_session() else {
        return Ok(None);
    };
    let state = app_state()?;
    let now = state.clock.now();
    Ok(Some(BannerInfo {
        account_name: s.account_name.clone(),
        user_name: s.target_user_name.clone(),
        role_label: s.target_role.label().into(),
        mode_label: s.mode.label().into(),
        read_only: s.mode == Mode::ReadOnly,
        reason: s.reason.clone(),
        ticket: s.ticket.clone(),
        seconds_left: (s.deadline() - now).num_seconds().max(0),
        can_request_action: actor.can(Capability::RequestEditSession),
        blocked: crate::access::approvals::blocked_attempts(&state.pool, s).await?,
    }))
}

/// The caller's live support session when this sign-in is not in it
/// ("Acme Co, as Jane Doe, edit"), so the console can offer to end it.
pub async fn live_elsewhere() -> Result<Option<String>, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    if actor.support_session().is_some() {
        return Ok(None);
    }
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let row = sqlx::query!(
        "select account_name, target_user_name, mode from chaperone.support_sessions
         where staff_id = $1 and ended_at is null",
        staff.id
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(|r| {
        let mode = if r.mode == "edit" {
            "edit"
        } else {
            "read-only"
        };
        format!("{}, as {}, {mode}", r.account_name, r.target_user_name)
    }))
}

pub async fn revoke_note() -> Result<Option<String>, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let note = sqlx::query_scalar!(
        r#"select e.detail->>'note' as "note"
           from chaperone.events e
           where e.kind = 'support.session_revoked'
             and e.detail->>'session_id' = (
                 select s.id::text from chaperone.support_sessions s
                 where s.staff_id = $1 and s.ended_at is not null
                 order by s.ended_at desc limit 1)
           order by e.id desc limit 1"#,
        staff.id
    )
    .fetch_optional(&state.pool)
    .await?
    .flatten();
    Ok(note)
}

/// A manager (or admin) ends someone's live support session.
pub async fn revoke(session_id: String, note: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RevokeSession)?;
    let staff = staff_of(&actor)?;
    let id = parse_id(&session_id)?;
    let note = note.trim().to_string();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(AppError::Invalid(
            "Say why you end the session (up to 500 characters).".into(),
        ));
    }
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let s = sqlx::query!(
        "select account_id, account_name, staff_name from chaperone.support_sessions where id = $1",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if !sessions::end(&mut tx, id, now, EndCause::RevokedByManager).await? {
        return Err(AppError::Invalid("That session has already ended.".into()));
    }
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            Kind::SessionRevoked,
            s.account_id,
            json!({
                "session_id": id,
                "note": note,
                "staff": s.staff_name,
                "account": s.account_name,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok("The session was ended. The agent is back in the console.".into())
}
