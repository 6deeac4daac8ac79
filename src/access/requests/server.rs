//! Requests on the server: making one (recorded whatever the policy says),
//! reading where it stands, withdrawing it, and running the policy again at
//! entry.

use super::repo::{self, RequestRow};
use super::*;
use crate::access::actions::BlockedAction;
use crate::access::approvals::expire_if_due;
use crate::access::policy::{decide as policy_decide, Mode, PolicyDecision, PolicyInput};
use crate::access::reason::{check_reason, check_ticket};
use crate::access::{current_actor, Actor, Capability, StaffMember};
use crate::audit::{self, Kind, NewEvent};
use crate::customers::directory;
use crate::error::parse_id;
use crate::state::app_state;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

pub(crate) fn staff_of(actor: &Actor) -> Result<StaffMember, AppError> {
    actor.as_staff().cloned().ok_or(AppError::Forbidden)
}

/// An event by a staff member about an account, names as they are now.
pub(crate) fn by_staff(
    staff: &StaffMember,
    occurred_at: DateTime<Utc>,
    kind: Kind,
    account_id: Uuid,
    detail: serde_json::Value,
) -> NewEvent {
    NewEvent::new(occurred_at, kind, staff)
        .about(account_id)
        .detail(detail)
}

pub async fn request(
    account_id: String,
    target_user_id: String,
    reason: String,
    ticket: String,
    mode: String,
    incident: Option<String>,
) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RequestReadOnlySession)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;

    // Form validation: refused here, nothing recorded.
    let reason = check_reason(&reason).map_err(AppError::Invalid)?;
    let ticket_pattern = regex::Regex::new(&state.config.ticket_pattern).map_err(|e| {
        tracing::error!(error = %e, "TICKET_PATTERN is not a valid regular expression");
        AppError::Internal
    })?;
    let ticket = check_ticket(&ticket, &ticket_pattern).map_err(AppError::Invalid)?;
    let mode = Mode::parse(mode.trim())
        .ok_or_else(|| AppError::Invalid("Choose read-only or edit.".into()))?;
    let incident = incident
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty());
    if let Some(i) = &incident {
        if i.chars().count() > 40
            || !i
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "#-_".contains(c))
        {
            return Err(AppError::Invalid(
                "An incident reference looks like INC-2041 (letters, digits, # - _; at most 40)."
                    .into(),
            ));
        }
    }
    let account_id = parse_id(&account_id)?;
    let target_user_id = parse_id(&target_user_id)?;
    let account = directory::account(&state.pool, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = directory::user_in_account(&state.pool, account_id, target_user_id)
        .await?
        .ok_or_else(|| {
            AppError::Invalid("That user is not in this account. Pick one from the list.".into())
        })?;
    let target_role = target.role;

    let now = state.clock.now();
    let live_elsewhere: bool = sqlx::query_scalar!(
        r#"select exists(select 1 from chaperone.support_sessions where staff_id = $1 and ended_at is null) as "x!""#,
        staff.id
    )
    .fetch_one(&state.pool)
    .await?;
    let input = PolicyInput {
        staff_role: staff.role,
        mode,
        account_marked_sensitive: account.sensitive,
        target_role,
        target_is_staff: false,
        customer_policy: account.support_access,
        already_in_session: actor.support_session().is_some() || live_elsewhere,
        break_glass: incident.is_some(),
    };
    let decision = policy_decide(&input);
    let (status, expires_at, approved_until, needs_manager, needs_owner) = match &decision {
        PolicyDecision::Allowed { .. } => (
            RequestState::Approved,
            None,
            Some(now + Duration::minutes(state.config.approval_valid_minutes)),
            false,
            false,
        ),
        PolicyDecision::NeedsApproval { manager, owner, .. } => (
            RequestState::Pending,
            Some(now + Duration::minutes(state.config.request_expiry_minutes)),
            None,
            *manager,
            *owner,
        ),
        PolicyDecision::Refused { .. } => (RequestState::Refused, None, None, false, false),
    };

    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"insert into chaperone.access_requests
             (id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
              reason, ticket, mode, break_glass, incident, decision, policy_reasons, needs_manager, needs_owner,
              status, requested_at, expires_at, approved_until)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"#,
        id,
        staff.id,
        staff.name,
        account_id,
        account.name,
        target_user_id,
        target.name,
        target_role.as_str(),
        reason,
        ticket,
        mode.as_str(),
        incident.is_some(),
        incident,
        decision.code(),
        json!(decision.reasons()),
        needs_manager,
        needs_owner,
        status.as_str(),
        now as _,
        expires_at as _,
        approved_until as _
    )
    .execute(&mut *tx)
    .await?;
    let outcome = match &decision {
        PolicyDecision::Allowed { .. } if incident.is_some() => {
            "break-glass entry allowed".to_string()
        }
        PolicyDecision::Allowed { .. } => "allowed without approval".to_string(),
        PolicyDecision::NeedsApproval {
            manager: true,
            owner: true,
            ..
        } => "waiting for a manager and an owner".to_string(),
        PolicyDecision::NeedsApproval { manager: true, .. } => {
            "waiting for a manager's approval".to_string()
        }
        PolicyDecision::NeedsApproval { .. } => "waiting for an owner's approval".to_string(),
        PolicyDecision::Refused { reasons } => format!("refused: {}", reasons.join(" ")),
    };
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            if decision.code() == "refused" {
                Kind::RequestRefused
            } else {
                Kind::Requested
            },
            account_id,
            json!({
                "request_id": id,
                "account": account.name,
                "as": target.name,
                "as_role": target_role.as_str(),
                "mode": mode.as_str(),
                "reason": reason,
                "ticket": ticket,
                "decision": decision.code(),
                "reasons": decision.reasons(),
                "outcome": outcome,
                "incident": incident,
            }),
        ),
    )
    .await?;
    if let (Some(incident), PolicyDecision::Allowed { .. }) = (&incident, &decision) {
        // The notification seam: managers and the account's owners read this
        // at once (the managers' and customers' work surfaces it).
        audit::append(
            &mut tx,
            by_staff(
                &staff,
                now,
                Kind::BreakGlass,
                account_id,
                json!({
                    "request_id": id,
                    "account": account.name,
                    "as": target.name,
                    "incident": incident,
                    "notify": ["managers", "account_owners"],
                }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id.to_string())
}

fn status_text(r: &RequestRow, now: DateTime<Utc>) -> String {
    use RequestState::*;
    let action = r.kind == RequestKind::Action;
    match r.status {
        Refused => "Refused by policy.".into(),
        Pending => {
            let manager = r.needs_manager && r.decided_by.is_none();
            let owner = r.needs_owner && r.owner_decided_by_name.is_none();
            match (manager, owner) {
                (true, true) => {
                    "Waiting for a manager and an owner of the account to approve.".into()
                }
                (true, false) => "Waiting for a manager's approval.".into(),
                _ => "Waiting for an owner of the account to approve.".into(),
            }
        }
        Approved if r.approved_until.is_some_and(|u| u <= now) => {
            "The approval has lapsed (approvals are valid for 30 minutes).".into()
        }
        Approved if action => "Approved: the action can be used once in the session.".into(),
        // Nobody approved a request the policy allowed at once.
        Approved if r.decided_by.is_none() && r.owner_decided_by_name.is_none() => {
            "Allowed without approval. Confirm your password to enter.".into()
        }
        Approved => "Approved. Confirm your password to enter.".into(),
        Denied => "Denied.".into(),
        Cancelled => "Cancelled.".into(),
        Expired => "Expired without a decision.".into(),
        Lapsed => "The approval lapsed unused (approvals are valid for 30 minutes).".into(),
        Used if action => "Used: the approved action was carried out.".into(),
        Used => "Used: the session has started.".into(),
    }
}

pub async fn status(id: String) -> Result<RequestView, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let mut r = repo::load(&state.pool, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let is_own = r.staff_id == staff.id;
    if !is_own
        && !actor.can(Capability::DecideRequests)
        && !actor.can(Capability::ReadAllSessionLogs)
    {
        return Err(AppError::NotFound);
    }
    expire_if_due(&state.pool, &mut r, now).await?;
    let seconds_left = match r.status {
        RequestState::Pending => r.expires_at.map(|e| (e - now).num_seconds().max(0)),
        RequestState::Approved => r.approved_until.map(|u| (u - now).num_seconds().max(0)),
        _ => None,
    };
    Ok(RequestView {
        id: r.id.to_string(),
        staff_name: r.staff_name.clone(),
        account_id: r.account_id.to_string(),
        account_name: r.account_name.clone(),
        target_user_name: r.target_user_name.clone(),
        target_role_label: r.target_role.label().into(),
        mode_label: r.mode.label().into(),
        reason: r.reason.clone(),
        ticket: r.ticket.clone(),
        break_glass: r.break_glass,
        status_text: status_text(&r, now),
        policy_reasons: r.policy_reasons.clone(),
        decided_by: r.decided_by_name.clone(),
        decision_note: r.decision_note.clone(),
        owner_decided_by: r.owner_decided_by_name.clone(),
        owner_note: r.owner_note.clone().filter(|n| !n.trim().is_empty()),
        seconds_left,
        is_own,
        can_cancel: is_own && r.status == RequestState::Pending,
        can_enter: is_own
            && r.kind == RequestKind::Session
            && r.status == RequestState::Approved
            && r.approved_until.is_some_and(|u| u > now),
        action: r
            .action
            .map(|a| action_words(a, r.action_object_label.as_deref())),
        can_decide: !is_own
            && actor.can(Capability::DecideRequests)
            && r.status == RequestState::Pending
            && r.needs_manager
            && r.decided_by.is_none(),
        status: r.status,
    })
}

pub async fn cancel(id: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    let mut r = repo::load(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.staff_id != staff.id {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    if r.status == RequestState::Pending && r.expires_at.is_some_and(|e| e <= now) {
        // Its time ran out before the sweeper came by: it expires, not cancels.
        tx.rollback().await?;
        expire_if_due(&state.pool, &mut r, now).await?;
        return Err(AppError::Invalid(
            "This request already expired; there is nothing to cancel.".into(),
        ));
    }
    if r.status != RequestState::Pending {
        return Err(AppError::Invalid(
            "Only a request that is still waiting can be cancelled.".into(),
        ));
    }
    sqlx::query!(
        "update chaperone.access_requests set status = 'cancelled' where id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            state.clock.now(),
            Kind::RequestCancelled,
            r.account_id,
            json!({ "request_id": id, "account": r.account_name, "as": r.target_user_name }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok("The request was cancelled.".into())
}

/// A one-action approval in words: "Deleting records: Tom Becker (a team member)".
fn action_words(action: BlockedAction, object_label: Option<&str>) -> String {
    match object_label {
        Some(label) => format!("{}: {label}", action.label()),
        None => action.label().to_string(),
    }
}

/// Runs the policy again at entry: the customer may have turned support
/// access off, the user may have become an owner or left, the agent's role
/// may have changed since the request was approved. Returns why entry is no
/// longer allowed, if it is not.
pub(crate) async fn still_allowed(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    staff: &StaffMember,
    r: &RequestRow,
) -> Result<Option<String>, AppError> {
    let Some(account) = directory::account(&mut **tx, r.account_id).await? else {
        return Ok(Some("The account no longer exists.".into()));
    };
    let Some(role) = directory::lock_role(tx, r.account_id, r.target_user_id).await? else {
        return Ok(Some(
            "The user to view as is no longer in the account.".into(),
        ));
    };
    // The request was decided for the role they had; a session would end
    // on its first page (the guard's rule), spending the approval for
    // nothing.
    if role != r.target_role {
        return Ok(Some(format!(
            "Since the request, {} was given another role ({}): make a new request.",
            r.target_user_name,
            role.label()
        )));
    }
    let input = PolicyInput {
        staff_role: staff.role,
        mode: r.mode,
        account_marked_sensitive: account.sensitive,
        target_role: role,
        target_is_staff: false,
        customer_policy: account.support_access,
        already_in_session: false,
        break_glass: r.break_glass,
    };
    Ok(match policy_decide(&input) {
        PolicyDecision::Refused { reasons } => Some(format!("Since the request, things changed: {}", reasons.join(" "))),
        PolicyDecision::NeedsApproval { manager, owner, .. }
            if (manager && !r.needs_manager) || (owner && !r.needs_owner) =>
        {
            Some("Since the request, the account or user became sensitive: make a new request for approval.".into())
        }
        _ => None,
    })
}
