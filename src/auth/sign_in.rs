//! Checking a sign-in: throttled, with a dummy hash for unknown emails, every
//! outcome recorded.

use super::lockout::{self, Attempt, LockKey};
use super::password;
use super::session::Principal;
use super::Side;
use crate::audit::{self, EventActor, Kind, NewEvent};
use crate::error::AppError;
use crate::masking::mask_email;
use crate::state::AppState;
use leptos::prelude::*;
use secrecy::SecretString;
use serde_json::json;
use std::net::SocketAddr;
use uuid::Uuid;

const MAX_EMAIL_LEN: usize = 254;
const MAX_PASSWORD_LEN: usize = 1024;

pub(crate) fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

/// The client's address: the socket peer, or the nearest `X-Forwarded-For`
/// hop when the server is configured to sit behind a trusted proxy.
pub(crate) async fn client_ip(state: &AppState) -> String {
    if state.config.trust_forwarded_for {
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(hop) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
            {
                return hop.to_string();
            }
        }
    }
    leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// A browser time zone worth storing: an IANA-looking name.
pub fn valid_time_zone(tz: Option<&str>) -> Option<&str> {
    let tz = tz?.trim();
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-'));
    ok.then_some(tz)
}

/// Who a sign-in attempt would sign in, if the email is known.
struct Candidate {
    id: Uuid,
    name: String,
    account: Option<(Uuid, String)>,
    hash: password::PasswordHashString,
}

async fn find_candidate(
    state: &AppState,
    side: Side,
    email: &str,
) -> Result<Option<Candidate>, AppError> {
    Ok(match side {
        Side::Staff => crate::staff::repo::find_active_by_email(&state.pool, email)
            .await?
            .map(|s| Candidate {
                id: s.id,
                name: s.name,
                account: None,
                hash: s.password_hash,
            }),
        Side::Customer => crate::customers::repo::find_by_email(&state.pool, email)
            .await?
            .map(|c| Candidate {
                id: c.id,
                name: c.name,
                account: Some((c.account_id, c.account_name)),
                hash: c.password_hash,
            }),
    })
}

/// Checks a sign-in: the form, the throttle, the password. Records the
/// outcome and, on success, the browser's time zone the first time; returns
/// who signed in. Starting the login session is the caller's part.
pub async fn check(
    side: Side,
    email: String,
    password: String,
    time_zone: Option<String>,
) -> Result<Principal, AppError> {
    let state = state()?;
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        return Err(AppError::Invalid(
            "Enter both your email and your password.".into(),
        ));
    }
    if email.len() > MAX_EMAIL_LEN || password.len() > MAX_PASSWORD_LEN {
        return Err(AppError::Invalid(
            "That email or password is longer than Chaperone accepts.".into(),
        ));
    }
    let ip = client_ip(&state).await;
    let now = state.clock.now();
    let key = LockKey::new(side.as_str(), &email, &ip);
    let masked = mask_email(&email);

    let locks_until = match lockout::reserve(&state.pool, &key, now).await? {
        Attempt::Allowed { locks_until } => locks_until,
        Attempt::Locked(_) => {
            audit::record(
                &state.pool,
                NewEvent::new(now, Kind::SignInRefusedLocked, EventActor::Anonymous)
                    .detail(json!({ "side": side.as_str(), "email": masked, "ip": ip })),
            )
            .await?;
            return Err(AppError::TooManyAttempts);
        }
    };

    let candidate = find_candidate(&state, side, &email).await?;
    let matches = password::verify(
        SecretString::from(password),
        candidate.as_ref().map(|c| c.hash.clone()),
    )
    .await?;

    let Some(who) = candidate.filter(|_| matches) else {
        // The failure itself was written down when the attempt was reserved.
        let locked = locks_until.map(audit::sentence::at);
        audit::record(
            &state.pool,
            NewEvent::new(now, Kind::SignInFailed, EventActor::Anonymous).detail(
                json!({ "side": side.as_str(), "email": masked, "ip": ip, "locked_until": locked }),
            ),
        )
        .await?;
        return Err(AppError::BadCredentials);
    };

    let mut tx = state.pool.begin().await?;
    lockout::succeeded(&mut tx, &key).await?;
    if let Some(tz) = valid_time_zone(time_zone.as_deref()) {
        match side {
            Side::Staff => crate::staff::repo::set_time_zone_if_unset(&mut tx, who.id, tz).await?,
            Side::Customer => {
                crate::customers::repo::set_time_zone_if_unset(&mut tx, who.id, tz).await?
            }
        }
    }
    let event = match &who.account {
        Some((account_id, account_name)) => NewEvent::new(
            now,
            Kind::SignedIn,
            EventActor::Customer {
                id: who.id,
                name: who.name.clone(),
            },
        )
        .about(*account_id)
        .detail(json!({ "side": side.as_str(), "ip": ip, "account": account_name })),
        None => NewEvent::new(
            now,
            Kind::SignedIn,
            EventActor::Staff {
                id: who.id,
                name: who.name.clone(),
            },
        )
        .detail(json!({ "side": side.as_str(), "ip": ip })),
    };
    audit::append(&mut tx, event).await?;
    tx.commit().await?;

    Ok(Principal::new(side, who.id, &who.hash))
}

/// Checks the forms of a change of one's own password: long enough, not
/// absurdly long, confirmed, and not the current one again.
pub fn check_new_password(current: &str, new: &str, confirm: &str) -> Result<(), AppError> {
    if new.chars().count() < 12 || new.len() > MAX_PASSWORD_LEN {
        return Err(AppError::Invalid(
            "Choose a new password of at least 12 characters.".into(),
        ));
    }
    if new != confirm {
        return Err(AppError::Invalid(
            "The new password and its confirmation differ.".into(),
        ));
    }
    if new == current {
        return Err(AppError::Invalid(
            "Choose a password different from the current one.".into(),
        ));
    }
    Ok(())
}

/// Checks the current password a signed-in person typed to change their
/// own password, throttled like the identity check before a support
/// session: their own failures (five in 15 minutes) pause their own checks,
/// from any address, and nobody else's. On success the caller erases the
/// reservation ([`lockout::succeeded`] with the returned key) in the
/// transaction that makes the change.
pub async fn check_own_password(
    state: &AppState,
    person: Uuid,
    typed: String,
    stored: password::PasswordHashString,
) -> Result<LockKey, AppError> {
    let key = LockKey::new(lockout::IDENTITY_CHECK, &person.to_string(), "any");
    if let Attempt::Locked(_) = lockout::reserve(&state.pool, &key, state.clock.now()).await? {
        return Err(AppError::TooManyAttempts);
    }
    if !password::verify(SecretString::from(typed), Some(stored)).await? {
        return Err(AppError::Invalid(
            "Your current password is not correct.".into(),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_from_the_browser_are_checked() {
        assert_eq!(
            valid_time_zone(Some("Europe/Berlin")),
            Some("Europe/Berlin")
        );
        assert_eq!(
            valid_time_zone(Some("America/Argentina/Buenos_Aires")),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(valid_time_zone(Some("Etc/GMT+5")), Some("Etc/GMT+5"));
        assert_eq!(valid_time_zone(Some("<script>")), None);
        assert_eq!(valid_time_zone(Some("")), None);
        assert_eq!(valid_time_zone(None), None);
        assert_eq!(valid_time_zone(Some(&"A".repeat(65))), None);
    }
}
