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
mod views;
#[cfg(feature = "ssr")]
pub use server::end_current;
#[cfg(feature = "ssr")]
pub use store::*;
#[cfg(feature = "ssr")]
pub use views::ViewRecorder;

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

/// The note a manager or admin wrote when they ended the caller's most
/// recent support session, if it was ended that way: the agent is told why.
#[server(prefix = "/api", endpoint = "revoke_note")]
pub async fn revoke_note() -> Result<Option<String>, AppError> {
    crate::error::respond(server::revoke_note().await)
}

/// The caller's live support session when this sign-in is not in it, in
/// words, if there is one.
#[server(prefix = "/api", endpoint = "live_session_elsewhere")]
pub async fn live_session_elsewhere() -> Result<Option<String>, AppError> {
    crate::error::respond(server::live_elsewhere().await)
}

/// Ends the current support session — or, from a sign-in that is not in
/// it, the caller's session left live elsewhere. Returns where to go.
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

/// Why a support session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    EndedByAgent,
    IdleTimeout,
    MaxDuration,
    RevokedByManager,
    RevokedByCustomer,
    SignedOut,
    /// The staff member was disabled.
    StaffDisabled,
    /// The staff member's role changed.
    StaffRoleChanged,
    /// The customer user the agent views as was given another role: what
    /// was decided (and perhaps approved) no longer describes what the agent
    /// would see.
    ViewedRoleChanged,
    /// The customer removed the user the agent views as.
    ViewedUserRemoved,
    /// The agent's password was changed: every login made with the old one
    /// is signed out, and the session with it.
    PasswordChanged,
}

impl EndCause {
    pub const ALL: [EndCause; 11] = [
        EndCause::EndedByAgent,
        EndCause::IdleTimeout,
        EndCause::MaxDuration,
        EndCause::RevokedByManager,
        EndCause::RevokedByCustomer,
        EndCause::SignedOut,
        EndCause::StaffDisabled,
        EndCause::StaffRoleChanged,
        EndCause::ViewedRoleChanged,
        EndCause::ViewedUserRemoved,
        EndCause::PasswordChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => "ended_by_agent",
            EndCause::IdleTimeout => "idle_timeout",
            EndCause::MaxDuration => "max_duration",
            EndCause::RevokedByManager => "revoked_by_manager",
            EndCause::RevokedByCustomer => "revoked_by_customer",
            EndCause::SignedOut => "signed_out",
            EndCause::StaffDisabled => "staff_disabled",
            EndCause::StaffRoleChanged => "staff_role_changed",
            EndCause::ViewedRoleChanged => "viewed_role_changed",
            EndCause::ViewedUserRemoved => "viewed_user_removed",
            EndCause::PasswordChanged => "password_changed",
        }
    }

    pub fn parse(text: &str) -> Option<EndCause> {
        EndCause::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The sentence the agent reads back in the console.
    pub fn explanation(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => {
                "You ended the support session. You are back in the console as yourself."
            }
            EndCause::IdleTimeout => "The support session ended because it was idle for too long.",
            EndCause::MaxDuration => "The support session reached its maximum duration and ended.",
            EndCause::RevokedByManager => "A manager or an admin ended your support session.",
            EndCause::RevokedByCustomer => "The customer ended your support session.",
            EndCause::SignedOut => "The support session ended when you signed out.",
            EndCause::StaffDisabled => {
                "Your support session ended because your account was disabled."
            }
            EndCause::StaffRoleChanged => "Your support session ended because your role changed.",
            EndCause::ViewedRoleChanged => {
                "Your support session ended because the customer you were viewing as was given another role, so what was decided no longer matches what you would see. Ask again if you still need access."
            }
            EndCause::ViewedUserRemoved => {
                "Your support session ended because the customer removed the user you were viewing as."
            }
            EndCause::PasswordChanged => {
                "Your support session ended because your password was changed. Sign in with the new one."
            }
        }
    }

    /// How the log says it ended ("ended after being idle").
    pub fn words(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => "ended by the agent",
            EndCause::IdleTimeout => "ended after being idle",
            EndCause::MaxDuration => "ended at its maximum duration",
            EndCause::RevokedByManager => "ended by a manager or an admin",
            EndCause::RevokedByCustomer => "ended by the customer",
            EndCause::SignedOut => "ended when the agent signed out",
            EndCause::StaffDisabled => "ended because the staff member was disabled",
            EndCause::StaffRoleChanged => "ended because the staff member's role changed",
            EndCause::ViewedRoleChanged => "ended because the viewed user's role changed",
            EndCause::ViewedUserRemoved => {
                "ended because the viewed user was removed from the account"
            }
            EndCause::PasswordChanged => "ended because the agent's password was changed",
        }
    }
}

/// What the console says after a support session ended, by cause code.
pub fn end_explanation(code: &str) -> Option<&'static str> {
    EndCause::parse(code).map(EndCause::explanation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_end_cause_round_trips_and_is_explained() {
        for cause in EndCause::ALL {
            assert_eq!(EndCause::parse(cause.as_str()), Some(cause));
            assert!(end_explanation(cause.as_str()).is_some(), "{cause:?}");
        }
        assert_eq!(end_explanation("bored"), None);
    }

    #[test]
    fn time_left_reads_as_minutes_and_seconds() {
        assert_eq!(super::mm_ss(905), "15:05");
        assert_eq!(super::mm_ss(59), "0:59");
        assert_eq!(super::mm_ss(-3), "0:00");
    }
}
