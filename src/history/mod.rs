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

/// Who may read the account's support history: owners and admins (never
/// support, which the capability keeps out).
pub fn reads_history(role: crate::customers::CustomerRole) -> bool {
    use crate::customers::CustomerRole::*;
    matches!(role, Owner | Admin)
}

/// Who may set the support-access policy, decide owner approvals and end
/// visits: owners.
pub fn owns_support_access(role: crate::customers::CustomerRole) -> bool {
    role == crate::customers::CustomerRole::Owner
}
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

/// A notification to an owner: support entered or changed something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub at: String,
    pub body: String,
    pub unread: bool,
}

/// The reader's notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notices {
    pub unread: i64,
    pub items: Vec<Notice>,
}

/// Which notifications an owner gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeChoices {
    pub entry_in_app: bool,
    pub entry_email: bool,
    pub change_in_app: bool,
    pub change_email: bool,
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

/// The reader's notifications about support (the latest 20).
#[server(prefix = "/api", endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<Notices, AppError> {
    crate::error::respond(server::notices().await)
}

/// How many of the reader's notifications are unread, for the product's
/// navigation. Nothing to count for anyone who gets none: members, and
/// support inside a session (the owner's notifications are the owner's).
#[server(prefix = "/api", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    crate::error::respond(server::unread().await)
}

/// Marks all of the reader's notifications read.
#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read() -> Result<String, AppError> {
    crate::error::respond(server::mark_read().await)
}

/// Which notifications the reader gets (owners).
#[server(prefix = "/api", endpoint = "notification_choices")]
pub async fn notification_choices() -> Result<NoticeChoices, AppError> {
    crate::error::respond(server::choices().await)
}

/// Sets which notifications the reader gets (owners); a box left
/// unticked is sent as nothing.
#[server(prefix = "/api", endpoint = "set_notification_choices")]
pub async fn set_notification_choices(
    entry_in_app: Option<String>,
    entry_email: Option<String>,
    change_in_app: Option<String>,
    change_email: Option<String>,
) -> Result<String, AppError> {
    let on = |v: Option<String>| v.is_some_and(|v| !v.is_empty() && v != "false");
    crate::error::respond(
        server::set_choices(NoticeChoices {
            entry_in_app: on(entry_in_app),
            entry_email: on(entry_email),
            change_in_app: on(change_in_app),
            change_email: on(change_email),
        })
        .await,
    )
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
        entry("/api/mark_notifications_read", OWN, Effect::Changes),
        entry("/api/my_notifications", OWN, Effect::Reads),
        entry("/api/notification_choices", OWN, Effect::Reads),
        entry("/api/owner_requests", OWN, Effect::Reads),
        // Every product page's navigation asks, support's included (it gets
        // 0): refusing it would record a refusal on every page.
        entry(
            "/api/unread_notifications",
            Access::Needs(crate::access::Capability::UseProduct),
            Effect::Reads,
        ),
        entry("/api/set_notification_choices", OWN, Effect::Changes),
        entry("/api/set_support_policy", OWN, Effect::Changes),
        entry("/api/support_history", OWN, Effect::Reads),
        entry("/api/support_policy", OWN, Effect::Reads),
    ]
};
