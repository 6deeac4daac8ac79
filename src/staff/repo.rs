//! Staff rows: server-only, never serialised.

use super::StaffRole;
use crate::auth::password::PasswordHashString;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A staff row as read from the database.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    pub password_hash: PasswordHashString,
    pub time_zone: Option<String>,
}

fn parse_role(text: &str) -> Result<StaffRole, sqlx::Error> {
    text.parse()
        .map_err(|e: String| sqlx::Error::Decode(e.into()))
}

/// Finds an enabled staff member by email (case-insensitive).
pub async fn find_active_by_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<StaffRow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select id, email, name, role, password_hash, time_zone
           from chaperone.staff
           where disabled_at is null and lower(email) = lower($1)"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StaffRow {
            id: r.id,
            email: r.email,
            name: r.name,
            role: parse_role(&r.role)?,
            password_hash: PasswordHashString(r.password_hash),
            time_zone: r.time_zone,
        })
    })
    .transpose()
}

/// A staff member to create.
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
    pub password_hash: &'a PasswordHashString,
}

/// Creates a staff member, or leaves an existing one with that email as it
/// is. Returns the id and whether a row was created.
pub async fn create_if_missing(
    tx: &mut Transaction<'_, Postgres>,
    staff: NewStaff<'_>,
) -> Result<(Uuid, bool), sqlx::Error> {
    let created = sqlx::query_scalar!(
        r#"insert into chaperone.staff (id, email, name, role, password_hash)
           values ($1, $2, $3, $4, $5)
           on conflict (lower(email)) do nothing
           returning id"#,
        Uuid::new_v4(),
        staff.email.trim(),
        staff.name.trim(),
        staff.role.as_str(),
        staff.password_hash.0
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = created {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!(
        "select id from chaperone.staff where lower(email) = lower($1)",
        staff.email.trim()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, false))
}

/// Records the browser's time zone the first time someone signs in.
pub async fn set_time_zone_if_unset(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    time_zone: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update chaperone.staff set time_zone = $2, updated_at = now() where id = $1 and time_zone is null",
        id,
        time_zone
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets a staff member's time zone (an IANA name, checked by the caller).
pub async fn set_time_zone(pool: &PgPool, id: Uuid, time_zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update chaperone.staff set time_zone = $2, updated_at = now() where id = $1",
        id,
        time_zone
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates a new staff member with a fresh password hash and records it,
/// `by` whom. `None` when the email is already in use (one person, one
/// login).
pub async fn create_staff(
    pool: &PgPool,
    email: &str,
    name: &str,
    role: StaffRole,
    password: secrecy::SecretString,
    by: crate::audit::EventActor,
) -> anyhow::Result<Option<Uuid>> {
    let hash = crate::auth::password::hash(password).await?;
    let mut tx = pool.begin().await?;
    let (id, created) = create_if_missing(
        &mut tx,
        NewStaff {
            email,
            name,
            role,
            password_hash: &hash,
        },
    )
    .await?;
    if !created {
        return Ok(None);
    }
    crate::audit::append(
        &mut tx,
        crate::audit::NewEvent::new(chrono::Utc::now(), crate::audit::Kind::StaffCreated, by)
            .detail(serde_json::json!({ "staff_id": id, "name": name, "role": role.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}
