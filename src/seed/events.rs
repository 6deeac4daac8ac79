//! `chaperone seed events --count N`: generates N audit events in valid
//! chains — finished support sessions over the last 90 days, each with its
//! request, page views, sometimes a change or a blocked attempt, and its
//! end — for measuring the session log and `verify-audit` at scale.
//!
//! How: the events' hashes are computed here, exactly as `verify-audit`
//! recomputes them, and the rows are streamed with `COPY`. The database's
//! linking trigger would do the same one row at a time, too slowly for
//! millions, so each batch runs in one transaction that holds the events
//! table exclusively, turns the insert triggers off, loads, writes the new
//! chains' heads and turns the triggers back on: no other append can happen
//! while they are off (generated history notifies no owner). Every
//! generated session has a chain of its own, so
//! no chain a live server appends to is touched. Runs as the owner role
//! (only the table's owner may turn its triggers off).

use super::scale::copy;
use crate::audit::{sentence, Kind};
use chrono::{DateTime, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::fmt::Write as _;
use std::time::Instant;
use uuid::Uuid;

/// Events per transaction.
const BATCH_EVENTS: u64 = 200_000;
const PAGES: [&str; 6] = [
    "Dashboard",
    "Billing › Invoices",
    "Billing › Tax settings",
    "Orders",
    "Team",
    "Settings › Notifications",
];
const REASONS: [&str; 4] = [
    "Check invoice tax rate",
    "Customer cannot find last month's order",
    "Walk the owner through team roles",
    "Notification emails stopped arriving",
];

/// What a run did.
#[derive(Debug, Clone)]
pub struct EventsReport {
    pub events: u64,
    pub sessions: u64,
    pub elapsed: std::time::Duration,
}

struct Staff {
    id: Uuid,
    name: String,
}

struct Target {
    account_id: Uuid,
    account_name: String,
    user_id: Uuid,
    user_name: String,
    role: String,
}

/// Postgres's text form of a `jsonb` value — keys ordered by length, then
/// bytes; `", "` and `": "` between items — which the event hash covers.
pub fn jsonb_text(value: &Value) -> String {
    let mut out = String::new();
    write_jsonb(value, &mut out);
    out
}

fn write_jsonb(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(&Value::String(k.clone()), out);
                out.push_str(": ");
                write_jsonb(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(v, out);
            }
            out.push(']');
        }
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if (c as u32) < 0x20 => {
                        let _ = write!(out, "\\u{:04x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Times as the hash covers them: UTC, to the microsecond.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Text for `COPY … FROM STDIN` (text format).
fn copy_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// One chain being written: its name, its last place and hash.
struct Chain {
    name: String,
    seq: i64,
    head: [u8; 32],
}

/// Appends events to the COPY text, hashing each as `verify-audit` does.
struct EventWriter {
    next_id: i64,
    rows: String,
    written: u64,
}

impl EventWriter {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        chain: &mut Chain,
        at: DateTime<Utc>,
        kind: Kind,
        actor: (&str, Option<Uuid>, &str),
        account_id: Uuid,
        detail: Value,
    ) {
        let (actor_kind, actor_id, actor_name) = actor;
        let id = self.next_id;
        self.next_id += 1;
        chain.seq += 1;
        let summary = sentence::sentence(kind, actor_name, &detail, chrono_tz::UTC);
        let detail = jsonb_text(&detail);
        let prev = hex::encode(chain.head);
        let (id_text, seq_text, when) = (id.to_string(), chain.seq.to_string(), stamp(at));
        let actor_id_text = actor_id.map(|a| a.to_string()).unwrap_or_default();
        let account_text = account_id.to_string();
        let fields: [&str; 13] = [
            &id_text,
            &chain.name,
            &seq_text,
            &prev,
            &when,
            &when,
            kind.as_str(),
            actor_kind,
            &actor_id_text,
            actor_name,
            &account_text,
            &summary,
            &detail,
        ];
        let mut h = Sha256::new();
        for field in fields {
            h.update(field.chars().count().to_string().as_bytes());
            h.update(b":");
            h.update(field.as_bytes());
        }
        let hash: [u8; 32] = h.finalize().into();
        let _ = writeln!(
            self.rows,
            "{id}\t{when}\t{when}\t{}\t{actor_kind}\t{}\t{}\t{account_text}\t{}\t{}\t{}\t{}\t\\\\x{prev}\t\\\\x{}",
            kind.as_str(),
            if actor_id_text.is_empty() { "\\N" } else { &actor_id_text },
            copy_text(actor_name),
            copy_text(&summary),
            copy_text(&detail),
            chain.name,
            chain.seq,
            hex::encode(hash)
        );
        chain.head = hash;
        self.written += 1;
    }
}

/// Generates about `count` events (whole sessions) ending now.
pub async fn seed_events(
    pool: &PgPool,
    count: u64,
    show_progress: bool,
) -> anyhow::Result<EventsReport> {
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    let staff: Vec<Staff> = sqlx::query_as::<_, (Uuid, String)>(
        "select id, name from chaperone.staff
         where disabled_at is null and role in ('agent', 'senior_agent', 'engineer')
         order by email",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(id, name)| Staff { id, name })
    .collect();
    let targets: Vec<Target> = sqlx::query_as::<_, (Uuid, String, Uuid, String, String)>(
        "select a.id, a.name, u.id, u.name, u.role from product.accounts a
         cross join lateral (select id, name, role from product.users
                             where account_id = a.id order by role limit 1) u
         order by a.id limit 2000",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(
        |(account_id, account_name, user_id, user_name, role)| Target {
            account_id,
            account_name,
            user_id,
            user_name,
            role,
        },
    )
    .collect();
    if staff.is_empty() || targets.is_empty() {
        anyhow::bail!("seed events needs agents and accounts: run `chaperone seed demo` first");
    }

    let bar = if show_progress {
        ProgressBar::new(count)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} events ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Sessions of about 50 events each, spread over the last 90 days.
    let sessions = (count / 50).max(1);
    let now = Utc::now();
    let span = Duration::days(90);
    let step = span / i32::try_from(sessions).unwrap_or(i32::MAX).max(1);
    let run = (now.timestamp_millis() as u64) << 16 | u64::from(rand::random::<u16>());
    let mut report = EventsReport {
        events: 0,
        sessions: 0,
        elapsed: Default::default(),
    };
    let mut n = 0u64;
    while n < sessions {
        let mut batch = Batch::default();
        let mut events_in_batch = 0u64;
        let first = n;
        while n < sessions && events_in_batch < BATCH_EVENTS {
            events_in_batch += planned_events(n);
            n += 1;
        }
        let mut tx_conn = pool.begin().await?;
        sqlx::raw_sql(
            "lock table chaperone.events in access exclusive mode;
             alter table chaperone.events disable trigger events_link,
                 disable trigger events_count_for_session, disable trigger events_notify_owners",
        )
        .execute(&mut *tx_conn)
        .await?;
        let first_id: i64 = sqlx::query_scalar(
            "select setval(pg_get_serial_sequence('chaperone.events', 'id'),
                           nextval(pg_get_serial_sequence('chaperone.events', 'id')) + $1 - 1) - $1 + 1",
        )
        .bind(events_in_batch as i64)
        .fetch_one(&mut *tx_conn)
        .await?;
        let mut writer = EventWriter {
            next_id: first_id,
            rows: String::new(),
            written: 0,
        };
        for s in first..n {
            let start = now - span + step * i32::try_from(s).unwrap_or(i32::MAX);
            generate_session(
                &mut batch,
                &mut writer,
                run,
                s,
                start,
                &staff[(s % staff.len() as u64) as usize],
                &targets[((s * 7) % targets.len() as u64) as usize],
            )?;
        }
        anyhow::ensure!(
            writer.written == events_in_batch,
            "planned {events_in_batch} events, wrote {}",
            writer.written
        );
        copy(&mut tx_conn, "copy chaperone.access_requests (id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role, reason, ticket, mode, decision, status, requested_at, used_at) from stdin", batch.requests).await?;
        copy(&mut tx_conn, "copy chaperone.support_sessions (id, request_id, staff_id, staff_name, account_id, account_name, target_user_id, target_user_name, target_role, mode, reason, ticket, started_at, last_activity_at, idle_deadline, max_deadline, ended_at, end_cause, views, changes, blocked) from stdin", batch.sessions).await?;
        copy(&mut tx_conn, "copy chaperone.events (id, occurred_at, recorded_at, kind, actor_kind, actor_id, actor_name, account_id, summary, detail, chain, seq, prev_hash, hash) from stdin", writer.rows).await?;
        copy(
            &mut tx_conn,
            "copy chaperone.event_chains (chain, seq, head_hash) from stdin",
            batch.heads,
        )
        .await?;
        sqlx::raw_sql(
            "alter table chaperone.events enable trigger events_link,
                 enable trigger events_count_for_session, enable trigger events_notify_owners",
        )
        .execute(&mut *tx_conn)
        .await?;
        tx_conn.commit().await?;
        report.events += writer.written;
        report.sessions += n - first;
        bar.set_position(report.events.min(count));
    }
    sqlx::raw_sql(
        "analyze chaperone.events, chaperone.support_sessions, chaperone.access_requests",
    )
    .execute(&mut *conn)
    .await?;
    bar.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}

#[derive(Default)]
struct Batch {
    requests: String,
    sessions: String,
    heads: String,
}

/// How many events session `n` has: its start, 40–54 page views, a change
/// in every third, a blocked attempt in every tenth, and its end.
fn planned_events(n: u64) -> u64 {
    2 + 40 + n % 15 + u64::from(n.is_multiple_of(3)) + u64::from(n.is_multiple_of(10))
}

fn generate_session(
    batch: &mut Batch,
    writer: &mut EventWriter,
    run: u64,
    n: u64,
    start: DateTime<Utc>,
    staff: &Staff,
    target: &Target,
) -> anyhow::Result<()> {
    let session_id = Uuid::from_u64_pair(run, n * 2);
    let request_id = Uuid::from_u64_pair(run, n * 2 + 1);
    let reason = REASONS[(n % 4) as usize];
    let ticket = format!("#{}", 10_000 + n % 90_000);
    let mode = if n.is_multiple_of(3) {
        "edit"
    } else {
        "read_only"
    };
    let views = 40 + n % 15;
    let changes = u64::from(n.is_multiple_of(3));
    let blocked = u64::from(n.is_multiple_of(10));
    let total = planned_events(n);
    let end = start + Duration::seconds(20 * (total as i64 - 1));
    let cause = if n.is_multiple_of(7) {
        "idle_timeout"
    } else {
        "ended_by_agent"
    };
    let a = |s: &str| copy_text(s);
    writeln!(
        batch.requests,
        "{request_id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{mode}\tallowed\tused\t{}\t{}",
        staff.id,
        a(&staff.name),
        target.account_id,
        a(&target.account_name),
        target.user_id,
        a(&target.user_name),
        target.role,
        reason,
        ticket,
        stamp(start),
        stamp(start)
    )?;
    writeln!(
        batch.sessions,
        "{session_id}\t{request_id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{mode}\t{reason}\t{ticket}\t{}\t{}\t{}\t{}\t{}\t{cause}\t{views}\t{changes}\t{blocked}",
        staff.id,
        a(&staff.name),
        target.account_id,
        a(&target.account_name),
        target.user_id,
        a(&target.user_name),
        target.role,
        stamp(start),
        stamp(end),
        stamp(end + Duration::minutes(15)),
        stamp(start + Duration::hours(1)),
        stamp(end)
    )?;
    let mut chain = Chain {
        name: format!("session:{session_id}"),
        seq: 0,
        head: [0; 32],
    };
    let by_staff = ("staff", Some(staff.id), staff.name.as_str());
    let visit = |extra: Value| {
        let mut facts = json!({
            "session_id": session_id,
            "account": target.account_name,
            "as": target.user_name,
        });
        if let (Some(f), Value::Object(e)) = (facts.as_object_mut(), extra) {
            f.extend(e);
        }
        facts
    };
    let mut at = start;
    let mut next = || {
        let t = at;
        at += Duration::seconds(20);
        t
    };
    writer.push(
        &mut chain,
        next(),
        Kind::SessionStarted,
        by_staff,
        target.account_id,
        visit(json!({
            "request_id": request_id,
            "as_role": target.role,
            "mode": mode,
            "reason": reason,
            "ticket": ticket,
        })),
    );
    for v in 0..views {
        writer.push(
            &mut chain,
            next(),
            Kind::PageViewed,
            by_staff,
            target.account_id,
            visit(json!({ "page": PAGES[((n + v) % 6) as usize] })),
        );
        if v == 10 && changes > 0 {
            writer.push(
                &mut chain,
                next(),
                Kind::TaxRuleChanged,
                by_staff,
                target.account_id,
                visit(json!({
                    "workspace": "Main",
                    "changes": [{ "field": "Tax rate", "old": "20%", "new": "10%" }],
                })),
            );
        }
        if v == 20 && blocked > 0 {
            writer.push(
                &mut chain,
                next(),
                Kind::Blocked,
                by_staff,
                target.account_id,
                visit(json!({ "attempted": "Tax rate", "why": "read_only" })),
            );
        }
    }
    let ended_by = if cause == "idle_timeout" {
        ("system", None, "Chaperone")
    } else {
        by_staff
    };
    writer.push(
        &mut chain,
        next(),
        Kind::SessionEnded,
        ended_by,
        target.account_id,
        visit(json!({
            "cause": cause,
            "ended_at": sentence::at(end),
            "minutes": (end - start).num_minutes(),
            "staff": staff.name,
        })),
    );
    writeln!(
        batch.heads,
        "{}\t{}\t\\\\x{}",
        chain.name,
        chain.seq,
        hex::encode(chain.head)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_text_orders_keys_by_length_then_bytes() {
        let v = json!({ "page": "A › B", "as": "Tom", "account": "Acme \"Co\"", "n": 3, "l": [1, "x"] });
        assert_eq!(
            jsonb_text(&v),
            r#"{"l": [1, "x"], "n": 3, "as": "Tom", "page": "A › B", "account": "Acme \"Co\""}"#
        );
    }

    #[test]
    fn every_session_writes_the_events_it_planned() {
        // 2 + views + change + blocked, for a spread of session numbers.
        assert_eq!(planned_events(0), 2 + 40 + 1 + 1);
        assert_eq!(planned_events(1), 2 + 41);
        let avg: u64 = (0..3000).map(planned_events).sum::<u64>() / 3000;
        assert!((45..=55).contains(&avg), "about 50 events a session: {avg}");
    }
}
