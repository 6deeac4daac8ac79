//! What the login session stores, under one constant key, and how it turns
//! back into an actor on each request.

use super::Side;
use crate::access::{Actor, CustomerUser, StaffMember};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

/// The signed-in person, as kept in the session store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub side: Side,
    pub id: Uuid,
}

impl Principal {
    pub const KEY: &'static str = "chaperone.principal";
}

/// Loads the actor for a principal; `None` when the person no longer exists
/// or was disabled.
pub async fn load_actor(
    pool: &PgPool,
    principal: &Principal,
) -> Result<Option<Actor>, sqlx::Error> {
    match principal.side {
        Side::Staff => Ok(crate::staff::repo::find_active_by_id(pool, principal.id)
            .await?
            .map(|s| {
                Actor::Staff(StaffMember {
                    id: s.id,
                    name: s.name,
                    email: s.email,
                    role: s.role,
                    time_zone: s.time_zone.unwrap_or_else(|| "UTC".into()),
                })
            })),
        Side::Customer => Ok(crate::customers::repo::find_by_id(pool, principal.id)
            .await?
            .map(|c| {
                Actor::Customer(CustomerUser {
                    id: c.id,
                    account_id: c.account_id,
                    account_name: c.account_name,
                    name: c.name,
                    email: c.email,
                    role: c.role,
                    time_zone: c.time_zone.unwrap_or_else(|| "UTC".into()),
                })
            })),
    }
}
