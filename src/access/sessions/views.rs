//! Page views in support sessions, recorded in batches.
//!
//! A page view is the commonest request in a session, and each one must be
//! on the record before its page is shown. Written one statement and one
//! commit per view, the database spent most of a view on the statement and
//! the commit rather than on the event; eight views in one statement cost
//! about as much as three written alone (measured with `pgbench` on the
//! bench database).
//!
//! So views queue here, and a few writers take whatever is waiting and
//! write it as one statement: each session found live, its activity
//! counted, its event appended, all committed together. Every request still
//! waits for its own answer — the page is shown only once its event is
//! committed — and a session that ended gets no event and an error, exactly
//! as before. Nothing waits for a batch to fill: a writer takes what is
//! there, so under light load a batch is one view.
//!
//! If a batch fails, each of its views is written alone, so one bad view
//! cannot fail the others' pages.

use super::store::decode;
use super::touch_live_and_record;
use crate::access::policy::Mode;
use crate::audit::NewEvent;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

/// How many writers may have a batch in the database at once.
const WRITERS: usize = 4;
/// The most views in one statement.
const MAX_BATCH: usize = 64;

type Answer = Result<Option<Mode>, sqlx::Error>;

struct Pending {
    session: Uuid,
    idle_minutes: i64,
    event: NewEvent,
    reply: oneshot::Sender<Answer>,
}

/// The queue page views are recorded through (one per server).
#[derive(Clone)]
pub struct ViewRecorder {
    queue: mpsc::Sender<Pending>,
}

impl ViewRecorder {
    /// Starts the writers. Call inside the Tokio runtime.
    pub fn start(pool: PgPool) -> ViewRecorder {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH * WRITERS);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WRITERS {
            tokio::spawn(write_batches(pool.clone(), rx.clone()));
        }
        ViewRecorder { queue }
    }

    /// Records `event` as a view in support session `session`: the session
    /// is found live, its activity counted and the event appended, both or
    /// neither, committed before this returns. `None` when the session is
    /// not live (nothing was written).
    pub async fn record(
        &self,
        session: Uuid,
        idle_minutes: i64,
        event: NewEvent,
    ) -> Result<Option<Mode>, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            session,
            idle_minutes,
            event,
            reply,
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }
}

async fn write_batches(pool: PgPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        // A session viewed twice in one batch (two tabs) is written in a
        // later round: one statement updates each session row once.
        for round in rounds(batch, |p| p.session) {
            write_round(&pool, round).await;
        }
    }
}

/// Splits `items` into rounds in which no key appears twice, keeping each
/// key's items in their order: the first of each key in the first round,
/// the second in the second, and so on.
fn rounds<T>(items: Vec<T>, key: impl Fn(&T) -> Uuid) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut seen: HashMap<Uuid, usize> = HashMap::new();
    for item in items {
        let n = seen.entry(key(&item)).or_insert(0);
        if *n == out.len() {
            out.push(Vec::new());
        }
        out[*n].push(item);
        *n += 1;
    }
    out
}

async fn write_round(pool: &PgPool, round: Vec<Pending>) {
    if round.len() == 1 {
        let p = round.into_iter().next().expect("one view");
        let answer = touch_live_and_record(pool, p.session, p.idle_minutes, p.event).await;
        let _ = p.reply.send(answer);
        return;
    }
    match write_many(pool, &round).await {
        Ok(live) => {
            for (i, p) in round.into_iter().enumerate() {
                let _ = p.reply.send(Ok(live.get(&i).copied()));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, views = round.len(), "a batch of page views failed; writing each alone");
            for p in round {
                let answer = touch_live_and_record(pool, p.session, p.idle_minutes, p.event).await;
                let _ = p.reply.send(answer);
            }
        }
    }
}

