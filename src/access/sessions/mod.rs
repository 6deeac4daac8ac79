//! Support sessions: entering after the identity check, the banner, ending
//! for every cause, a manager's revoke, and (on the server) the store and
//! the sweeper. A session is an attribute of the staff member's own login:
//! nothing ever signs in as the customer.

use crate::access::actions::BlockedAttempt;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
mod store;
#[cfg(feature = "ssr")]
pub use server::end_current;
#[cfg(feature = "ssr")]
pub use store::*;

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
    /// Blocked actions tried and refused in this session, newest first: what
    /// can be asked for.
    pub blocked: Vec<BlockedAttempt>,
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
