//! Password hashing: argon2id, always off the async threads, with a dummy
//! hash for unknown emails so that "no such user" costs the same time as
//! "wrong password".

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

/// A stored password hash. Deliberately neither `Serialize` nor `Display`,
/// and its `Debug` prints nothing of the value.
#[derive(Clone)]
pub struct PasswordHashString(pub String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(<redacted>)")
    }
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"),
    )
}

/// Hashes a password with a fresh salt (blocking; call through [`hash`]).
pub fn hash_blocking(password: &SecretString) -> anyhow::Result<PasswordHashString> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    Ok(PasswordHashString(hash.to_string()))
}

/// Hashes a password on the blocking pool.
pub async fn hash(password: SecretString) -> anyhow::Result<PasswordHashString> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&SecretString::from(
            "not-a-real-password-just-spending-time",
        ))
        .expect("hash the dummy password")
        .0
    })
}

/// Verifies a password against a stored hash, or against a dummy hash when
/// there is no stored one, so both paths take the same time. Returns true
/// only for a stored hash that matches.
pub async fn verify(
    password: SecretString,
    stored: Option<PasswordHashString>,
) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash_text = stored
            .map(|h| h.0)
            .unwrap_or_else(|| dummy_hash().to_string());
        let parsed = PasswordHash::new(&hash_text)
            .map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        let matches = hasher()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let h = hash(SecretString::from("correct horse")).await.unwrap();
        assert!(h.0.starts_with("$argon2id$"));
        assert!(verify(SecretString::from("correct horse"), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify(SecretString::from("wrong horse"), Some(h.clone()))
            .await
            .unwrap());
        assert!(!format!("{h:?}").contains("argon2"));
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        // Even the dummy password itself must not sign anyone in.
        assert!(!verify(
            SecretString::from("not-a-real-password-just-spending-time"),
            None
        )
        .await
        .unwrap());
    }
}
