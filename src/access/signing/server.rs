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
    let principal = check(side, email, password, time_zone).await?;
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
    // A fresh start: nothing of an earlier sign-in's support session.
    session
        .remove_value(crate::access::sessions::ENDED_KEY)
        .await?;
    session.insert(Principal::KEY, principal).await?;

    let target = safe_next(next.as_deref(), side == Side::Staff);
    redirect_plain_form(&target);
    Ok(target)
}

pub async fn change_own_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<String, AppError> {
    use crate::auth::password::{self, PasswordHashString};
    use crate::auth::sign_in::{check_new_password, check_own_password};
    use crate::auth::{lockout, session};
    use secrecy::SecretString;
    let actor = current_actor()?;
    let staff = actor.as_staff().ok_or(AppError::Forbidden)?.clone();
    check_new_password(&current, &new_password, &confirm)?;
    let state = state()?;
    let now = state.clock.now();
    let stored = sqlx::query_scalar!(
        "select password_hash from chaperone.staff where id = $1",
        staff.id
    )
    .fetch_one(&state.pool)
    .await?;
    let key = check_own_password(&state, staff.id, current, PasswordHashString(stored)).await?;
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
    // Every other login is signed out by the new password; a support
    // session (of this login or another) ends now, not at its next request.
    crate::access::staff_changes::end_live_session(
        &mut tx,
        staff.id,
        now,
        crate::access::sessions::EndCause::PasswordChanged,
    )
    .await?;
    tx.commit().await?;
    // This login carries on under a new id; every other one is signed out.
    session::renew_after_password_change(Side::Staff, staff.id, &hash).await?;
    Ok("Your password was changed. Anywhere else you were signed in, you are signed out.".into())
}

pub async fn set_time_zone(time_zone: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    let zone = time_zone.trim();
    if zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(AppError::Invalid(
            "Choose a time zone from the list, like Europe/Paris or America/New_York.".into(),
        ));
    }
    let state = state()?;
    match &actor {
        // Staff, in a support session or not, set their own zone, never the
        // viewed customer's.
        Actor::Staff(s) | Actor::Support(s, _) => {
            crate::staff::repo::set_time_zone(&state.pool, s.id, zone).await?
        }
        Actor::Customer(c) => {
            crate::customers::repo::set_time_zone(&state.pool, c.id, zone).await?
        }
    }
    Ok(format!("Times are now shown in {zone}."))
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
