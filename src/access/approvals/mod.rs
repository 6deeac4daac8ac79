//! Approvals: a manager's decision on someone else's request, one-action
//! approvals asked for from inside a session (bound to the action and the
//! object they are for, spent with the action itself), and the lifecycle
//! that ends them — expiry of undecided requests, lapse of unused approvals.

use crate::access::actions::BlockedAction;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod owner;
pub mod page;
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub(crate) use owner::decide_as_owner;
#[cfg(feature = "ssr")]
pub(crate) use server::{
    ask_for_one_action, blocked_attempts, describe_object, expire_due, expire_if_due,
    spend_action_approval,
};

/// A request waiting for a manager, as the approval queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: String,
    pub staff_name: String,
    pub account_id: String,
    pub account_name: String,
    /// "Hank Scorpio (Owner)"
    pub view_as: String,
    /// "Edit session", or the one action and its object.
    pub asked: String,
    /// A request for one blocked action inside a live session (not to
    /// enter): the card's title says so.
    pub one_action: bool,
    pub reason: String,
    pub ticket: String,
    /// Why the policy wants a manager, in words.
    pub why: Vec<String>,
    /// "4 min"
    pub waited: String,
    /// "26:00" until it expires undecided.
    pub expires_in: Option<String>,
    /// The account's owner must approve as well.
    pub needs_owner_too: bool,
    /// The reader's own request: shown, never decidable by them.
    pub is_own: bool,
}

/// What waits for a manager's decision, oldest first (managers only).
#[server(prefix = "/api", endpoint = "approval_queue")]
pub async fn approval_queue() -> Result<Vec<QueueItem>, AppError> {
    crate::error::respond(server::queue().await)
}

/// A manager approves or denies someone else's request, with a note
/// (required to deny).
#[server(prefix = "/api", endpoint = "decide_request")]
pub async fn decide_request(id: String, approve: bool, note: String) -> Result<String, AppError> {
    crate::error::respond(server::decide(id, approve, note).await)
}

/// Asks a manager to approve one blocked action, for the one object it was
/// tried on in the current session. Returns the request's id.
#[server(prefix = "/api", endpoint = "request_action_approval")]
pub async fn request_action_approval(
    action: BlockedAction,
    object: String,
    reason: String,
) -> Result<String, AppError> {
    crate::error::respond(server::request_action(action, object, reason).await)
}
