//! Staff admin at `/console/staff` (admins only): the staff list, adding
//! someone, changing a role, deactivating, and unlocking a locked sign-in —
//! never on one's own account. Taking access away ends the person's live
//! support session at once (`access::staff_changes`); their next request
//! finds them signed out or with the new role. Every change is an event.

use crate::error::AppError;
use crate::staff::StaffRole;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod page;
#[cfg(feature = "ssr")]
mod server;

/// One staff member as the admin list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEntry {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
    pub active: bool,
    /// When a sign-in lock on their email ends, in the reader's zone.
    pub locked_until: Option<String>,
    /// The support session they are in right now, if any: an admin may
    /// end it from the staff list.
    pub live_session: Option<String>,
    /// The reader: shown, never changed from here.
    pub is_self: bool,
}

/// Someone just added, with the one-time password to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedStaff {
    pub name: String,
    pub email: String,
    /// Shown once, to the admin who added them; never stored in clear.
    pub password: String,
}

/// Everyone on the staff, active first.
#[server(prefix = "/api", endpoint = "staff_directory")]
pub async fn staff_directory() -> Result<Vec<StaffEntry>, AppError> {
    crate::error::respond(server::list().await)
}

/// Adds a staff member with a one-time password.
#[server(prefix = "/api", endpoint = "add_staff_member")]
pub async fn add_staff_member(
    name: String,
    email: String,
    role: String,
) -> Result<AddedStaff, AppError> {
    crate::error::respond(
        async {
            crate::error::shown_once()?;
            server::add(name, email, role).await
        }
        .await,
    )
}

/// Changes someone's role; their live support session ends.
#[server(prefix = "/api", endpoint = "set_staff_role")]
pub async fn set_staff_role(id: String, role: String) -> Result<String, AppError> {
    crate::error::respond(server::set_role(id, role).await)
}

/// Deactivates someone: signed out on their next request, session ended.
#[server(prefix = "/api", endpoint = "deactivate_staff")]
pub async fn deactivate_staff(id: String) -> Result<String, AppError> {
    crate::error::respond(server::deactivate(id).await)
}

/// Lifts the sign-in locks on someone's email.
#[server(prefix = "/api", endpoint = "unlock_staff")]
pub async fn unlock_staff(id: String) -> Result<String, AppError> {
    crate::error::respond(server::unlock(id).await)
}
