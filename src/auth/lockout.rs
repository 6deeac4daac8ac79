//! Throttling of password checks (sign-in and the identity check before a
//! support session), without a race.
//!
//! Every attempt reserves its place *before* the password is checked: under
//! advisory locks on its keys, it counts the recent failures, writes itself
//! down as a failure, and locks the key when it is the one that reaches the
//! limit. A success then erases its own failures. So twenty parallel wrong
//! passwords get exactly five password checks and one lock, however they
//! interleave. Three limits apply, each over 15 minutes:
//!
//! - one email from one address: 5 failures lock that pair;
//! - one email from any address: 10 failures lock the email everywhere;
//! - one address over any emails (a spray): 20 failures lock the address.
//!
//! Unknown emails count exactly like known ones, so a lock reveals nothing.
//! Emails are stored only as a digest, never as typed (people type passwords
//! into email fields).

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Failures that lock one email from one address.
pub const MAX_FAILURES: i64 = 5;
/// Failures that lock one email from every address.
pub const MAX_FAILURES_PER_EMAIL: i64 = 10;
/// Failures that lock one address for every email.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

// The limits widen from the pair to the address, or the wider lock would
// trip first and the narrower one would never matter.
const _: () = assert!(MAX_FAILURES < MAX_FAILURES_PER_EMAIL);
const _: () = assert!(MAX_FAILURES_PER_EMAIL < MAX_FAILURES_PER_ADDRESS);

/// Stands for "any" in a lock row: any address, or any email.
const ANY: &str = "*";

/// Which door is being throttled: `staff`, `customer` or [`IDENTITY_CHECK`].
pub type Scope = &'static str;

/// The identity check before a support session: keyed by the staff member
/// alone, and only the per-person limit applies — one person's failures
/// never pause anyone else's check.
pub const IDENTITY_CHECK: Scope = "identity_check";

/// Who is being throttled: one door, one email, one client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockKey {
    pub scope: Scope,
    pub email_digest: String,
    pub ip: String,
}

impl LockKey {
    pub fn new(scope: Scope, normalized_email: &str, ip: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(scope.as_bytes());
        hasher.update([0u8]);
        hasher.update(normalized_email.as_bytes());
        LockKey {
            scope,
            email_digest: hex::encode(hasher.finalize()),
            ip: ip.to_string(),
        }
    }
}

/// What a reservation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Refused without checking the password: a lock holds until then.
    Locked(DateTime<Utc>),
    /// Check the password. `locks_until` is set when this attempt reached a
    /// limit: should it fail, the key stays locked until then.
    Allowed { locks_until: Option<DateTime<Utc>> },
}

/// Reserves one attempt for `key` at `now`, before the password is checked.
/// The attempt counts as a failure until [`succeeded`] erases it.
pub async fn reserve(
    pool: &PgPool,
    key: &LockKey,
    now: DateTime<Utc>,
) -> Result<Attempt, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // One reserver at a time per pair, per email and per address, always in
    // this order (so two reservers never wait on each other in a circle).
    for lock in [
        format!("pair:{}:{}:{}", key.scope, key.email_digest, key.ip),
        format!("email:{}:{}", key.scope, key.email_digest),
        format!("ip:{}:{}", key.scope, key.ip),
    ] {
        sqlx::query!(
            "select pg_advisory_xact_lock(hashtextextended($1, 0))",
            lock
        )
        .execute(&mut *tx)
        .await?;
    }
    let locked = sqlx::query_scalar!(
        r#"select max(locked_until) as "until: DateTime<Utc>" from chaperone.sign_in_locks
           where side = $1 and locked_until > $4
             and ((email_digest = $2 and ip = $3) or (email_digest = $2 and ip = '*')
                  or (email_digest = '*' and ip = $3))"#,
        key.scope,
        key.email_digest,
        key.ip,
        now as _
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(until) = locked {
        tx.commit().await?;
        return Ok(Attempt::Locked(until));
    }

    // Failures in the window, counting for the pair only those after its
    // last lock ended: a lock that has run out gives a fresh start.
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    let counts = sqlx::query!(
        r#"select
             count(*) filter (where f.email_digest = $2 and f.ip = $3 and f.failed_at >= coalesce(
                 (select l.locked_until from chaperone.sign_in_locks l
                   where l.side = $1 and l.email_digest = $2 and l.ip = $3), '-infinity'::timestamptz)) as "pair!",
             count(*) filter (where f.email_digest = $2) as "email!",
             count(*) filter (where f.ip = $3) as "address!"
           from chaperone.sign_in_failures f
           where f.side = $1 and (f.email_digest = $2 or f.ip = $3)
             and f.failed_at > $4 and f.failed_at <= $5"#,
        key.scope,
        key.email_digest,
        key.ip,
        window_start as _,
        now as _
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into chaperone.sign_in_failures (side, email_digest, ip, failed_at) values ($1, $2, $3, $4)",
        key.scope,
        key.email_digest,
        key.ip,
        now as _
    )
    .execute(&mut *tx)
    .await?;

    let until = now + Duration::minutes(LOCK_MINUTES);
    let mut locks_until = None;
    let wide = key.scope != IDENTITY_CHECK;
    for (count, limit, email_digest, ip) in [
        (
            counts.pair,
            MAX_FAILURES,
            key.email_digest.as_str(),
            key.ip.as_str(),
        ),
        (
            counts.email,
            MAX_FAILURES_PER_EMAIL,
            key.email_digest.as_str(),
            ANY,
        ),
        (
            counts.address,
            MAX_FAILURES_PER_ADDRESS,
            ANY,
            key.ip.as_str(),
        ),
    ]
    .into_iter()
    .take(if wide { 3 } else { 1 })
    {
        if count + 1 >= limit {
            lock(&mut tx, key.scope, email_digest, ip, until).await?;
            locks_until = Some(until);
        }
    }
    tx.commit().await?;
    Ok(Attempt::Allowed { locks_until })
}

