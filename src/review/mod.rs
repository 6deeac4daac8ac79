//! Reviews of finished support sessions. A manager marks each ended session
//! fine or flags it with a note (never one of their own: the database
//! refuses it too); the inbox at `/console/review` offers the unreviewed,
//! those with changes or blocked actions first.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod charts;
pub mod page;
#[cfg(feature = "ssr")]
mod server;
pub mod weekly;
#[cfg(feature = "ssr")]
pub(crate) use server::of_session;

/// Review's entries in the server-function registry.
#[cfg(feature = "ssr")]
pub const REVIEW_FNS: &[crate::access::registry::ServerFnEntry] = {
    use crate::access::registry::{entry, Access, Effect};
    use crate::access::Capability::ReviewSessions;
    &[
        entry(
            "/api/review_inbox",
            Access::Needs(ReviewSessions),
            Effect::Reads,
        ),
        entry(
            "/api/review_session",
            Access::Needs(ReviewSessions),
            Effect::Changes,
        ),
        entry(
            "/api/weekly_review",
            Access::Needs(ReviewSessions),
            Effect::Reads,
        ),
    ]
};

/// Where a session's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Unreviewed,
    Fine,
    Flagged,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [
        ReviewState::Unreviewed,
        ReviewState::Fine,
        ReviewState::Flagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Unreviewed => "unreviewed",
            ReviewState::Fine => "fine",
            ReviewState::Flagged => "flagged",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Unreviewed => "Unreviewed",
            ReviewState::Fine => "Fine",
            ReviewState::Flagged => "Flagged",
        }
    }
}

/// A session's review as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub state: ReviewState,
    pub note: Option<String>,
    /// "Maya Chen, 26 Nov 2026 14:11 CET"
    pub by: Option<String>,
    /// Whether the reader may mark it now (a manager, an ended session, not
    /// their own).
    pub can_review: bool,
}

/// A session waiting in the review inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: String,
    pub staff_name: String,
    pub account_name: String,
    pub target_user_name: String,
    /// When it ended, in the reader's zone.
    pub ended: String,
    pub views: i64,
    pub changes: i64,
    pub blocked: i64,
}

/// The unreviewed ended sessions, changes and blocked actions first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub total: i64,
    pub items: Vec<InboxItem>,
}

/// Marks an ended session `fine` or `flagged` (a note is required to flag).
#[server(prefix = "/api", endpoint = "review_session")]
pub async fn review_session(id: String, verdict: String, note: String) -> Result<String, AppError> {
    crate::error::respond(server::review(id, verdict, note).await)
}

/// The weekly review: the week (Monday to Sunday, the reader's zone) that
/// holds `week` (`YYYY-MM-DD`; this week when absent).
#[server(prefix = "/api", endpoint = "weekly_review")]
pub async fn weekly_review(week: Option<String>) -> Result<weekly::Weekly, AppError> {
    crate::error::respond(server::weekly(week).await)
}

/// The review inbox (managers).
#[server(prefix = "/api", endpoint = "review_inbox")]
pub async fn review_inbox() -> Result<Inbox, AppError> {
    crate::error::respond(server::inbox().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_names() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert_eq!(ReviewState::parse("ok"), None);
    }
}
