//! Staff admin on the server.

use super::{AddedStaff, StaffEntry};
use crate::access::{current_actor, staff_changes, Capability, StaffMember};
use crate::audit::{self, Kind, NewEvent};
use crate::auth::lockout;
use crate::error::{parse_id, AppError};
use crate::staff::StaffRole;
use crate::state::app_state;
use chrono::{DateTime, Utc};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::json;
use uuid::Uuid;

fn admin() -> Result<StaffMember, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::ManageStaff)?;
    actor.as_staff().cloned().ok_or(AppError::Forbidden)
}

/// Another person's id: admins never change their own account here.
fn someone_else(admin: &StaffMember, id: &str) -> Result<Uuid, AppError> {
    let id = parse_id(id)?;
    if id == admin.id {
        return Err(AppError::Refused(
            "You cannot change your own account; another admin must.".into(),
        ));
    }
    Ok(id)
}

fn role(text: &str) -> Result<StaffRole, AppError> {
    text.parse()
        .map_err(|_| AppError::Invalid("Choose one of the staff roles.".into()))
}

pub async fn list() -> Result<Vec<StaffEntry>, AppError> {
    let admin = admin()?;
    let state = app_state()?;
    let now = state.clock.now();
    let zone: chrono_tz::Tz = admin.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let rows = sqlx::query!(
        r#"select s.id, s.name, s.email, s.role, s.disabled_at is null as "active!",
                  (select l.id from chaperone.support_sessions l
                   where l.staff_id = s.id and l.ended_at is null) as "live_session?"
           from chaperone.staff s
           order by s.disabled_at is not null, lower(s.name)"#
    )
    .fetch_all(&state.pool)
    .await?;
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let locks = lockout::locked_until_each(&state.pool, "staff", &emails, now).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (r, locked) in rows.into_iter().zip(locks) {
        out.push(StaffEntry {
            id: r.id.to_string(),
            role: r.role.parse().map_err(|_| AppError::Internal)?,
            locked_until: locked
                .map(|t: DateTime<Utc>| t.with_timezone(&zone).format("%H:%M %Z").to_string()),
            is_self: r.id == admin.id,
            name: r.name,
            email: r.email,
            active: r.active,
            live_session: r.live_session.map(|id| id.to_string()),
        });
    }
    Ok(out)
}

pub async fn add(name: String, email: String, role_text: String) -> Result<AddedStaff, AppError> {
    let admin = admin()?;
    let name = name.trim().to_string();
    let email = email.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Give their full name (up to 200 characters).".into(),
        ));
    }
    let shape_ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.chars().any(char::is_whitespace);
    if !shape_ok {
        return Err(AppError::Invalid(
            "Give their work email address, like name@company.com.".into(),
        ));
    }
    let role = role(&role_text)?;
    let state = app_state()?;
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 20);
    let created = crate::staff::repo::create_staff(
        &state.pool,
        &email,
        &name,
        role,
        secrecy::SecretString::from(password.clone()),
        (&admin).into(),
    )
    .await?;
    let Some(id) = created else {
        return Err(AppError::Invalid(
            "Someone on the staff already signs in with that email: one person, one login.".into(),
        ));
    };
    // The console asks them to choose their own at once.
    sqlx::query!(
        "update chaperone.staff set must_change_password = true where id = $1",
        id
    )
    .execute(&state.pool)
    .await?;
    Ok(AddedStaff {
        name,
        email,
        password,
    })
}

pub async fn set_role(id: String, role_text: String) -> Result<String, AppError> {
    let admin = admin()?;
    let id = someone_else(&admin, &id)?;
    let role = role(&role_text)?;
    let state = app_state()?;
    let changed =
        staff_changes::change_staff_role(&state.pool, id, role, (&admin).into(), state.clock.now())
            .await?;
    if !changed {
        return Err(AppError::Invalid(
            "Nothing changed: they already have that role, or are no longer on the staff.".into(),
        ));
    }
    Ok(format!(
        "Their role is now {}. Any support session they were in has ended.",
        role.label()
    ))
}

pub async fn deactivate(id: String) -> Result<String, AppError> {
    let admin = admin()?;
    let id = someone_else(&admin, &id)?;
    let state = app_state()?;
    if !staff_changes::disable_staff(&state.pool, id, (&admin).into(), state.clock.now()).await? {
        return Err(AppError::Invalid(
            "They are already deactivated, or not on the staff.".into(),
        ));
    }
    Ok("Deactivated. They are signed out on their next request, and any support session they were in has ended.".into())
}

pub async fn unlock(id: String) -> Result<String, AppError> {
    let admin = admin()?;
    let id = someone_else(&admin, &id)?;
    let state = app_state()?;
    let mut tx = state.pool.begin().await?;
    let Some(r) = sqlx::query!(
        "select name, email from chaperone.staff where id = $1 and disabled_at is null",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(AppError::NotFound);
    };
    let lifted = lockout::unlock(&mut tx, "staff", &r.email).await?
        + lockout::unlock(&mut tx, lockout::IDENTITY_CHECK, &id.to_string()).await?;
    if lifted == 0 {
        return Err(AppError::Invalid(
            "Their sign-in is not locked: nothing to unlock.".into(),
        ));
    }
    audit::append(
        &mut tx,
        NewEvent::new(state.clock.now(), Kind::StaffUnlocked, &admin)
            .detail(json!({ "staff_id": id, "name": r.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{}'s sign-in is unlocked.", r.name))
}
