//! The SIEM stream: every audit event POSTed as JSON to a webhook, signed
//! with HMAC-SHA256, from a transactional outbox (queued by the database in
//! the event's own transaction) and retried with backoff, so none is lost
//! while the receiver is down and none is skipped by a late commit. Each event carries its
//! chain, place and hash, so the chain heads leave the database too and a
//! consistent rewrite inside it is still caught outside.

use crate::clock::Clock;
use crate::config::SiemArgs;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::Sha256;
use sqlx::PgPool;
use std::sync::Arc;

/// Events per delivery.
const BATCH: i64 = 200;
/// The longest pause between retries.
const MAX_BACKOFF_SECONDS: i64 = 300;

/// `sha256=<hex>` of the body under the shared secret.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The pause after `failures` failed deliveries in a row: 2, 4, 8 … seconds,
/// at most five minutes.
pub fn backoff(failures: i32) -> Duration {
    Duration::seconds((1i64 << failures.clamp(1, 20)).min(MAX_BACKOFF_SECONDS))
}

/// What one round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// Another server holds the cursor, or a retry is not due yet.
    Skipped,
    /// Nothing new to send.
    Idle,
    Delivered(usize),
    Failed(String),
}

use super::EventRecord as EventRow;

/// Turns queueing on: from now on every new event is queued for the SIEM
/// in its own transaction. (Events written before the stream was first
/// switched on are not sent.)
pub async fn enable(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("update chaperone.siem_state set enabled = true where id = 1 and not enabled")
        .execute(pool)
        .await?;
    Ok(())
}

/// One round: lock the oldest queued events (other servers skip them),
/// send them, and remove them only if the receiver accepted the batch.
pub async fn deliver_once(
    pool: &PgPool,
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Round, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let state: Option<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select failures, next_attempt_at from chaperone.siem_state where id = 1 for update skip locked",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some((failures, next_attempt_at)) = state else {
        return Ok(Round::Skipped);
    };
    if next_attempt_at.is_some_and(|at| at > now) {
        return Ok(Round::Skipped);
    }
    let events: Vec<EventRow> = sqlx::query_as(
        "select e.id, e.occurred_at, e.kind, e.actor_kind, e.actor_name, e.account_id, e.summary, e.detail,
                e.chain, e.seq, e.prev_hash, e.hash
         from chaperone.siem_outbox o join chaperone.events e on e.id = o.event_id
         order by o.event_id limit $1
         for update of o skip locked",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if events.is_empty() {
        return Ok(Round::Idle);
    }
    let body = json!({
        "events": events.iter().map(EventRow::to_json).collect::<Vec<_>>()
    })
    .to_string();
    let sent = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Chaperone-Signature", sign(secret, body.as_bytes()))
        .body(body)
        .send()
        .await;
    let outcome = match sent {
        Ok(res) if res.status().is_success() => Ok(()),
        Ok(res) => Err(format!("the receiver answered {}", res.status())),
        Err(err) => Err(format!("the receiver could not be reached: {err}")),
    };
    match outcome {
        Ok(()) => {
            let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
            sqlx::query("delete from chaperone.siem_outbox where event_id = any($1)")
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "update chaperone.siem_state set failures = 0, next_attempt_at = null, last_error = null where id = 1",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Round::Delivered(events.len()))
        }
        Err(why) => {
            let failures = failures + 1;
            sqlx::query(
                "update chaperone.siem_state set failures = $1, next_attempt_at = $2, last_error = $3 where id = 1",
            )
            .bind(failures)
            .bind(now + backoff(failures))
            .bind(&why)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Round::Failed(why))
        }
    }
}

/// Delivers until the process stops, when a webhook is configured. Safe on
/// every server: only the one holding the cursor sends.
pub async fn run(pool: PgPool, clock: Arc<dyn Clock>, args: SiemArgs) {
    let (Some(url), Some(secret)) = (args.webhook_url.clone(), args.secret.clone()) else {
        return;
    };
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "the SIEM stream cannot start");
            return;
        }
    };
    if let Err(err) = enable(&pool).await {
        tracing::error!(error = %err, "the SIEM stream cannot start");
        return;
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(args.every_ms.max(50)));
    loop {
        tick.tick().await;
        match deliver_once(&pool, &client, &url, secret.expose_secret(), clock.now()).await {
            Ok(Round::Failed(why)) => {
                tracing::warn!(%why, "SIEM delivery failed; it will be retried")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "SIEM delivery could not run"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(backoff(1), Duration::seconds(2));
        assert_eq!(backoff(3), Duration::seconds(8));
        assert_eq!(backoff(30), Duration::seconds(300));
    }
}
