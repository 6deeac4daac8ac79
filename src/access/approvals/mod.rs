//! Approvals: a manager's decision on someone else's request, one-action
//! approvals asked for from inside a session (bound to the action and the
//! object they are for, spent with the action itself), and the lifecycle
//! that ends them — expiry of undecided requests, lapse of unused approvals.

use crate::access::actions::BlockedAction;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub(crate) use server::{
    ask_for_one_action, blocked_attempts, describe_object, expire_due, expire_if_due,
    spend_action_approval,
};

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
