//! Support requests: asking to enter an account and following the request
//! while it waits. A request that passes form validation is recorded before
//! anything else happens, whatever the outcome. Decisions live in
//! `approvals`; entering and ending in `sessions`.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub(crate) mod repo;
#[cfg(feature = "ssr")]
pub(crate) mod server;

/// Whether a request asks to enter an account or to take one blocked action
/// inside a live session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Session,
    Action,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// The policy refused it when it was made.
    Refused,
    /// Waiting for a manager, an owner, or both.
    Pending,
    /// Approved and not yet used.
    Approved,
    Denied,
    Cancelled,
    /// Nobody decided in time.
    Expired,
    /// Approved, but nobody used it in time.
    Lapsed,
    /// The approval admitted its one session or action.
    Used,
}

impl RequestKind {
    pub const ALL: [RequestKind; 2] = [RequestKind::Session, RequestKind::Action];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Session => "session",
            RequestKind::Action => "action",
        }
    }

    pub fn parse(text: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl RequestState {
    pub const ALL: [RequestState; 8] = [
        RequestState::Refused,
        RequestState::Pending,
        RequestState::Approved,
        RequestState::Denied,
        RequestState::Cancelled,
        RequestState::Expired,
        RequestState::Lapsed,
        RequestState::Used,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Refused => "refused",
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Cancelled => "cancelled",
            RequestState::Expired => "expired",
            RequestState::Lapsed => "lapsed",
            RequestState::Used => "used",
        }
    }

    pub fn parse(text: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A request as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: String,
    pub staff_name: String,
    pub account_id: String,
    pub account_name: String,
    pub target_user_name: String,
    pub target_role_label: String,
    pub mode_label: String,
    pub reason: String,
    pub ticket: String,
    pub break_glass: bool,
    /// For a one-action approval: the action, in words.
    pub action: Option<String>,
    pub status: RequestState,
    /// The status in words.
    pub status_text: String,
    pub policy_reasons: Vec<String>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// The account owner who decided, when the customer asks first, and
    /// what they wrote: the agent reads it before entering.
    pub owner_decided_by: Option<String>,
    pub owner_note: Option<String>,
    /// Seconds until a pending request expires or an approval lapses.
    pub seconds_left: Option<i64>,
    pub is_own: bool,
    pub can_cancel: bool,
    pub can_enter: bool,
    pub can_decide: bool,
}

/// Asks to enter an account as one of its users. Returns the request's id.
#[server(prefix = "/api", endpoint = "request_support_session")]
pub async fn request_support_session(
    account_id: String,
    target_user_id: String,
    reason: String,
    ticket: String,
    mode: String,
    incident: Option<String>,
) -> Result<String, AppError> {
    crate::error::respond(
        server::request(account_id, target_user_id, reason, ticket, mode, incident).await,
    )
}

/// A request and where it stands (polled by the waiting page; not activity).
#[server(prefix = "/api", endpoint = "request_status")]
pub async fn request_status(id: String) -> Result<RequestView, AppError> {
    crate::error::respond(server::status(id).await)
}

/// Withdraws one's own pending request.
#[server(prefix = "/api", endpoint = "cancel_request")]
pub async fn cancel_request(id: String) -> Result<String, AppError> {
    crate::error::respond(server::cancel(id).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_through_their_names() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
        }
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert_eq!(RequestState::parse("approved_ish"), None);
    }
}
