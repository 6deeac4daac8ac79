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
    let row = sqlx::query!(
        r#"select u.id, u.account_id, a.name as account_name, u.email, u.name, u.role,
                  u.password_hash, u.time_zone
           from product.users u join product.accounts a on a.id = u.account_id
           where lower(u.email) = lower($1)"#,
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

/// Finds a customer user by id.
pub async fn find_by_id(pool: &PgPool, id: Uuid) -> Result<Option<CustomerRow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select u.id, u.account_id, a.name as account_name, u.email, u.name, u.role,
                  u.password_hash, u.time_zone
           from product.users u join product.accounts a on a.id = u.account_id
           where u.id = $1"#,
        id
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
