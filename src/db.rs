//! Connecting to Postgres and running migrations.

use secrecy::{ExposeSecret, SecretString};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// The migrations in `migrations/`, compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Opens a pool. Fails fast (5 s) when Postgres is unreachable, so requests
/// answer "unavailable" instead of hanging.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    // No JIT: Chaperone's queries are short, and at millions of events the
    // planner's estimates tipped a 2 ms timeline query into 25 ms of JIT
    // compilation (measured by `make bench-log`).
    let options = PgConnectOptions::from_str(url.expose_secret())?
        .application_name("chaperone")
        .options([("jit", "off")]);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Runs pending migrations as the owner role, then grants the support roles
/// exactly what the classification registry allows.
pub async fn migrate(owner_url: &SecretString) -> anyhow::Result<()> {
    let pool = connect(owner_url, 1).await?;
    MIGRATOR.run(&pool).await?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(&support_grants_sql())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    pool.close().await;
    Ok(())
}

/// The role a read-only support session, and every page read in a session,
/// runs product queries as.
pub const SUPPORT_READ_ROLE: &str = "chaperone_support_ro";
/// The role an edit session's changes run as.
pub const SUPPORT_WRITE_ROLE: &str = "chaperone_support_rw";
/// Switches the transaction to the support read role, seeing only
/// `account`'s rows (row-level security reads `chaperone.account`). A
/// simple query: execute it as a plain `&str`, without arguments.
pub fn as_support_reader(account: Uuid) -> String {
    format!(
        "set local role {SUPPORT_READ_ROLE}; {}",
        support_account(account)
    )
}
/// Begins a read-only transaction as the support read role, seeing only
/// `account`'s rows, in one round trip (a simple query may carry several
/// statements).
pub fn begin_read_as_support(account: Uuid) -> String {
    format!("begin read only; {}", as_support_reader(account))
}
/// Switches the transaction to the support write role, seeing and changing
/// only `account`'s rows. A simple query: execute it as a plain `&str`.
pub fn as_support_writer(account: Uuid) -> String {
    format!(
        "set local role {SUPPORT_WRITE_ROLE}; {}",
        support_account(account)
    )
}
/// A `Uuid` prints as hex digits and dashes only, so it is safe inside the
/// quotes.
fn support_account(account: Uuid) -> String {
    format!("set local chaperone.account = '{account}'")
}

/// Refuses to serve as a role that could rewrite history: a superuser, or
/// one that owns the events table (an owner can disable its triggers).
pub async fn check_serving_role(pool: &PgPool) -> anyhow::Result<()> {
    let (role, superuser, owns): (String, bool, bool) = sqlx::query_as(
        "select current_user::text, r.rolsuper, pg_has_role(current_user, c.relowner, 'member')
         from pg_roles r, pg_class c join pg_namespace n on n.oid = c.relnamespace
         where r.rolname = current_user and n.nspname = 'chaperone' and c.relname = 'events'",
    )
    .fetch_one(pool)
    .await?;
    if superuser || owns {
        anyhow::bail!(
            "refusing to serve as the database role {role}: it {} the audit log (chaperone.events) and could rewrite it. \
             Serve as the runtime login (DATABASE_URL, a member of chaperone_runtime) and run migrations as the owner (DATABASE_OWNER_URL); see the README",
            if superuser { "is a superuser, which bypasses the rules of" } else { "owns" }
        );
    }
    Ok(())
}

/// Refuses to serve when the server's role cannot switch to both support
/// roles: support sessions would otherwise fail at their first page.
pub async fn check_support_roles(pool: &PgPool) -> anyhow::Result<()> {
    let usable: i64 = sqlx::query_scalar(
        "select count(*) from pg_roles r where r.rolname = any($1) and pg_has_role(current_user, r.oid, 'member')",
    )
    .bind([SUPPORT_READ_ROLE, SUPPORT_WRITE_ROLE])
    .fetch_one(pool)
    .await?;
    if usable != 2 {
        anyhow::bail!(
            "the database roles {SUPPORT_READ_ROLE} and {SUPPORT_WRITE_ROLE} must exist, with the server's role a member of both; \
             as a superuser: create role {SUPPORT_READ_ROLE} nologin; create role {SUPPORT_WRITE_ROLE} nologin; \
             grant {SUPPORT_READ_ROLE}, {SUPPORT_WRITE_ROLE} to chaperone_runtime; (see the README)"
        );
    }
    Ok(())
}

/// Columns support never changes, even in an edit session, besides every
/// table's `id` and `account_id`: what ties a row to its owner, and what
/// decides who may get in — a bug in Rust must not move rows between
/// accounts, switch off the customer's support-access policy, promote a
/// user or change the address they sign in with.
pub const SUPPORT_NEVER_UPDATES: &[(&str, &str)] = &[
    ("accounts", "support_access"),
    ("accounts", "sensitive"),
    ("accounts", "plan"),
    ("users", "role"),
    ("users", "email"),
    ("invoice_lines", "invoice_id"),
    ("invoices", "workspace_id"),
    ("notification_settings", "user_id"),
    ("notes", "author_id"),
    ("api_tokens", "created_by"),
    ("invitations", "invited_by"),
];

