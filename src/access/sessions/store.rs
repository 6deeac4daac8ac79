//! Support sessions in the database: loading the live one on each request,
//! counting activity, ending sessions for every cause, and the sweeper that
//! ends sessions whose deadline passed — and expires requests and approvals
//! nobody decided or used — even when nobody is looking.

use super::EndCause;
use crate::access::policy::Mode;
use crate::access::{StaffMember, SupportSession};
use crate::audit::{self, sentence, EventActor, Kind, NewEvent};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The login-session key holding the live support session's id.
pub const SESSION_KEY: &str = "chaperone.support_session";
/// The login-session key holding how this login's last support session
/// ended, and when: for a while afterwards, a product page opened (a tab
/// left open, the Back button) says the session ended, rather than "not
/// for this sign-in", and is not recorded as a visit through the wrong
/// door. Cleared at sign-in and at the next entry.
pub const ENDED_KEY: &str = "chaperone.support_session_ended";

/// How long after a session ended its tabs are told so.
const ENDED_NOTICE_MINUTES: i64 = 15;

/// Forgets the support session a login was in, remembering how it ended.
pub async fn forget(
    login: &tower_sessions::Session,
    cause: EndCause,
    at: DateTime<Utc>,
) -> Result<(), tower_sessions::session::Error> {
    login.remove::<Uuid>(SESSION_KEY).await?;
    login
        .insert(ENDED_KEY, (cause.as_str().to_string(), at))
        .await
}

/// How the last support session of this login ended, if it ended less
/// than a quarter of an hour before `now`.
pub async fn last_ended(
    login: &tower_sessions::Session,
    now: DateTime<Utc>,
) -> Result<Option<EndCause>, tower_sessions::session::Error> {
    // A value of another shape (an older server's) counts as none.
    Ok(login
        .get_value(ENDED_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<(String, DateTime<Utc>)>(v).ok())
        .filter(|(_, at)| now - *at < Duration::minutes(ENDED_NOTICE_MINUTES))
        .and_then(|(code, _)| EndCause::parse(&code)))
}

/// The state of a session named in a login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Live(SupportSession),
    Ended(EndCause),
    Missing,
}

/// What the guard needs on each staff request, in one round trip: the staff
/// member if still enabled, their stored password hash (a login made with
/// another is signed out) and, when their login names a support session
/// (`support_id`), that session's state — live with the viewed user's role
/// read now, ended and why, or missing. A live session whose deadline has
/// passed is ended now, with the deadline as its end time. `None` when the
/// staff member was removed or disabled.
pub async fn load_staff(
    pool: &PgPool,
    staff_id: Uuid,
    support_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<(StaffMember, String, Option<Loaded>)>, sqlx::Error> {
    let Some(r) = sqlx::query!(
        r#"select s.name, s.email, s.role, s.time_zone, s.must_change_password, s.password_hash,
                  ss.id as "session_id?", ss.account_id as "account_id?", ss.account_name as "account_name?",
                  ss.target_user_id as "target_user_id?", ss.target_user_name as "target_user_name?",
                  ss.target_role as "target_role?", ss.mode as "mode?", ss.reason as "reason?",
                  ss.ticket as "ticket?", ss.blocked as "refusals?",
                  ss.idle_deadline as "idle_deadline?: DateTime<Utc>",
                  ss.max_deadline as "max_deadline?: DateTime<Utc>",
                  ss.end_cause, u.role as "viewed_role?"
           from chaperone.staff s
           left join chaperone.support_sessions ss on ss.id = $2 and ss.staff_id = s.id
           left join product.users u on u.id = ss.target_user_id and u.account_id = ss.account_id
           where s.id = $1 and s.disabled_at is null"#,
        staff_id,
        support_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let staff = StaffMember {
        id: staff_id,
        name: r.name,
        email: r.email,
        role: decode(&r.role, |t| t.parse().ok())?,
        time_zone: r.time_zone.unwrap_or_else(|| "UTC".into()),
        must_change_password: r.must_change_password,
    };
    let hash = r.password_hash;
    let Some(id) = support_id else {
        return Ok(Some((staff, hash, None)));
    };
    if r.session_id.is_none() {
        return Ok(Some((staff, hash, Some(Loaded::Missing))));
    }
    if let Some(cause) = r.end_cause.as_deref() {
        return Ok(Some((
            staff,
            hash,
            Some(Loaded::Ended(decode(cause, EndCause::parse)?)),
        )));
    }
    // The session's columns are not null; the join found its row.
    let (idle_deadline, max_deadline) = (present(r.idle_deadline)?, present(r.max_deadline)?);
    let deadline = idle_deadline.min(max_deadline);
    if now >= deadline {
        let cause = if max_deadline <= idle_deadline {
            EndCause::MaxDuration
        } else {
            EndCause::IdleTimeout
        };
        end_alone(pool, id, deadline, cause).await?;
        // Whoever ended it (us or a sweeper), it ended at its deadline.
        return Ok(Some((staff, hash, Some(Loaded::Ended(cause)))));
    }
    let session = SupportSession {
        id,
        account_id: present(r.account_id)?,
        account_name: present(r.account_name)?,
        target_user_id: present(r.target_user_id)?,
        target_user_name: present(r.target_user_name)?,
        // Deny on doubt: a value that does not decode is an error, never a
        // default.
        target_role: decode(&present(r.target_role)?, |t| t.parse().ok())?,
        mode: decode(&present(r.mode)?, Mode::parse)?,
        reason: present(r.reason)?,
        ticket: present(r.ticket)?,
        idle_deadline,
        max_deadline,
        viewed_role: r
            .viewed_role
            .map(|role| decode(&role, |t| t.parse().ok()))
            .transpose()?,
        refusals: present(r.refusals)?,
    };
    Ok(Some((staff, hash, Some(Loaded::Live(session)))))
}

/// A column of a row an outer join found: present, or the row is not what
/// the schema promises.
fn present<T>(value: Option<T>) -> Result<T, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::Decode("a joined row is missing a not-null column".into()))
}

