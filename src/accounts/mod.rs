//! Accounts as the console sees them: search and the masked summary.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod pages;
#[cfg(feature = "ssr")]
mod server;

/// One search result; contact data masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHit {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub plan: String,
    pub owner_contact: String,
    pub sensitive: bool,
    pub support_access: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<AccountHit>,
    pub page: u32,
    pub has_more: bool,
}

/// A user of the account, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub role_label: String,
    /// Viewing as this user needs a manager's approval.
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub plan: String,
    pub region: String,
    pub marked_sensitive: bool,
    /// The customer's support-access policy, in words.
    pub support_access: String,
    pub support_access_code: String,
    pub users: Vec<AccountUser>,
    pub can_request: bool,
    pub can_request_edit: bool,
    pub can_break_glass: bool,
}

/// Searches accounts by name (fuzzy), domain, account id or user email.
#[server(prefix = "/api", endpoint = "search_accounts")]
pub async fn search_accounts(q: String, page: Option<u32>) -> Result<SearchResults, AppError> {
    crate::error::respond(server::search(q, page.unwrap_or(1)).await)
}

/// An account's masked summary.
#[server(prefix = "/api", endpoint = "account_summary")]
pub async fn account_summary(id: String) -> Result<AccountOverview, AppError> {
    crate::error::respond(server::summary(id).await)
}
