//! Who is looking at the product: resolved once per server function from the
//! actor. Today that is a customer user; the support-sessions work adds a
//! staff member viewing as a customer user, with the agent's masking.

use super::ProductPermission;
use crate::access::{current_actor, Actor, Capability};
use crate::customers::CustomerRole;
use crate::error::AppError;
use crate::masking::Audience;
use crate::startup::AppState;
use uuid::Uuid;

/// The person the product renders for, and who sees it.
#[derive(Debug, Clone)]
pub struct ProductViewer {
    /// The customer user whose view this is.
    pub user_id: Uuid,
    pub user_name: String,
    pub account_id: Uuid,
    pub account_name: String,
    pub role: CustomerRole,
    /// Who reads what is shown, for masking.
    pub audience: Audience,
    pub actor: Actor,
}

impl ProductViewer {
    /// Asks for a product permission; the refusal says why in words.
    pub fn require(&self, permission: ProductPermission) -> Result<(), AppError> {
        if permission.allows(self.role) {
            Ok(())
        } else {
            Err(AppError::Refused(permission.refusal().into()))
        }
    }

    pub fn can(&self, permission: ProductPermission) -> bool {
        permission.allows(self.role)
    }
}

/// The viewer of the current request, or why there is none.
pub fn product_viewer() -> Result<ProductViewer, AppError> {
    ProductViewer::from_actor(current_actor()?)
}

impl ProductViewer {
    /// The viewer for an actor; only those who may use the product have one.
    pub fn from_actor(actor: Actor) -> Result<ProductViewer, AppError> {
        viewer_for(actor)
    }
}

fn viewer_for(actor: Actor) -> Result<ProductViewer, AppError> {
    actor.require(Capability::UseProduct)?;
    match &actor {
        Actor::Customer(c) => Ok(ProductViewer {
            user_id: c.id,
            user_name: c.name.clone(),
            account_id: c.account_id,
            account_name: c.account_name.clone(),
            role: c.role,
            audience: Audience::Customer,
            actor: actor.clone(),
        }),
        Actor::Staff(_) => Err(AppError::Forbidden),
    }
}

/// The app state for server functions.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or(AppError::Internal)
}

/// Parses an id from a URL or form; a malformed id is simply not found.
pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
    text.trim().parse().map_err(|_| AppError::NotFound)
}
