//! The event log. Everything that matters is written here through one API,
//! [`append`], inside the caller's transaction, so a change and its event
//! commit together or not at all.
//!
//! The audit work adds the hash chain, the full sentence builder and the
//! viewer on top of this table; events already carry a plain-language
//! `summary` and keep names as they were when written.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// Who caused an event. Names are copied in, so renaming someone later
/// rewrites nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActor {
    Staff {
        id: Uuid,
        name: String,
    },
    Customer {
        id: Uuid,
        name: String,
    },
    /// Someone not signed in (a failed sign-in, for example).
    Anonymous,
    /// Chaperone itself (the sweeper, the seed command).
    System,
}

impl EventActor {
    fn kind(&self) -> &'static str {
        match self {
            EventActor::Staff { .. } => "staff",
            EventActor::Customer { .. } => "customer",
            EventActor::Anonymous => "anonymous",
            EventActor::System => "system",
        }
    }

    fn id(&self) -> Option<Uuid> {
        match self {
            EventActor::Staff { id, .. } | EventActor::Customer { id, .. } => Some(*id),
            _ => None,
        }
    }

    fn name(&self) -> &str {
        match self {
            EventActor::Staff { name, .. } | EventActor::Customer { name, .. } => name,
            EventActor::Anonymous => "Someone not signed in",
            EventActor::System => "Chaperone",
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub occurred_at: DateTime<Utc>,
    /// A stable machine name, e.g. `staff.sign_in_failed`.
    pub kind: &'static str,
    pub actor: EventActor,
    /// The customer account the event concerns, if any.
    pub account_id: Option<Uuid>,
    /// The first line a manager reads. Must never hold a raw sensitive value.
    pub summary: String,
    /// Technical detail underneath, already masked.
    pub detail: Value,
}

/// Writes one event inside the caller's transaction and returns its id.
pub async fn append(
    tx: &mut Transaction<'_, Postgres>,
    event: NewEvent,
) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"insert into chaperone.events
             (occurred_at, kind, actor_kind, actor_id, actor_name, account_id, summary, detail)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning id"#,
        event.occurred_at as _,
        event.kind,
        event.actor.kind(),
        event.actor.id(),
        event.actor.name(),
        event.account_id,
        event.summary,
        event.detail,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
