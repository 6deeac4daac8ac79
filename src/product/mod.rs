//! Billfold, the customer product that support agents enter: workspaces,
//! invoices, tax settings, payment methods, orders, team, notifications,
//! API tokens, profile, private notes, search and exports.
//!
//! Every page loads its data through one server function; every function
//! resolves the [`viewer`](viewer::ProductViewer) first, scopes every query
//! to the viewer's account, checks the product's own permission rules, and
//! builds its DTOs through [`crate::masking::present`].

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
pub mod search;
pub mod team;
pub mod tokens;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod viewer;
pub mod workspaces;

pub use permissions::ProductPermission;

/// The actor to write into an event for a change made through the product.
#[cfg(feature = "ssr")]
pub fn event_actor(viewer: &viewer::ProductViewer) -> crate::audit::EventActor {
    use crate::access::Actor;
    use crate::audit::EventActor;
    match &viewer.actor {
        Actor::Staff(s) | Actor::Support(s, _) => EventActor::Staff {
            id: s.id,
            name: s.name.clone(),
        },
        Actor::Customer(c) => EventActor::Customer {
            id: c.id,
            name: c.name.clone(),
        },
    }
}
