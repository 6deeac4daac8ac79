//! Signing in and out, as the console and the product see it: the server
//! functions behind both sign-in forms and the sign-out button, "who am I",
//! and what a sign-in change ends — a live support session ends with the
//! login it belongs to. The password check itself is `auth`'s.

use crate::access::Capability;
use crate::auth::Side;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod pages;
#[cfg(feature = "ssr")]
mod server;

/// What the browser may know about the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub side: Side,
    pub name: String,
    /// The role as people read it ("Support agent", "Owner").
    pub role_label: String,
    /// The customer's account, for customers.
    pub account_name: Option<String>,
    pub time_zone: String,
    /// What this person may do; the UI uses it only to decide what to show.
    pub capabilities: Vec<Capability>,
    /// Staff still signing in with the one-time secret an admin gave them.
    pub temporary_login: bool,
    /// Whose view of the product this person has: a customer's own role,
    /// or in a support session the viewed user's; `None` for staff outside
    /// one. The product's menu shows what that role may open.
    pub product_role: Option<crate::customers::CustomerRole>,
    /// Inside a support session (the customer's own pages stay closed).
    pub in_support_session: bool,
}

/// A staff member replaces their own password (the one-time password an
/// admin gave them, or any other).
#[server(prefix = "/api", endpoint = "change_own_password")]
pub async fn change_own_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<String, AppError> {
    crate::error::respond(server::change_own_password(current, new_password, confirm).await)
}

/// The signed-in person sets their own time zone (an IANA name such as
/// `Europe/Paris`): every page shows times in it.
#[server(prefix = "/api", endpoint = "set_time_zone")]
pub async fn set_time_zone(time_zone: String) -> Result<String, AppError> {
    crate::error::respond(server::set_time_zone(time_zone).await)
}

/// Signs a staff member in to the console. Returns where to go next.
#[server(prefix = "/api", endpoint = "staff_sign_in")]
pub async fn staff_sign_in(
    email: String,
    password: String,
    time_zone: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    crate::error::respond(server::sign_in(Side::Staff, email, password, time_zone, next).await)
}

/// Signs a customer user in to the product. Returns where to go next.
#[server(prefix = "/api", endpoint = "customer_sign_in")]
pub async fn customer_sign_in(
    email: String,
    password: String,
    time_zone: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    crate::error::respond(server::sign_in(Side::Customer, email, password, time_zone, next).await)
}

/// Signs whoever is signed in out. Returns the sign-in page to go to.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<String, AppError> {
    crate::error::respond(server::sign_out().await)
}

/// Who is signed in, if anyone.
#[server(prefix = "/api", endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    use crate::access::{current_actor, Actor};
    use crate::auth::Side;
    let Ok(actor) = current_actor() else {
        return Ok(None);
    };
    let capabilities = Capability::ALL
        .into_iter()
        .filter(|c| actor.can(*c))
        .collect();
    let (product_role, in_support_session) = match &actor {
        Actor::Customer(c) => (Some(c.role), false),
        Actor::Support(_, session) => (session.viewed_role, true),
        Actor::Staff(_) => (None, false),
    };
    Ok(Some(match actor {
        Actor::Staff(s) | Actor::Support(s, _) => Me {
            product_role,
            in_support_session,
            temporary_login: s.must_change_password,
            side: Side::Staff,
            name: s.name,
            role_label: s.role.label().into(),
            account_name: None,
            time_zone: s.time_zone,
            capabilities,
        },
        Actor::Customer(c) => Me {
            side: Side::Customer,
            name: c.name,
            role_label: c.role.label().into(),
            account_name: Some(c.account_name),
            time_zone: c.time_zone,
            capabilities,
            temporary_login: false,
            product_role,
            in_support_session,
        },
    }))
}
