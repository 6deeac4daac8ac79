//! What the login session stores, under one constant key. (Turning it back
//! into an actor on each request is access's part: `access::actor`.)

use super::Side;
use serde::{Deserialize, Serialize};
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
