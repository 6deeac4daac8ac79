//! Request rows: server-only, decoded strictly into their enums.

use super::{RequestKind, RequestState};
use crate::access::actions::BlockedAction;
use crate::access::policy::Mode;
use crate::customers::CustomerRole;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A request as stored. Never serialised: pages get a `RequestView`.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: Uuid,
    pub kind: RequestKind,
    pub action: Option<BlockedAction>,
    pub action_object_label: Option<String>,
    pub staff_id: Uuid,
    pub staff_name: String,
    pub account_id: Uuid,
    pub account_name: String,
    pub target_user_id: Uuid,
    pub target_user_name: String,
    pub target_role: CustomerRole,
    pub reason: String,
    pub ticket: String,
    pub mode: Mode,
    pub break_glass: bool,
    pub status: RequestState,
    pub policy_reasons: Vec<String>,
    pub needs_manager: bool,
    pub needs_owner: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub decided_by_name: Option<String>,
    pub decision_note: Option<String>,
    pub approved_until: Option<DateTime<Utc>>,
    pub requested_at: DateTime<Utc>,
    /// The account owner who approved, when the customer asks first.
    pub owner_decided_by_name: Option<String>,
    /// What the owner wrote with their decision.
    pub owner_note: Option<String>,
}

struct Raw {
    id: Uuid,
    kind: String,
    action: Option<String>,
    action_object_label: Option<String>,
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
    requested_at: DateTime<Utc>,
    owner_decided_by_name: Option<String>,
    owner_note: Option<String>,
}

fn decode<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(text).ok_or_else(|| sqlx::Error::Decode(format!("unexpected value {text:?}").into()))
}

impl TryFrom<Raw> for RequestRow {
    type Error = sqlx::Error;

    /// Deny on doubt: a value that does not decode is an error.
    fn try_from(r: Raw) -> Result<RequestRow, sqlx::Error> {
        Ok(RequestRow {
            id: r.id,
            kind: decode(&r.kind, RequestKind::parse)?,
            action: r
                .action
                .as_deref()
                .map(|a| decode(a, BlockedAction::parse))
                .transpose()?,
            action_object_label: r.action_object_label,
            staff_id: r.staff_id,
            staff_name: r.staff_name,
            account_id: r.account_id,
            account_name: r.account_name,
            target_user_id: r.target_user_id,
            target_user_name: r.target_user_name,
            target_role: decode(&r.target_role, |t| t.parse().ok())?,
            reason: r.reason,
            ticket: r.ticket,
            mode: decode(&r.mode, Mode::parse)?,
            break_glass: r.break_glass,
            status: decode(&r.status, RequestState::parse)?,
            policy_reasons: serde_json::from_value(r.policy_reasons)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            needs_manager: r.needs_manager,
            needs_owner: r.needs_owner,
            expires_at: r.expires_at,
            decided_by: r.decided_by,
            decided_by_name: r.decided_by_name,
            decision_note: r.decision_note,
            approved_until: r.approved_until,
            requested_at: r.requested_at,
            owner_decided_by_name: r.owner_decided_by_name,
            owner_note: r.owner_note,
        })
    }
}

/// Loads a request; with `lock`, its row stays locked until the caller's
/// transaction ends, so concurrent deciders see one outcome.
pub async fn load(
    db: impl PgExecutor<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<RequestRow>, sqlx::Error> {
    // Two spellings so that both stay compile-time checked.
    macro_rules! fetch {
        ($sql:literal) => {
            sqlx::query_as!(Raw, $sql, id).fetch_optional(db).await
        };
    }
    let raw = if lock {
        fetch!(
            r#"select id, kind, action, action_object_label, staff_id, staff_name,
                      account_id, account_name, target_user_id, target_user_name, target_role,
                      reason, ticket, mode, break_glass, status, policy_reasons, needs_manager, needs_owner,
                      expires_at as "expires_at: DateTime<Utc>", decided_by, decided_by_name, decision_note,
                      approved_until as "approved_until: DateTime<Utc>", requested_at as "requested_at: DateTime<Utc>", owner_decided_by_name, owner_note
               from chaperone.access_requests where id = $1 for update"#
        )?
    } else {
        fetch!(
            r#"select id, kind, action, action_object_label, staff_id, staff_name,
                      account_id, account_name, target_user_id, target_user_name, target_role,
                      reason, ticket, mode, break_glass, status, policy_reasons, needs_manager, needs_owner,
                      expires_at as "expires_at: DateTime<Utc>", decided_by, decided_by_name, decision_note,
                      approved_until as "approved_until: DateTime<Utc>", requested_at as "requested_at: DateTime<Utc>", owner_decided_by_name, owner_note
               from chaperone.access_requests where id = $1"#
        )?
    };
    raw.map(RequestRow::try_from).transpose()
}

/// Requests waiting for a manager's decision, oldest first (at most 200):
/// the approval queue. Expired ones are left to the sweeper and the reader.
pub async fn waiting_for_a_manager(
    db: impl PgExecutor<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as!(
        Raw,
        r#"select id, kind, action, action_object_label, staff_id, staff_name,
                  account_id, account_name, target_user_id, target_user_name, target_role,
                  reason, ticket, mode, break_glass, status, policy_reasons, needs_manager, needs_owner,
                  expires_at as "expires_at: DateTime<Utc>", decided_by, decided_by_name, decision_note,
                  approved_until as "approved_until: DateTime<Utc>", requested_at as "requested_at: DateTime<Utc>", owner_decided_by_name, owner_note
           from chaperone.access_requests
           where status = 'pending' and needs_manager and decided_by is null
             and (expires_at is null or expires_at > $1)
           order by requested_at, id
           limit 200"#,
        now as _
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(RequestRow::try_from)
    .collect()
}
