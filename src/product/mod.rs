//! Billfold, the customer product that support agents enter: workspaces,
//! invoices, tax settings, payment methods, orders, team, notifications,
//! API tokens, profile, private notes, search and exports.
//!
//! Every page loads its data through one server function; every function
//! resolves the [`AccessContext`](crate::access::context::AccessContext)
//! first, reads and changes data only through it, scopes every query to the
//! viewed account, checks the product's own permission rules, and builds its
//! DTOs through [`crate::masking::present`].

pub mod dashboard;
pub mod export;
pub mod invoices;
pub mod money;
pub mod notes;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod permissions;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod registry;
pub mod search;
pub mod team;
pub mod tokens;
pub mod ui;
pub mod workspaces;

pub use permissions::ProductPermission;
