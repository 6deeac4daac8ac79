use super::*;
use crate::access::policy::{decide as policy_decide, Mode, PolicyDecision, PolicyInput};
use crate::access::reason::{check_reason, check_ticket};
use crate::access::sessions::{self, EndCause, SESSION_KEY};
use crate::access::{current_actor, Actor, Capability, StaffMember};
use crate::audit::{self, EventActor, NewEvent};
use crate::auth::password::{self, PasswordHashString};
use crate::customers::{CustomerRole, SupportAccess};
use crate::product::viewer::{app_state, parse_id, BlockedAction};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

fn staff_of(actor: &Actor) -> Result<StaffMember, AppError> {
    actor.as_staff().cloned().ok_or(AppError::Forbidden)
}

/// An event by a staff member about an account, names as they are now.
fn by_staff(
    staff: &StaffMember,
    occurred_at: DateTime<Utc>,
    kind: &'static str,
    account_id: Uuid,
    summary: String,
    detail: serde_json::Value,
) -> NewEvent {
    NewEvent {
        occurred_at,
        kind,
        actor: staff_event(staff),
        account_id: Some(account_id),
        summary,
        detail,
    }
}

fn staff_event(staff: &StaffMember) -> EventActor {
    EventActor::Staff {
        id: staff.id,
        name: staff.name.clone(),
    }
}

async fn login_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|_| AppError::Internal)
}