async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    scope: Scope,
    email_digest: &str,
    ip: &str,
    until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into chaperone.sign_in_locks (side, email_digest, ip, locked_until)
           values ($1, $2, $3, $4)
           on conflict (side, email_digest, ip) do update set locked_until = excluded.locked_until"#,
        scope,
        email_digest,
        ip,
        until as _
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The password was right: forgets the pair's failures, including this
/// attempt's reservation, and a pair lock this attempt set.
pub async fn succeeded(conn: &mut PgConnection, key: &LockKey) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from chaperone.sign_in_failures where side = $1 and email_digest = $2 and ip = $3",
        key.scope,
        key.email_digest,
        key.ip
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from chaperone.sign_in_locks where side = $1 and email_digest = $2 and ip = $3",
        key.scope,
        key.email_digest,
        key.ip
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the latest lock on each of these emails ends — a lock of the email
/// from one address or from every address — where one holds at `now`, in
/// the order given. One query for the whole list (a staff page of hundreds
/// asks once, not once per person).
pub async fn locked_until_each(
    pool: &PgPool,
    scope: Scope,
    normalized_emails: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<Option<DateTime<Utc>>>, sqlx::Error> {
    let digests: Vec<String> = normalized_emails
        .iter()
        .map(|email| LockKey::new(scope, email, ANY).email_digest)
        .collect();
    let locked: std::collections::HashMap<String, DateTime<Utc>> = sqlx::query!(
        r#"select email_digest, max(locked_until) as "until!: DateTime<Utc>"
           from chaperone.sign_in_locks
           where side = $1 and email_digest = any($2) and locked_until > $3
           group by email_digest"#,
        scope,
        &digests,
        now as _
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.email_digest, r.until))
    .collect();
    Ok(digests.iter().map(|d| locked.get(d).copied()).collect())
}

/// An admin lifts every lock on this email and forgets its failures.
/// Returns how many locks there were.
pub async fn unlock(
    tx: &mut Transaction<'_, Postgres>,
    scope: Scope,
    normalized_email: &str,
) -> Result<u64, sqlx::Error> {
    let key = LockKey::new(scope, normalized_email, ANY);
    let locks = sqlx::query!(
        "delete from chaperone.sign_in_locks where side = $1 and email_digest = $2",
        key.scope,
        key.email_digest
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "delete from chaperone.sign_in_failures where side = $1 and email_digest = $2",
        key.scope,
        key.email_digest
    )
    .execute(&mut **tx)
    .await?;
    Ok(locks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_scope_and_never_hold_the_email() {
        let a = LockKey::new("staff", "sarah.lee@chaperone.test", "127.0.0.1");
        let b = LockKey::new("customer", "sarah.lee@chaperone.test", "127.0.0.1");
        assert_ne!(a.email_digest, b.email_digest);
        assert!(!a.email_digest.contains("sarah"));
        assert_eq!(
            a,
            LockKey::new("staff", "sarah.lee@chaperone.test", "127.0.0.1")
        );
    }
}