pub(super) fn decode<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(text).ok_or_else(|| sqlx::Error::Decode(format!("unexpected value {text:?}").into()))
}

/// Inside the caller's transaction: finds the session live (not ended, not
/// past its deadline), counts the activity — the idle deadline moves to
/// `now + idle`, never past the maximum — and returns its mode. The row
/// stays locked until the transaction ends, so an end or revoke that
/// commits first wins, and one that comes later waits for this change and
/// writes its end event after it. `None` when the session is not live.
/// The banner and polling never call this: they are not activity.
pub async fn touch_live(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    now: DateTime<Utc>,
    idle_minutes: i64,
) -> Result<Option<Mode>, sqlx::Error> {
    let mode = sqlx::query_scalar!(
        r#"update chaperone.support_sessions
           set last_activity_at = $2, idle_deadline = least($3, max_deadline)
           where id = $1 and ended_at is null and least(idle_deadline, max_deadline) > $2
           returning mode"#,
        id,
        now as _,
        (now + Duration::minutes(idle_minutes)) as _
    )
    .fetch_optional(&mut **tx)
    .await?;
    mode.map(|m| decode(&m, Mode::parse)).transpose()
}

/// [`touch_live`] and [`audit::append`] as one statement on its own
/// (autocommit): the session is found live, its activity counted and
/// `event` appended — both or neither, committed together before this
/// returns. One round trip instead of four for a page view, the commonest
/// request in a session. `None` when the session is not live (nothing was
/// written).
pub async fn touch_live_and_record(
    pool: &PgPool,
    id: Uuid,
    idle_minutes: i64,
    event: NewEvent,
) -> Result<Option<Mode>, sqlx::Error> {
    let now = event.occurred_at;
    let mode = sqlx::query_scalar!(
        r#"with live as (
             update chaperone.support_sessions
             set last_activity_at = $2, idle_deadline = least($3, max_deadline)
             where id = $1 and ended_at is null and least(idle_deadline, max_deadline) > $2
             returning mode
           ), recorded as (
             insert into chaperone.events
               (occurred_at, kind, actor_kind, actor_id, actor_name, account_id, summary, detail)
             select $2, $4, $5, $6, $7, $8, $9, $10 from live
             returning id
           )
           select live.mode from live, recorded"#,
        id,
        now as _,
        (now + Duration::minutes(idle_minutes)) as _,
        event.kind.as_str(),
        event.actor.kind(),
        event.actor.id(),
        event.actor.name(),
        event.account_id,
        event.summary(),
        event.detail,
    )
    .fetch_optional(pool)
    .await?;
    mode.map(|m| decode(&m, Mode::parse)).transpose()
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
    let actor = match cause {
        EndCause::EndedByAgent | EndCause::SignedOut | EndCause::PasswordChanged => {
            EventActor::Staff {
                id: r.staff_id,
                name: r.staff_name.clone(),
            }
        }
        _ => EventActor::System,
    };
    audit::append(
        tx,
        NewEvent::new(at, Kind::SessionEnded, actor)
            .about(r.account_id)
            .detail(json!({
                "session_id": id,
                "cause": cause.as_str(),
                "ended_at": sentence::at(at),
                "minutes": minutes,
                "staff": r.staff_name,
                "account": r.account_name,
                "as": r.target_user_name,
            })),
    )
    .await?;
    Ok(true)
}

/// [`end`] in a transaction of its own: for an end found while reading
/// (a deadline passed, a role changed), not as part of another change.
pub async fn end_alone(
    pool: &PgPool,
    id: Uuid,
    at: DateTime<Utc>,
    cause: EndCause,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let ended = end(&mut tx, id, at, cause).await?;
    tx.commit().await?;
    Ok(ended)
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
        let ended_one = async {
            let mut tx = pool.begin().await?;
            let done = end(&mut tx, r.id, r.idle.min(r.max), cause).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done)
        };
        match ended_one.await {
            Ok(true) => ended += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(session = %r.id, error = %err, "sweeper could not end a session")
            }
        }
    }
    Ok(ended)
}

/// What one round of the sweeper did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions_ended: u64,
    pub requests_expired: u64,
    pub approvals_lapsed: u64,
}

/// One round of the sweeper: ends sessions past their deadline, expires
/// requests nobody decided in time and lapses approvals nobody used, each
/// with its event — so time ends things even when no one opens them.
/// Each part runs even if the other failed; the first error is returned.
pub async fn sweep_all(pool: &PgPool, now: DateTime<Utc>) -> Result<Swept, sqlx::Error> {
    let sessions = sweep(pool, now).await;
    let requests = crate::access::approvals::expire_due(pool, now).await;
    let sessions_ended = sessions?;
    let (requests_expired, approvals_lapsed) = requests?;
    Ok(Swept {
        sessions_ended,
        requests_expired,
        approvals_lapsed,
    })
}

/// Runs [`sweep_all`] every `every` until the process stops.
pub async fn run_sweeper(
    pool: PgPool,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match sweep_all(&pool, clock.now()).await {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(
                sessions_ended = swept.sessions_ended,
                requests_expired = swept.requests_expired,
                approvals_lapsed = swept.approvals_lapsed,
                "sweeper ended what ran out of time"
            ),
            Err(err) => tracing::warn!(error = %err, "sweeper could not run"),
        }
    }
}
