//! The customer's side of support access: the account's history of support
//! visits at `/app/history` (owners and admins), the support-access policy
//! at `/app/settings/security` (owners), and an owner ending a live visit.
//! These belong to the customer: support, inside a session, opens none of
//! them.

use crate::customers::SupportAccess;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod page;
#[cfg(feature = "ssr")]
mod server;

/// One support visit as the customer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    /// "Priya Nair from Support"
    pub who: String,
    pub viewing_as: String,
    pub mode: String,
    /// Start and end in the reader's zone, and how long.
    pub started: String,
    pub ended: Option<String>,
    pub duration: String,
    pub reason: String,
    pub ticket: String,
    /// How it ended, in words; `None` while it lasts.
    pub how_it_ended: Option<String>,
    pub live: bool,
    /// The pages viewed, in order.
    pub pages: Vec<String>,
    /// What support did, one sentence each, values as the log keeps them.
    pub changes: Vec<String>,
    /// The reader may end it now (an owner, while it lasts).
    pub can_end: bool,
}

/// A request from support waiting for an owner's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRequest {
    pub id: String,
    /// "Sarah Lee from Support"
    pub who: String,
    pub viewing_as: String,
    pub mode: String,
    pub reason: String,
    pub ticket: String,
    /// When it was asked, in the reader's zone.
    pub asked: String,
    /// "26:00" until it expires undecided.
    pub expires_in: Option<String>,
    /// A Chaperone manager must approve it as well (and has not yet).
    pub manager_too: bool,
}

/// The account's support history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub account_name: String,
    pub visits: Vec<Visit>,
    /// "Sarah Lee from Support asked to enter on … and was refused because …"
    pub refused: Vec<String>,
    /// Changes to the support-access policy, in words.
    pub policy_changes: Vec<String>,
}

/// The support-access policy as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub account_name: String,
    pub current: SupportAccess,
}

/// Requests from support waiting for an owner of this account (owners).
#[server(prefix = "/api", endpoint = "owner_requests")]
pub async fn owner_requests() -> Result<Vec<OwnerRequest>, AppError> {
    crate::error::respond(server::owner_requests().await)
}

/// An owner approves or refuses a request from support.
#[server(prefix = "/api", endpoint = "decide_support_request")]
pub async fn decide_support_request(
    id: String,
    approve: bool,
    note: String,
) -> Result<String, AppError> {
    crate::error::respond(server::decide(id, approve, note).await)
}

/// The account's support visits (owners and admins of the account).
#[server(prefix = "/api", endpoint = "support_history")]
pub async fn support_history() -> Result<History, AppError> {
    crate::error::respond(server::history().await)
}

/// An owner ends a live support visit at once.
#[server(prefix = "/api", endpoint = "end_support_visit")]
pub async fn end_support_visit(session_id: String) -> Result<String, AppError> {
    crate::error::respond(server::end_visit(session_id).await)
}

/// The account's support-access policy (owners).
#[server(prefix = "/api", endpoint = "support_policy")]
pub async fn support_policy() -> Result<Policy, AppError> {
    crate::error::respond(server::policy().await)
}

/// An owner sets the support-access policy: `allow`, `ask_owner` or `off`.
/// Turning it off ends a visit in progress.
#[server(prefix = "/api", endpoint = "set_support_policy")]
pub async fn set_support_policy(policy: String) -> Result<String, AppError> {
    crate::error::respond(server::set_policy(policy).await)
}

/// History's entries in the server-function registry: customers' own
/// functions, which support inside a session is refused at the guard.
#[cfg(feature = "ssr")]
pub const HISTORY_FNS: &[crate::access::registry::ServerFnEntry] = {
    use crate::access::registry::{entry, Access, Effect};
    const OWN: Access = Access::Needs(crate::access::Capability::OwnSupportAccess);
    &[
        entry("/api/decide_support_request", OWN, Effect::Changes),
        entry("/api/end_support_visit", OWN, Effect::Changes),
        entry("/api/owner_requests", OWN, Effect::Reads),
        entry("/api/set_support_policy", OWN, Effect::Changes),
        entry("/api/support_history", OWN, Effect::Reads),
        entry("/api/support_policy", OWN, Effect::Reads),
    ]
};
