//! Customer user rows: server-only, never serialised.

use super::CustomerRole;
use crate::auth::password::PasswordHashString;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A customer user as read from the database, with their account's name.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub email: String,
    pub name: String,
    pub role: CustomerRole,
    pub password_hash: PasswordHashString,
    pub time_zone: Option<String>,
}

fn parse_role(text: &str) -> Result<CustomerRole, sqlx::Error> {
    text.parse()
        .map_err(|e: String| sqlx::Error::Decode(e.into()))
}

/// Finds a customer user by sign-in email (case-insensitive).
pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<CustomerRow>, sqlx::Error> {
    find(pool, None, Some(email)).await
}

/// Finds a customer user by id.
pub async fn find_by_id(pool: &PgPool, id: Uuid) -> Result<Option<CustomerRow>, sqlx::Error> {
    find(pool, Some(id), None).await
}

/// One query for both lookups; callers pass exactly one key.
async fn find(
    pool: &PgPool,
    id: Option<Uuid>,
    email: Option<&str>,
) -> Result<Option<CustomerRow>, sqlx::Error> {
    debug_assert!(id.is_some() != email.is_some(), "exactly one key");
    let row = sqlx::query!(
        r#"select u.id, u.account_id, a.name as account_name, u.email, u.name, u.role,
                  u.password_hash, u.time_zone
           from product.users u join product.accounts a on a.id = u.account_id
           where ($1::uuid is not null and u.id = $1) or ($2::text is not null and lower(u.email) = lower($2))"#,
        id,
        email
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(CustomerRow {
            id: r.id,
            account_id: r.account_id,
            account_name: r.account_name,
            email: r.email,
            name: r.name,
            role: parse_role(&r.role)?,
            password_hash: PasswordHashString(r.password_hash),
            time_zone: r.time_zone,
        })
    })
    .transpose()
}

/// Sets a customer user's time zone (an IANA name, checked by the caller).
pub async fn set_time_zone(pool: &PgPool, id: Uuid, time_zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update product.users set time_zone = $2, updated_at = now() where id = $1",
        id,
        time_zone
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records the browser's time zone the first time someone signs in.
pub async fn set_time_zone_if_unset(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    time_zone: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update product.users set time_zone = $2, updated_at = now() where id = $1 and time_zone is null",
        id,
        time_zone
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
