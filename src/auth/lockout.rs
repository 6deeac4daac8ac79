//! Sign-in throttling: after 5 failures for one email from one address within
//! 15 minutes, further attempts for that pair are refused for 15 minutes.
//! Unknown emails are counted exactly like known ones, so the lock reveals
//! nothing. Emails are stored only as a keyed digest, never as typed (people
//! type passwords into email fields).

use super::Side;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

/// Who is being throttled: one side, one email, one client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockKey {
    pub side: Side,
    pub email_digest: String,
    pub ip: String,
}

impl LockKey {
    pub fn new(side: Side, normalized_email: &str, ip: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(side.as_str().as_bytes());
        hasher.update([0u8]);
        hasher.update(normalized_email.as_bytes());
        LockKey {
            side,
            email_digest: hex::encode(hasher.finalize()),
            ip: ip.to_string(),
        }
    }
}

/// Until when the key is locked, if it is locked at `now`.
pub async fn locked_until(
    pool: &PgPool,
    key: &LockKey,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let until = sqlx::query_scalar!(
        r#"select locked_until as "locked_until: DateTime<Utc>" from chaperone.sign_in_locks
           where side = $1 and email_digest = $2 and ip = $3 and locked_until > $4"#,
        key.side.as_str(),
        key.email_digest,
        key.ip,
        now as _
    )
    .fetch_optional(pool)
    .await?;
    Ok(until)
}

/// Records a failure; returns the lock's end if this failure locked the key.
pub async fn record_failure(
    tx: &mut Transaction<'_, Postgres>,
    key: &LockKey,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query!(
        "insert into chaperone.sign_in_failures (side, email_digest, ip, failed_at) values ($1, $2, $3, $4)",
        key.side.as_str(),
        key.email_digest,
        key.ip,
        now as _
    )
    .execute(&mut **tx)
    .await?;

    // Count failures in the window, but only those after any earlier lock
    // ended: a lock that has run out gives a fresh start.
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    let recent = sqlx::query_scalar!(
        r#"select count(*) as "count!" from chaperone.sign_in_failures f
           where f.side = $1 and f.email_digest = $2 and f.ip = $3
             and f.failed_at > $4 and f.failed_at <= $5
             and f.failed_at >= coalesce(
                   (select l.locked_until from chaperone.sign_in_locks l
                     where l.side = f.side and l.email_digest = f.email_digest and l.ip = f.ip),
                   '-infinity'::timestamptz)"#,
        key.side.as_str(),
        key.email_digest,
        key.ip,
        window_start as _,
        now as _
    )
    .fetch_one(&mut **tx)
    .await?;

    if recent < MAX_FAILURES {
        return Ok(None);
    }
    let until = now + Duration::minutes(LOCK_MINUTES);
    sqlx::query!(
        r#"insert into chaperone.sign_in_locks (side, email_digest, ip, locked_until)
           values ($1, $2, $3, $4)
           on conflict (side, email_digest, ip) do update set locked_until = excluded.locked_until"#,
        key.side.as_str(),
        key.email_digest,
        key.ip,
        until as _
    )
    .execute(&mut **tx)
    .await?;
    Ok(Some(until))
}

/// Forgets the failures of a key after a successful sign-in.
pub async fn clear(tx: &mut Transaction<'_, Postgres>, key: &LockKey) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from chaperone.sign_in_failures where side = $1 and email_digest = $2 and ip = $3",
        key.side.as_str(),
        key.email_digest,
        key.ip
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_side_and_never_hold_the_email() {
        let a = LockKey::new(Side::Staff, "sarah.lee@chaperone.test", "127.0.0.1");
        let b = LockKey::new(Side::Customer, "sarah.lee@chaperone.test", "127.0.0.1");
        assert_ne!(a.email_digest, b.email_digest);
        assert!(!a.email_digest.contains("sarah"));
        assert_eq!(
            a,
            LockKey::new(Side::Staff, "sarah.lee@chaperone.test", "127.0.0.1")
        );
    }
}
