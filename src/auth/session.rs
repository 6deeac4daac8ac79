//! What the login session stores, under one constant key. (Turning it back
//! into an actor on each request is access's part: `access::actor`.)

use super::password::PasswordHashString;
use super::Side;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The signed-in person, as kept in the session store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub side: Side,
    pub id: Uuid,
    /// A digest of the stored password hash this login was made with. When
    /// the password changes, every login made with the old one stops
    /// matching and is signed out on its next request. (A digest of a
    /// salted hash, so the session store learns nothing of the password.)
    #[serde(default)]
    password_stamp: String,
}

impl Principal {
    pub const KEY: &'static str = "chaperone.principal";

    /// A login of `id` made with the password whose stored hash is `hash`.
    pub fn new(side: Side, id: Uuid, hash: &PasswordHashString) -> Principal {
        Principal {
            side,
            id,
            password_stamp: stamp(&hash.0),
        }
    }

    /// Whether this login was made with the password whose stored hash is
    /// `hash` now. A login stored without a stamp never matches.
    pub fn made_with(&self, hash: &str) -> bool {
        !self.password_stamp.is_empty() && self.password_stamp == stamp(hash)
    }
}

fn stamp(hash: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"chaperone.login\0")
        .chain_update(hash.as_bytes())
        .finalize();
    hex::encode(&digest[..16])
}

/// After someone changed their own password: this login gets a new id and
/// is stamped with the new password, so it carries on while every other
/// login made with the old one is signed out.
pub async fn renew_after_password_change(
    side: Side,
    id: Uuid,
    hash: &PasswordHashString,
) -> Result<(), AppError> {
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            AppError::Internal
        })?;
    session.cycle_id().await?;
    session
        .insert(Principal::KEY, Principal::new(side, id, hash))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_matches_only_the_password_it_was_made_with() {
        let first = PasswordHashString("$argon2id$v=19$first".into());
        let login = Principal::new(Side::Customer, Uuid::nil(), &first);
        assert!(login.made_with(&first.0));
        assert!(!login.made_with("$argon2id$v=19$second"));
        let unstamped = Principal {
            password_stamp: String::new(),
            ..login
        };
        assert!(!unstamped.made_with(&first.0));
        assert!(!unstamped.made_with(""));
    }
}
