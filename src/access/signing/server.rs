//! Signing in and out on the server: the login session's side of it.

use crate::access::{current_actor, Actor};
use crate::audit::{self, Kind, NewEvent};
use crate::auth::session::Principal;
use crate::auth::sign_in::{check, state};
use crate::auth::Side;
use crate::error::AppError;
use crate::ui::safe_next;
use serde_json::json;
use tower_sessions::Session;

async fn login_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        AppError::Internal
    })
}

pub async fn sign_in(
    side: Side,
    email: String,
    password: String,
    time_zone: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    let Principal { id, .. } = check(side, email, password, time_zone).await?;
    // Signing in over a live support session ends it, as signing out would.
    if let Ok(previous) = current_actor() {
        crate::access::sessions::end_current(
            &previous,
            crate::access::sessions::EndCause::SignedOut,
        )
        .await?;
    }
    // A new session id at every sign-in: an id planted before cannot be
    // carried into the signed-in session.
    let session = login_session().await?;
    session.cycle_id().await?;
    session
        .insert(Principal::KEY, Principal { side, id })
        .await?;

    let target = safe_next(next.as_deref(), side == Side::Staff);
    redirect_plain_form(&target);
    Ok(target)
}

pub async fn change_own_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<String, AppError> {
    use crate::auth::lockout::{self, Attempt, LockKey};
    use crate::auth::password;
    use secrecy::SecretString;
    let actor = current_actor()?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?.clone();
    if new_password.chars().count() < 12 || new_password.len() > 1024 {
        return Err(AppError::Invalid(
            "Choose a new password of at least 12 characters.".into(),
        ));
    }
    if new_password != confirm {
        return Err(AppError::Invalid(
            "The new password and its confirmation differ.".into(),
        ));
    }
    if new_password == current {
        return Err(AppError::Invalid(
            "Choose a password different from the current one.".into(),
        ));
    }
    let state = state()?;
    let now = state.clock.now();
    // Checked like the identity check before a session: a person's own
    // failures pause their own checks.
    let key = LockKey::new(lockout::IDENTITY_CHECK, &staff.id.to_string(), "any");
    if let Attempt::Locked(_) = lockout::reserve(&state.pool, &key, now).await? {
        return Err(AppError::TooManyAttempts);
    }
    let stored = sqlx::query_scalar!(
        "select password_hash from chaperone.staff where id = $1",
        staff.id
    )
    .fetch_one(&state.pool)
    .await?;
    if !password::verify(
        SecretString::from(current),
        Some(password::PasswordHashString(stored)),
    )
    .await?
    {
        return Err(AppError::Invalid(
            "Your current password is not correct.".into(),
        ));
    }
    let hash = password::hash(SecretString::from(new_password)).await?;
    let mut tx = state.pool.begin().await?;
    lockout::succeeded(&mut tx, &key).await?;
    sqlx::query!(
        "update chaperone.staff set password_hash = $2, must_change_password = false, updated_at = $3 where id = $1",
        staff.id,
        hash.0,
        now as _
    )
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::StaffPasswordChanged, &staff)
            .detail(json!({ "staff_id": staff.id })),
    )
    .await?;
    tx.commit().await?;
    // A new password, a new login-session id.
    if let Ok(session) = leptos_axum::extract::<Session>().await {
        session.cycle_id().await?;
    }
    Ok("Your password was changed.".into())
}

pub async fn sign_out() -> Result<String, AppError> {
    let state = state()?;
    let session = login_session().await?;
    let actor = current_actor().ok();
    let target = match &actor {
        Some(Actor::Customer(_)) => Side::Customer.sign_in_path(),
        _ => Side::Staff.sign_in_path(),
    };
    if let Some(actor) = &actor {
        crate::access::sessions::end_current(actor, crate::access::sessions::EndCause::SignedOut)
            .await?;
    }
    if let Some(actor) = &actor {
        let now = state.clock.now();
        let event = match actor {
            Actor::Staff(_) | Actor::Support(..) => NewEvent::new(now, Kind::SignedOut, actor),
            Actor::Customer(c) => NewEvent::new(now, Kind::SignedOut, actor)
                .about(c.account_id)
                .detail(json!({ "account": c.account_name })),
        };
        audit::record(&state.pool, event).await?;
    }
    session.flush().await?;
    redirect_plain_form(target);
    Ok(target.to_string())
}

/// A form posted without JavaScript expects a redirect; the hydrated app
/// gets the target back and navigates itself (a full load, so every part of
/// the page sees the new sign-in).
fn redirect_plain_form(target: &str) {
    if crate::error::plain_form() {
        leptos_axum::redirect(target);
    }
}