fn parse_access(code: &str) -> SupportAccess {
    match code {
        "off" => SupportAccess::Off,
        "ask_owner" => SupportAccess::AskOwner,
        _ => SupportAccess::Allow,
    }
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
    let mode =
        Mode::parse(&mode).ok_or_else(|| AppError::Invalid("Choose read-only or edit.".into()))?;
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
    let account = sqlx::query!(
        "select name, sensitive, support_access from product.accounts where id = $1",
        account_id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let target = sqlx::query!(
        "select name, role from product.users where id = $1 and account_id = $2",
        target_user_id,
        account_id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| {
        AppError::Invalid("That user is not in this account. Pick one from the list.".into())
    })?;
    let target_role: CustomerRole = target.role.parse().unwrap_or(CustomerRole::Member);

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
        customer_policy: parse_access(&account.support_access),
        already_in_session: actor.support_session().is_some() || live_elsewhere,
        break_glass: incident.is_some(),
    };
    let decision = policy_decide(&input);
    let (status, expires_at, approved_until, needs_manager, needs_owner) = match &decision {
        PolicyDecision::Allowed { .. } => (
            "approved",
            None,
            Some(now + Duration::minutes(state.config.approval_valid_minutes)),
            false,
            false,
        ),
        PolicyDecision::NeedsApproval { manager, owner, .. } => (
            "pending",
            Some(now + Duration::minutes(state.config.request_expiry_minutes)),
            None,
            *manager,
            *owner,
        ),
        PolicyDecision::Refused { .. } => ("refused", None, None, false, false),
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
        status,
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
            if decision.code() == "refused" { "support.request_refused" } else { "support.requested" },
            account_id,
            format!(
                "{} asked to view {} as {} ({}), {}, for “{reason}” (ticket {ticket}): {outcome}",
                staff.name,
                account.name,
                target.name,
                target_role.label().to_lowercase(),
                mode.label().to_lowercase()
            ),
            json!({ "request_id": id, "mode": mode.as_str(), "decision": decision.code(), "reasons": decision.reasons(), "incident": incident }),
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
                "support.break_glass",
                account_id,
                format!(
                    "Break-glass: {} is entering {} as {} for incident {incident} without approval; managers and owners notified, review required",
                    staff.name, account.name, target.name
                ),
                json!({ "request_id": id, "incident": incident, "notify": ["managers", "account_owners"] }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id.to_string())
}

struct RequestRow {
    id: Uuid,
    kind: String,
    action: Option<String>,
    staff_id: Uuid,
    staff_name: String,
    account_id: Uuid,
    account_name: String,
    target_user_id: Uuid,
    target_user_name: String,
    target_role: String,
    reason: String,
    ticket: String,
    mode: String,
    break_glass: bool,
    status: String,
    policy_reasons: serde_json::Value,
    needs_manager: bool,
    needs_owner: bool,
    expires_at: Option<DateTime<Utc>>,
    decided_by: Option<Uuid>,
    decided_by_name: Option<String>,
    decision_note: Option<String>,
    approved_until: Option<DateTime<Utc>>,
}

async fn load_request(
    executor: impl sqlx::PgExecutor<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<RequestRow>, sqlx::Error> {
    // Two spellings so that both stay compile-time checked.
    macro_rules! fetch {
        ($sql:literal) => {
            sqlx::query_as!(RequestRow, $sql, id)
                .fetch_optional(executor)
                .await
        };
    }
    if lock {
        fetch!(
            r#"select id, kind, action, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
                      reason, ticket, mode, break_glass, status, policy_reasons, needs_manager, needs_owner,
                      expires_at as "expires_at: DateTime<Utc>", decided_by, decided_by_name, decision_note,
                      approved_until as "approved_until: DateTime<Utc>"
               from chaperone.access_requests where id = $1 for update"#
        )
    } else {
        fetch!(
            r#"select id, kind, action, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
                      reason, ticket, mode, break_glass, status, policy_reasons, needs_manager, needs_owner,
                      expires_at as "expires_at: DateTime<Utc>", decided_by, decided_by_name, decision_note,
                      approved_until as "approved_until: DateTime<Utc>"
               from chaperone.access_requests where id = $1"#
        )
    }
}

/// Marks a pending request expired when its time ran out.
async fn expire_if_due(
    state: &crate::startup::AppState,
    r: &mut RequestRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if r.status == "pending" && r.expires_at.is_some_and(|e| e <= now) {
        let mut tx = state.pool.begin().await?;
        let done = sqlx::query!(
            "update chaperone.access_requests set status = 'expired' where id = $1 and status = 'pending'",
            r.id
        )
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::append(
                &mut tx,
                NewEvent {
                    occurred_at: r.expires_at.unwrap_or(now),
                    kind: "support.request_expired",
                    actor: EventActor::System,
                    account_id: Some(r.account_id),
                    summary: format!(
                        "{}'s request to view {} as {} expired undecided",
                        r.staff_name, r.account_name, r.target_user_name
                    ),
                    detail: json!({ "request_id": r.id }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        r.status = "expired".into();
    }
    Ok(())
}

fn status_text(r: &RequestRow, now: DateTime<Utc>) -> String {
    match r.status.as_str() {
        "refused" => "Refused by policy.".into(),
        "pending" if r.needs_manager && r.decided_by.is_none() => {
            "Waiting for a manager's approval.".into()
        }
        "pending" => "Waiting for an owner of the account to approve.".into(),
        "approved" if r.approved_until.is_some_and(|u| u <= now) => {
            "The approval has lapsed (approvals are valid for 30 minutes).".into()
        }
        "approved" if r.kind != "session" => {
            "Approved: the action can be used once in the session.".into()
        }
        "approved" => "Approved. Confirm your password to enter.".into(),
        "denied" => "Denied.".into(),
        "cancelled" => "Cancelled.".into(),
        "expired" => "Expired without a decision.".into(),
        "used" if r.kind != "session" => "Used: the approved action was carried out.".into(),
        "used" => "Used: the session has started.".into(),
        other => other.to_string(),
    }
}

pub async fn status(id: String) -> Result<RequestView, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let mut r = load_request(&state.pool, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let is_own = r.staff_id == staff.id;
    if !is_own
        && !actor.can(Capability::DecideRequests)
        && !actor.can(Capability::ReadAllSessionLogs)
    {
        return Err(AppError::NotFound);
    }
    expire_if_due(&state, &mut r, now).await?;
    let role_label = r
        .target_role
        .parse::<CustomerRole>()
        .map(|c| c.label())
        .unwrap_or("Member");
    let seconds_left = match r.status.as_str() {
        "pending" => r.expires_at.map(|e| (e - now).num_seconds().max(0)),
        "approved" => r.approved_until.map(|u| (u - now).num_seconds().max(0)),
        _ => None,
    };
    Ok(RequestView {
        id: r.id.to_string(),
        staff_name: r.staff_name.clone(),
        account_id: r.account_id.to_string(),
        account_name: r.account_name.clone(),
        target_user_name: r.target_user_name.clone(),
        target_role_label: role_label.into(),
        mode_label: Mode::parse(&r.mode)
            .map(|m| m.label())
            .unwrap_or("Read-only")
            .into(),
        reason: r.reason.clone(),
        ticket: r.ticket.clone(),
        break_glass: r.break_glass,
        status_text: status_text(&r, now),
        policy_reasons: serde_json::from_value(r.policy_reasons.clone()).unwrap_or_default(),
        decided_by: r.decided_by_name.clone(),
        decision_note: r.decision_note.clone(),
        seconds_left,
        is_own,
        can_cancel: is_own && r.status == "pending",
        can_enter: is_own
            && r.kind == "session"
            && r.status == "approved"
            && r.approved_until.is_some_and(|u| u > now),
        action: r
            .action
            .as_deref()
            .and_then(BlockedAction::parse)
            .map(|a| a.label().to_string()),
        can_decide: !is_own
            && actor.can(Capability::DecideRequests)
            && r.status == "pending"
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
    let r = load_request(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.staff_id != staff.id {
        return Err(AppError::NotFound);
    }
    if r.status != "pending" {
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
            "support.request_cancelled",
            r.account_id,
            format!(
                "{} cancelled the request to view {} as {}",
                staff.name, r.account_name, r.target_user_name
            ),
            json!({ "request_id": id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok("The request was cancelled.".into())
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
    if !approve && note.is_empty() {
        return Err(AppError::Invalid(
            "Say why you deny the request, so the agent knows what to do instead.".into(),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut r = load_request(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.staff_id == staff.id {
        return Err(AppError::Refused(
            "You cannot decide your own request; another manager must.".into(),
        ));
    }
    if r.status == "pending" && r.expires_at.is_some_and(|e| e <= now) {
        tx.rollback().await?;
        expire_if_due(&state, &mut r, now).await?;
        return Err(AppError::Invalid(
            "This request expired before it was decided.".into(),
        ));
    }
    if r.status != "pending" || !r.needs_manager || r.decided_by.is_some() {
        return Err(AppError::Invalid(
            "This request is not waiting for a manager's decision.".into(),
        ));
    }
    let new_status = match (approve, r.needs_owner) {
        (false, _) => "denied",
        (true, true) => "pending",
        (true, false) => "approved",
    };
    let approved_until = (new_status == "approved")
        .then(|| now + Duration::minutes(state.config.approval_valid_minutes));
    sqlx::query!(
        r#"update chaperone.access_requests
           set status = $2, decided_by = $3, decided_by_name = $4, decided_at = $5, decision_note = $6, approved_until = $7
           where id = $1"#,
        id,
        new_status,
        staff.id,
        staff.name,
        now as _,
        (!note.is_empty()).then_some(note.clone()),
        approved_until as _
    )
    .execute(&mut *tx)
    .await?;
    let verb = if approve { "approved" } else { "denied" };
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            if approve {
                "support.request_approved"
            } else {
                "support.request_denied"
            },
            r.account_id,
            format!(
                "{} {verb} {}'s request to view {} as {}{}",
                staff.name,
                r.staff_name,
                r.account_name,
                r.target_user_name,
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": “{note}”")
                }
            ),
            json!({ "request_id": id, "approve": approve, "note": note }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(if approve && r.needs_owner {
        "Approved. The request now waits for an owner of the account.".into()
    } else {
        format!("The request was {verb}.")
    })
}

pub async fn enter(request_id: String, password_text: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RequestReadOnlySession)?;
    let staff = staff_of(&actor)?;
    let state = app_state()?;
    let id = parse_id(&request_id)?;
    let now = state.clock.now();
    let request = load_request(&state.pool, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.staff_id != staff.id {
        return Err(AppError::NotFound);
    }
    if actor.support_session().is_some() {
        return Err(AppError::Invalid(
            "You are already in a support session. End it first.".into(),
        ));
    }

    // Identity check: the agent's own password, right before entry. Five
    // failures within 15 minutes stop further checks for 15 minutes.
    let recent_failures = sqlx::query_scalar!(
        r#"select count(*) as "n!" from chaperone.events
           where actor_id = $1 and kind = 'support.identity_check_failed' and occurred_at > $2"#,
        staff.id,
        (now - Duration::minutes(crate::auth::lockout::WINDOW_MINUTES)) as _
    )
    .fetch_one(&state.pool)
    .await?;
    if recent_failures >= crate::auth::lockout::MAX_FAILURES {
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
        let mut tx = state.pool.begin().await?;
        audit::append(
            &mut tx,
            by_staff(
                &staff,
                now,
                "support.identity_check_failed",
                request.account_id,
                format!(
                    "{} failed the identity check before entering {} as {}",
                    staff.name, request.account_name, request.target_user_name
                ),
                json!({ "request_id": id }),
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Invalid(
            "That password is not correct. The failed attempt was recorded.".into(),
        ));
    }

    let mut tx = state.pool.begin().await?;
    let r = load_request(&mut *tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let refusal = match r.status.as_str() {
        _ if r.kind != "session" => {
            Some("This request approves one action inside a session; it does not open one.")
        }
        "approved" if r.approved_until.is_some_and(|u| u > now) => None,
        "approved" => {
            Some("The approval has lapsed: approvals are valid for 30 minutes. Make a new request.")
        }
        "used" => {
            Some("This approval was already used: it admits one session. Make a new request.")
        }
        "pending" => Some("The request is still waiting for approval."),
        _ => Some("This request does not allow entry."),
    };
    let refusal = match refusal {
        Some(why) => Some(why.to_string()),
        None => still_allowed(&mut tx, &staff, &r).await?,
    };
    if let Some(why) = refusal {
        tx.rollback().await?;
        let mut tx = state.pool.begin().await?;
        audit::append(
            &mut tx,
            by_staff(
                &staff,
                now,
                "support.entry_refused",
                r.account_id,
                format!(
                    "{} was refused entry to {} as {}: {why}",
                    staff.name, r.account_name, r.target_user_name
                ),
                json!({ "request_id": id, "status": r.status }),
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Invalid(why));
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
        r.target_role,
        r.mode,
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
    let mode = Mode::parse(&r.mode).unwrap_or(Mode::ReadOnly);
    let role_label = r
        .target_role
        .parse::<CustomerRole>()
        .map(|c| c.label())
        .unwrap_or("Member");
    audit::append(
        &mut tx,
        by_staff(
            &staff,
            now,
            "support.session_started",
            r.account_id,
            format!(
                "{} entered {} as {} ({}), {}, for “{}” (ticket {})",
                staff.name,
                r.account_name,
                r.target_user_name,
                role_label.to_lowercase(),
                mode.label().to_lowercase(),
                r.reason,
                r.ticket
            ),
            json!({ "session_id": session_id, "request_id": id, "mode": r.mode }),
        ),
    )
    .await?;
    tx.commit().await?;

    // A fresh login-session id as the support session starts.
    let session = login_session().await?;
    session.cycle_id().await?;
    session.insert(SESSION_KEY, session_id).await?;
    Ok("/app".into())
}

/// Runs the policy again at entry: the customer may have turned support
/// access off, the user may have become an owner or left, the agent's role
/// may have changed since the request was approved. Returns why entry is no
/// longer allowed, if it is not.
async fn still_allowed(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    staff: &StaffMember,
    r: &RequestRow,
) -> Result<Option<String>, AppError> {
    let Some(account) = sqlx::query!(
        "select sensitive, support_access from product.accounts where id = $1",
        r.account_id
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Some("The account no longer exists.".into()));
    };
    let Some(role) = sqlx::query_scalar!(
        "select role from product.users where id = $1 and account_id = $2",
        r.target_user_id,
        r.account_id
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Some(
            "The user to view as is no longer in the account.".into(),
        ));
    };
    let input = PolicyInput {
        staff_role: staff.role,
        mode: Mode::parse(&r.mode).unwrap_or(Mode::ReadOnly),
        account_marked_sensitive: account.sensitive,
        target_role: role.parse().unwrap_or(CustomerRole::Member),
        target_is_staff: false,
        customer_policy: parse_access(&account.support_access),
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

/// Ends the caller's support session, for `cause`, if they are in one.
pub async fn end_current(actor: &Actor, cause: EndCause) -> Result<(), AppError> {
    let Some(s) = actor.support_session() else {
        return Ok(());
    };
    let state = app_state()?;
    let mut tx = state.pool.begin().await?;
    sessions::end(&mut tx, s.id, state.clock.now(), cause).await?;
    tx.commit().await?;
    login_session().await?.remove::<Uuid>(SESSION_KEY).await?;
    Ok(())
}

pub async fn end_own() -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::UseConsole)?;
    if actor.support_session().is_none() {
        return Ok("/console".into());
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
    let now = app_state()?.clock.now();
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
    }))
}

/// Asks a manager to approve one blocked action for the current session.
pub async fn request_action(action: String, reason: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::RequestEditSession)?;
    let staff = staff_of(&actor)?;
    let session = actor.support_session().cloned().ok_or_else(|| {
        AppError::Invalid(
            "One-action approvals are asked for from inside a support session.".into(),
        )
    })?;
    let action = BlockedAction::parse(&action)
        .ok_or_else(|| AppError::Invalid("Choose one of the blocked actions.".into()))?;
    let reason = check_reason(&reason).map_err(AppError::Invalid)?;
    let state = app_state()?;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"insert into chaperone.access_requests
             (id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role,
              reason, ticket, mode, kind, action, for_session_id, decision, policy_reasons, needs_manager, status,
              requested_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'action', $12, $13, 'needs_approval', $14, true, 'pending', $15, $16)"#,
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
            &staff,
            now,
            "support.action_requested",
            session.account_id,
            format!(
                "{} asked for approval of one blocked action ({}) in {} as {}, for “{reason}”",
                staff.name,
                action.label().to_lowercase(),
                session.account_name,
                session.target_user_name
            ),
            json!({ "request_id": id, "session_id": session.id, "action": action.as_str() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id.to_string())
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
    let account_id = sqlx::query_scalar!(
        "select account_id from chaperone.support_sessions where id = $1",
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
            "support.session_revoked",
            account_id,
            format!("{} ended a live support session: “{note}”", staff.name),
            json!({ "session_id": id, "note": note }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok("The session was ended. The agent is back in the console.".into())
}

/// Uses an approved, unused one-action approval for this session, if any.
/// Returns whether one was used (and records it).
pub async fn use_action_approval(
    pool: &sqlx::PgPool,
    staff: &StaffMember,
    session: &crate::access::SupportSession,
    action: BlockedAction,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let used = sqlx::query_scalar!(
        r#"update chaperone.access_requests set status = 'used', used_at = $4
           where id = (select id from chaperone.access_requests
                       where kind = 'action' and for_session_id = $1 and staff_id = $2 and action = $3
                         and status = 'approved' and approved_until > $4 and used_at is null
                       order by requested_at limit 1 for update)
           returning id"#,
        session.id,
        staff.id,
        action.as_str(),
        now as _
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(request_id) = used else {
        return Ok(false);
    };
    audit::append(
        &mut tx,
        NewEvent {
            occurred_at: now,
            kind: "support.action_approval_used",
            actor: staff_event(staff),
            account_id: Some(session.account_id),
            summary: format!(
                "{} used the one-time approval for {} in {} as {}",
                staff.name,
                action.label().to_lowercase(),
                session.account_name,
                session.target_user_name
            ),
            detail: json!({ "request_id": request_id, "session_id": session.id, "action": action.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
