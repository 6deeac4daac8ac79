//! Support requests: asking to enter an account, the wait for approval, the
//! identity check, entering and ending a session. A request that passes form
//! validation is recorded before anything else happens, whatever the outcome.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub use server::{end_current, use_action_approval};

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
    /// `refused`, `pending`, `approved`, `denied`, `cancelled`, `expired`, `used`.
    pub status: String,
    /// The status in words.
    pub status_text: String,
    pub policy_reasons: Vec<String>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// Seconds until a pending request expires or an approval lapses.
    pub seconds_left: Option<i64>,
    pub is_own: bool,
    pub can_cancel: bool,
    pub can_enter: bool,
    pub can_decide: bool,
}

/// What the banner shows during a support session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerInfo {
    pub account_name: String,
    pub user_name: String,
    pub role_label: String,
    pub mode_label: String,
    pub read_only: bool,
    pub reason: String,
    pub ticket: String,
    /// Seconds until the earlier of the idle and maximum deadlines.
    pub seconds_left: i64,
    /// The agent may ask a manager to approve one blocked action.
    pub can_request_action: bool,
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

/// A manager approves or denies someone else's request, with a note.
#[server(prefix = "/api", endpoint = "decide_request")]
pub async fn decide_request(id: String, approve: bool, note: String) -> Result<String, AppError> {
    crate::error::respond(server::decide(id, approve, note).await)
}

/// Confirms the agent's identity and opens the session. Returns where to go.
#[server(prefix = "/api", endpoint = "enter_support_session")]
pub async fn enter_support_session(
    request_id: String,
    password: String,
) -> Result<String, AppError> {
    crate::error::respond(server::enter(request_id, password).await)
}

/// Ends the current support session. Returns where to go.
#[server(prefix = "/api", endpoint = "end_support_session")]
pub async fn end_support_session() -> Result<String, AppError> {
    crate::error::respond(server::end_own().await)
}

/// Asks a manager to approve one blocked action for the current session.
/// Returns the request's id.
#[server(prefix = "/api", endpoint = "request_action_approval")]
pub async fn request_action_approval(action: String, reason: String) -> Result<String, AppError> {
    crate::error::respond(server::request_action(action, reason).await)
}

/// A manager or admin ends someone's live support session.
#[server(prefix = "/api", endpoint = "revoke_support_session")]
pub async fn revoke_support_session(session_id: String, note: String) -> Result<String, AppError> {
    crate::error::respond(server::revoke(session_id, note).await)
}

/// The banner's content, if the caller is in a support session. Reading it
/// does not count as activity.
#[server(prefix = "/api", endpoint = "support_status")]
pub async fn support_status() -> Result<Option<BannerInfo>, AppError> {
    crate::error::respond(server::banner().await)
}

/// Formats seconds as `14:05`.
pub fn mm_ss(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// What the console says after a support session ended, by cause code.
pub fn end_explanation(code: &str) -> Option<&'static str> {
    Some(match code {
        "ended_by_agent" => {
            "You ended the support session. You are back in the console as yourself."
        }
        "idle_timeout" => "Your support session ended because it was idle for too long.",
        "max_duration" => "Your support session reached its maximum duration and ended.",
        "revoked_by_manager" => "A manager ended your support session.",
        "revoked_by_customer" => "The customer ended your support session.",
        "signed_out" => "The support session ended when you signed out.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_left_reads_as_minutes_and_seconds() {
        assert_eq!(super::mm_ss(905), "15:05");
        assert_eq!(super::mm_ss(59), "0:59");
        assert_eq!(super::mm_ss(-3), "0:00");
    }
}