/// One statement for a round (no session twice): the live sessions'
/// positions in `round`, with their modes. Views of sessions not live are
/// absent, and nothing was written for them.
async fn write_many(pool: &PgPool, round: &[Pending]) -> Result<HashMap<usize, Mode>, sqlx::Error> {
    let n = round.len();
    let mut sessions = Vec::with_capacity(n);
    let mut at: Vec<DateTime<Utc>> = Vec::with_capacity(n);
    let mut idle: Vec<DateTime<Utc>> = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut actor_kinds = Vec::with_capacity(n);
    let mut actor_ids = Vec::with_capacity(n);
    let mut actor_names = Vec::with_capacity(n);
    let mut accounts = Vec::with_capacity(n);
    let mut summaries = Vec::with_capacity(n);
    let mut details = Vec::with_capacity(n);
    for p in round {
        let e = &p.event;
        sessions.push(p.session);
        at.push(e.occurred_at);
        idle.push(e.occurred_at + Duration::minutes(p.idle_minutes));
        kinds.push(e.kind.as_str().to_string());
        actor_kinds.push(e.actor.kind().to_string());
        actor_ids.push(e.actor.id());
        actor_names.push(e.actor.name().to_string());
        accounts.push(e.account_id);
        summaries.push(e.summary());
        details.push(e.detail.clone());
    }
    // The sessions' rows are locked in id order first: two writers whose
    // batches share sessions then wait for each other instead of
    // deadlocking. The event's column list is the one in `audit::append` and
    // `touch_live_and_record`; `query!` needs it written out here.
    let rows = sqlx::query!(
        r#"with input as (
             select * from unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[],
                                  $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::jsonb[])
                    with ordinality as i(session_id, at, idle_deadline, kind, actor_kind, actor_id,
                                         actor_name, account_id, summary, detail, ord)
           ), locked as (
             select id from chaperone.support_sessions
             where id = any($1) order by id for update
           ), live as (
             update chaperone.support_sessions s
             set last_activity_at = i.at, idle_deadline = least(i.idle_deadline, s.max_deadline)
             from input i join locked l on l.id = i.session_id
             where s.id = i.session_id and s.ended_at is null and least(s.idle_deadline, s.max_deadline) > i.at
             returning i.ord, s.mode
           ), recorded as (
             insert into chaperone.events
               (occurred_at, kind, actor_kind, actor_id, actor_name, account_id, summary, detail)
             select i.at, i.kind, i.actor_kind, i.actor_id, i.actor_name, i.account_id, i.summary, i.detail
             from input i join live using (ord)
             order by i.ord
             returning 1
           )
           select live.ord as "ord!", live.mode as "mode!" from live"#,
        &sessions,
        &at as _,
        &idle as _,
        &kinds,
        &actor_kinds,
        &actor_ids as _,
        &actor_names,
        &accounts as _,
        &summaries,
        &details,
    )
    .fetch_all(pool)
    .await?;
    let mut live = HashMap::with_capacity(rows.len());
    for r in rows {
        let mode = decode(&r.mode, Mode::parse)?;
        live.insert(
            usize::try_from(r.ord - 1).map_err(|e| sqlx::Error::Decode(e.into()))?,
            mode,
        );
    }
    Ok(live)
}

#[cfg(test)]
mod tests {
    use super::rounds;
    use uuid::Uuid;

    #[test]
    fn a_session_viewed_twice_in_a_batch_is_written_in_a_later_round_in_order() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let items = vec![(a, 1), (b, 2), (a, 3), (c, 4), (a, 5), (b, 6)];
        let out = rounds(items, |(k, _)| *k);
        assert_eq!(
            out,
            vec![
                vec![(a, 1), (b, 2), (c, 4)],
                vec![(a, 3), (b, 6)],
                vec![(a, 5)],
            ]
        );
    }

    #[test]
    fn distinct_sessions_make_one_round() {
        let items: Vec<_> = (0..10u128).map(|i| (Uuid::from_u128(i), i)).collect();
        let out = rounds(items.clone(), |(k, _)| *k);
        assert_eq!(out, vec![items]);
    }
}