/// The support roles' privileges on the product schema, generated from the
/// registry: both may read, column by column, only what support may see in
/// some form (public, contact, payment); the write role may also insert and
/// update those columns and delete rows (deleting is a blocked action that
/// needs a one-action approval). Nothing is granted on secret, identity,
/// private or unclassified columns, and nothing at all is writable by the
/// read role. Revoked and granted afresh at every migrate.
pub fn support_grants_sql() -> String {
    use crate::classification::{DataClass, PRODUCT_COLUMNS};
    use std::collections::BTreeMap;
    let (ro, rw) = (SUPPORT_READ_ROLE, SUPPORT_WRITE_ROLE);
    let mut visible: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut changeable: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (table, column, class) in PRODUCT_COLUMNS {
        if matches!(
            class,
            DataClass::Public | DataClass::Contact | DataClass::Payment
        ) {
            visible.entry(table).or_default().push(column);
            if !SUPPORT_NEVER_UPDATES.contains(&(*table, *column))
                && !matches!(*column, "id" | "account_id")
            {
                changeable.entry(table).or_default().push(column);
            }
        }
    }
    let mut sql = format!("revoke all on all tables in schema product from {ro}, {rw};\n");
    for (table, columns) in &visible {
        if columns.is_empty() {
            continue;
        }
        let cols = columns.join(", ");
        sql.push_str(&format!(
            "grant select ({cols}) on product.{table} to {ro}, {rw};\n\
             grant insert ({cols}) on product.{table} to {rw};\n\
             grant delete on product.{table} to {rw};\n"
        ));
        if let Some(update) = changeable.get(table) {
            let update = update.join(", ");
            sql.push_str(&format!(
                "grant update ({update}) on product.{table} to {rw};\n"
            ));
        }
    }
    sql
}

/// Escapes `%`, `_` and `\` so typed text matches literally in `ILIKE`:
/// the text anywhere.
pub fn like_pattern(q: &str) -> String {
    format!("%{}", like_prefix(q))
}

/// Like [`like_pattern`], for text at the start only (which a btree with
/// `text_pattern_ops` finds without the trigram index).
pub fn like_prefix(q: &str) -> String {
    let mut out = String::new();
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_grants_come_from_the_registry_and_skip_what_must_stay_hidden() {
        let sql = support_grants_sql();
        assert!(sql.starts_with("revoke all on all tables in schema product"));
        let users = sql
            .lines()
            .find(|l| l.starts_with("grant select") && l.contains("on product.users "))
            .expect("users are readable in part");
        for visible in ["email", "name", "phone", "backup_email"] {
            assert!(users.contains(visible), "{visible}: {users}");
        }
        for hidden in [
            "password_hash",
            "birth_date",
            "national_id",
            "recovery_codes_hash",
        ] {
            assert!(!users.contains(hidden), "{hidden}: {users}");
        }
        assert!(!sql.contains("body"), "private notes are never granted");
        assert!(!sql.contains("token_hash"));
        let users_update = sql
            .lines()
            .find(|l| l.starts_with("grant update") && l.contains("on product.users "))
            .expect("some user columns are changeable");
        for never in ["(id", " id,", "account_id", "role", " email"] {
            assert!(!users_update.contains(never), "{never}: {users_update}");
        }
        for line in sql.lines().filter(|l| {
            l.starts_with("grant insert")
                || l.starts_with("grant update")
                || l.starts_with("grant delete")
        }) {
            assert!(
                !line.contains(SUPPORT_READ_ROLE),
                "the read role writes nothing: {line}"
            );
        }
    }

    #[test]
    fn the_role_statements_name_the_role_and_the_account() {
        let account = uuid::Uuid::from_u128(0xabc);
        let set = "set local chaperone.account = '00000000-0000-0000-0000-000000000abc'";
        assert_eq!(
            as_support_reader(account),
            format!("set local role {SUPPORT_READ_ROLE}; {set}")
        );
        assert_eq!(
            as_support_writer(account),
            format!("set local role {SUPPORT_WRITE_ROLE}; {set}")
        );
        assert_eq!(
            begin_read_as_support(account),
            format!("begin read only; {}", as_support_reader(account))
        );
    }

    #[test]
    fn wildcards_typed_by_people_match_literally() {
        assert_eq!(like_pattern("50%_off"), "%50\\%\\_off%");
        assert_eq!(like_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(like_pattern("INV"), "%INV%");
        assert_eq!(like_prefix("50%_off"), "50\\%\\_off%");
    }
}
