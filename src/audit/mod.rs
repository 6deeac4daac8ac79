//! The event log. Everything that matters is written here through one API,
//! [`append`], inside the caller's transaction, so a change and its event
//! commit together or not at all.
//!
//! The table is append-only for every role (a trigger refuses UPDATE,
//! DELETE and TRUNCATE) and hash-chained by the database as events are
//! inserted (see the migration `audit_chain`); [`verify`] walks the chains.
//! Events keep their facts (names as they were when written, values already
//! masked) in `detail`; [`sentence`] turns them into the plain-language line
//! a manager reads, stored once in UTC as `summary` and rendered again in
//! each reader's time zone.

pub mod sentence;
pub mod siem;
pub mod verify;

pub use sentence::Kind;

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
    /// The `actor_kind` column (events are written by `append` and by
    /// `sessions::touch_live_and_record` and `sessions::ViewRecorder`,
    /// nowhere else).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            EventActor::Staff { .. } => "staff",
            EventActor::Customer { .. } => "customer",
            EventActor::Anonymous => "anonymous",
            EventActor::System => "system",
        }
    }

    /// The `actor_id` column.
    pub(crate) fn id(&self) -> Option<Uuid> {
        match self {
            EventActor::Staff { id, .. } | EventActor::Customer { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The name written into the event, as it is now.
    pub fn name(&self) -> &str {
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
    pub kind: Kind,
    pub actor: EventActor,
    /// The customer account the event concerns, if any.
    pub account_id: Option<Uuid>,
    /// The facts the sentence is made from, already masked: never a raw
    /// sensitive value.
    pub detail: Value,
}

impl NewEvent {
    /// The one way to start an event: when, what kind, by whom. Add the
    /// account and the facts with [`NewEvent::about`] and
    /// [`NewEvent::detail`]; the sentence is made from them.
    pub fn new(occurred_at: DateTime<Utc>, kind: Kind, actor: impl Into<EventActor>) -> NewEvent {
        NewEvent {
            occurred_at,
            kind,
            actor: actor.into(),
            account_id: None,
            detail: Value::Object(Default::default()),
        }
    }

    /// The first line a manager reads, in UTC: what is stored as `summary`.
    pub fn summary(&self) -> String {
        sentence::sentence(self.kind, self.actor.name(), &self.detail, chrono_tz::UTC)
    }

    /// The customer account the event concerns.
    pub fn about(mut self, account_id: Uuid) -> NewEvent {
        self.account_id = Some(account_id);
        self
    }

    /// Technical detail underneath the sentence, already masked by column;
    /// free text is scrubbed here of card numbers and API tokens typed into
    /// it, since the log can never be changed afterwards.
    pub fn detail(mut self, mut detail: Value) -> NewEvent {
        crate::masking::scrub_json(&mut detail);
        self.detail = detail;
        self
    }
}

/// The actor an event names: the staff member (also inside a support
/// session — never the customer they view as), or the customer user.
impl From<&crate::access::Actor> for EventActor {
    fn from(actor: &crate::access::Actor) -> EventActor {
        use crate::access::Actor;
        match actor {
            Actor::Staff(s) | Actor::Support(s, _) => s.into(),
            Actor::Customer(c) => EventActor::Customer {
                id: c.id,
                name: c.name.clone(),
            },
        }
    }
}

impl From<&crate::access::StaffMember> for EventActor {
    fn from(staff: &crate::access::StaffMember) -> EventActor {
        EventActor::Staff {
            id: staff.id,
            name: staff.name.clone(),
        }
    }
}

/// An event as stored, with its place in its chain: what exports and the
/// SIEM stream send. Never shown to the product; already masked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: String,
    pub actor_kind: String,
    pub actor_name: String,
    pub account_id: Option<Uuid>,
    pub summary: String,
    pub detail: Value,
    pub chain: String,
    pub seq: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl EventRecord {
    /// The columns to select for it, in order.
    pub const COLUMNS: &'static str = "id, occurred_at, kind, actor_kind, actor_name, account_id, summary, detail, chain, seq, prev_hash, hash";

    /// As JSON, hashes in hex.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "occurred_at": self.occurred_at,
            "kind": self.kind,
            "actor_kind": self.actor_kind,
            "actor_name": self.actor_name,
            "account_id": self.account_id,
            "summary": self.summary,
            "detail": self.detail,
            "chain": self.chain,
            "seq": self.seq,
            "prev_hash": hex::encode(&self.prev_hash),
            "hash": hex::encode(&self.hash),
        })
    }
}

/// Writes one event in a transaction of its own: for what is recorded on
/// its own — a refusal, a failed check — with no change to commit with it.
pub async fn record(pool: &sqlx::PgPool, event: NewEvent) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a refusal's event on its own and returns the refusal to answer
/// with — or, if the record cannot be written, that error instead (nothing
/// is refused silently).
pub async fn refused<E: From<sqlx::Error>>(pool: &sqlx::PgPool, event: NewEvent, refusal: E) -> E {
    match record(pool, event).await {
        Ok(_) => refusal,
        Err(err) => err.into(),
    }
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
        event.kind.as_str(),
        event.actor.kind(),
        event.actor.id(),
        event.actor.name(),
        event.account_id,
        event.summary(),
        event.detail,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
