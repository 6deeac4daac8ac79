//! Support sessions on the server: loading the live one on each request,
//! counting activity, ending sessions for every cause, and the sweeper that
//! ends sessions whose deadline passed even when nobody is looking.

use super::policy::Mode;
use super::SupportSession;
use crate::audit::{self, EventActor, NewEvent};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The login-session key holding the live support session's id.
pub const SESSION_KEY: &str = "chaperone.support_session";

/// Why a support session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    EndedByAgent,
    IdleTimeout,
    MaxDuration,
    RevokedByManager,
    RevokedByCustomer,
    SignedOut,
}

impl EndCause {
    pub fn as_str(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => "ended_by_agent",
            EndCause::IdleTimeout => "idle_timeout",
            EndCause::MaxDuration => "max_duration",
            EndCause::RevokedByManager => "revoked_by_manager",
            EndCause::RevokedByCustomer => "revoked_by_customer",
            EndCause::SignedOut => "signed_out",
        }
    }

    pub fn parse(text: &str) -> Option<EndCause> {
        [
            EndCause::EndedByAgent,
            EndCause::IdleTimeout,
            EndCause::MaxDuration,
            EndCause::RevokedByManager,
            EndCause::RevokedByCustomer,
            EndCause::SignedOut,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }

    /// The sentence the agent reads back in the console.
    pub fn explanation(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => "You ended the support session.",
            EndCause::IdleTimeout => "The support session ended because it was idle for too long.",
            EndCause::MaxDuration => "The support session reached its maximum duration and ended.",
            EndCause::RevokedByManager => "A manager ended your support session.",
            EndCause::RevokedByCustomer => "The customer ended your support session.",
            EndCause::SignedOut => "The support session ended when you signed out.",
        }
    }

    fn words(self) -> &'static str {
        match self {
            EndCause::EndedByAgent => "ended by the agent",
            EndCause::IdleTimeout => "ended after being idle",
            EndCause::MaxDuration => "ended at its maximum duration",
            EndCause::RevokedByManager => "ended by a manager",
            EndCause::RevokedByCustomer => "ended by the customer",
            EndCause::SignedOut => "ended when the agent signed out",
        }
    }
}

/// The state of a session named in a login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Live(SupportSession),
    Ended(EndCause),
    Missing,
}

/// Loads a staff member's session; one whose deadline has passed is ended
/// now, with the deadline as its end time.
pub async fn load(
    pool: &PgPool,
    staff_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Loaded, sqlx::Error> {
    let Some(r) = sqlx::query!(
        r#"select account_id, account_name, target_user_id, target_user_name, target_role, mode, reason, ticket,
                  idle_deadline as "idle_deadline: DateTime<Utc>", max_deadline as "max_deadline: DateTime<Utc>",
                  end_cause
           from chaperone.support_sessions where id = $1 and staff_id = $2"#,
        id,
        staff_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(Loaded::Missing);
    };
    if let Some(cause) = r.end_cause.as_deref().and_then(EndCause::parse) {
        return Ok(Loaded::Ended(cause));
    }
    let deadline = r.idle_deadline.min(r.max_deadline);
    if now >= deadline {
        let cause = if r.max_deadline <= r.idle_deadline {
            EndCause::MaxDuration
        } else {
            EndCause::IdleTimeout
        };
        let mut tx = pool.begin().await?;
        end(&mut tx, id, deadline, cause).await?;
        tx.commit().await?;
        // Whoever ended it (us or a sweeper), it ended at its deadline.
        return Ok(Loaded::Ended(cause));
    }
    Ok(Loaded::Live(SupportSession {
        id,
        account_id: r.account_id,
        account_name: r.account_name,
        target_user_id: r.target_user_id,
        target_user_name: r.target_user_name,
        target_role: r
            .target_role
            .parse()
            .unwrap_or(crate::customers::CustomerRole::Member),
        mode: Mode::parse(&r.mode).unwrap_or(Mode::ReadOnly),
        reason: r.reason,
        ticket: r.ticket,
        idle_deadline: r.idle_deadline,
        max_deadline: r.max_deadline,
    }))
}

/// Counts activity: the idle deadline moves to `now + idle`, never past the
/// maximum. The banner and polling never call this.
pub async fn touch(
    pool: &PgPool,
    id: Uuid,
    now: DateTime<Utc>,
    idle_minutes: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update chaperone.support_sessions
           set last_activity_at = $2, idle_deadline = least($3, max_deadline)
           where id = $1 and ended_at is null and least(idle_deadline, max_deadline) > $2"#,
        id,
        now as _,
        (now + Duration::minutes(idle_minutes)) as _
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends a live session at `at` with `cause` and records it, in the caller's
/// transaction. Returns false when it had already ended (nothing written),
/// so concurrent enders never end a session twice.
pub async fn end(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    at: DateTime<Utc>,
    cause: EndCause,
) -> Result<bool, sqlx::Error> {
    let Some(r) = sqlx::query!(
        r#"update chaperone.support_sessions set ended_at = $2, end_cause = $3
           where id = $1 and ended_at is null
           returning staff_id, staff_name, account_id, account_name, target_user_name,
                     started_at as "started_at: DateTime<Utc>""#,
        id,
        at as _,
        cause.as_str()
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    let minutes = (at - r.started_at).num_minutes().max(0);
    audit::append(
        tx,
        NewEvent {
            occurred_at: at,
            kind: "support.session_ended",
            actor: match cause {
                EndCause::EndedByAgent | EndCause::SignedOut => EventActor::Staff {
                    id: r.staff_id,
                    name: r.staff_name.clone(),
                },
                _ => EventActor::System,
            },
            account_id: Some(r.account_id),
            summary: format!(
                "{}'s support session in {} (viewing as {}) {} after {minutes} min",
                r.staff_name,
                r.account_name,
                r.target_user_name,
                cause.words()
            ),
            detail: json!({ "session_id": id, "cause": cause.as_str(), "ended_at": at }),
        },
    )
    .await?;
    Ok(true)
}

/// Ends every session whose deadline has passed, at its deadline. Safe to
/// run on every server at once: [`end`] updates only a session that is still
/// live, so each is ended once. Returns how many this call ended.
pub async fn sweep(pool: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let due = sqlx::query!(
        r#"select id, idle_deadline as "idle: DateTime<Utc>", max_deadline as "max: DateTime<Utc>"
           from chaperone.support_sessions
           where ended_at is null and least(idle_deadline, max_deadline) <= $1"#,
        now as _
    )
    .fetch_all(pool)
    .await?;
    let mut ended = 0;
    // One transaction per session: a failure ends one attempt, not the batch.
    // `end` only ends what is still live, so a racing sweeper (or the request
    // path) cannot end a session twice.
    for r in due {
        let cause = if r.max <= r.idle {
            EndCause::MaxDuration
        } else {
            EndCause::IdleTimeout
        };
        let mut tx = pool.begin().await?;
        if end(&mut tx, r.id, r.idle.min(r.max), cause).await? {
            ended += 1;
        }
        tx.commit().await?;
    }
    Ok(ended)
}

/// Runs [`sweep`] every `every` until the process stops.
pub async fn run_sweeper(
    pool: PgPool,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match sweep(&pool, clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                ended = n,
                "sweeper ended support sessions past their deadline"
            ),
            Err(err) => tracing::warn!(error = %err, "sweeper could not run"),
        }
    }
}
