//! `chaperone verify-audit`: walks every chain of the event log, recomputes
//! each event's hash from its columns and checks each link, and reports the
//! first broken one. The canonical text is built here independently of the
//! database's own function (the two must agree; a test pins it).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row as _};
use uuid::Uuid;

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The event at which the chain stops verifying (for a missing tail,
    /// the last event that remains).
    pub event_id: Option<i64>,
    pub chain: String,
    pub why: String,
}

/// What a walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub events: u64,
    pub chains: u64,
    pub broken: Option<Broken>,
}

/// One event as read, borrowed from the row Postgres sent (no copies).
struct Row<'r> {
    id: i64,
    chain: &'r str,
    seq: i64,
    prev_hash: &'r [u8],
    hash: &'r [u8],
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    kind: &'r str,
    actor_kind: &'r str,
    actor_id: Option<Uuid>,
    actor_name: &'r str,
    account_id: Option<Uuid>,
    summary: &'r str,
    detail: &'r str,
}

impl<'r> Row<'r> {
    /// The columns in the order [`read_in_chain_order`] selects them.
    fn read(row: &'r PgRow) -> Result<Row<'r>, sqlx::Error> {
        Ok(Row {
            id: row.try_get(0)?,
            chain: row.try_get(1)?,
            seq: row.try_get(2)?,
            prev_hash: row.try_get(3)?,
            hash: row.try_get(4)?,
            occurred_at: row.try_get(5)?,
            recorded_at: row.try_get(6)?,
            kind: row.try_get(7)?,
            actor_kind: row.try_get(8)?,
            actor_id: row.try_get(9)?,
            actor_name: row.try_get(10)?,
            account_id: row.try_get(11)?,
            summary: row.try_get(12)?,
            detail: row.try_get(13)?,
        })
    }
}

const ZERO: [u8; 32] = [0; 32];
const BATCH: i64 = 20_000;

/// The SHA-256 of an event's canonical content: every column, each written
/// as its length in characters, a colon and the field (so no text can
/// shift between fields), times as UTC to the microsecond — as the
/// database's `chaperone.event_canonical` writes it. `out` is scratch space
/// kept between calls, so ten million events are checked without
/// allocating for each.
fn hash_of(r: &Row, out: &mut String) -> [u8; 32] {
    // Numbers are written with `itoa` and times digit by digit: through
    // `std::fmt` they took about a third of the verifier's CPU (`perf`).
    fn field(out: &mut String, text: &str) {
        let chars = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        out.push_str(itoa::Buffer::new().format(chars));
        out.push(':');
        out.push_str(text);
    }
    fn number(out: &mut String, n: i64) {
        field(out, itoa::Buffer::new().format(n));
    }
    fn digits(out: &mut String, n: u32, width: usize) {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(n);
        for _ in text.len()..width {
            out.push('0');
        }
        out.push_str(text);
    }
    // `to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`:
    // always 27 characters for the years an event can carry.
    fn time(out: &mut String, t: &DateTime<Utc>) {
        use chrono::{Datelike, Timelike};
        out.push_str("27:");
        digits(out, t.year().max(0).unsigned_abs(), 4);
        out.push('-');
        digits(out, t.month(), 2);
        out.push('-');
        digits(out, t.day(), 2);
        out.push('T');
        digits(out, t.hour(), 2);
        out.push(':');
        digits(out, t.minute(), 2);
        out.push(':');
        digits(out, t.second(), 2);
        out.push('.');
        digits(out, t.nanosecond() / 1_000, 6);
        out.push('Z');
    }
    fn uuid(out: &mut String, id: Option<Uuid>) {
        match id {
            Some(id) => {
                let mut text = [0u8; 36];
                field(out, id.hyphenated().encode_lower(&mut text));
            }
            None => out.push_str("0:"),
        }
    }
    out.clear();
    number(out, r.id);
    field(out, r.chain);
    number(out, r.seq);
    let mut prev = [0u8; 64];
    match hex::encode_to_slice(r.prev_hash, &mut prev) {
        Ok(()) => field(out, std::str::from_utf8(&prev).expect("hex")),
        // Not 32 bytes: written as the database would (it cannot match).
        Err(_) => field(out, &hex::encode(r.prev_hash)),
    }
    time(out, &r.occurred_at);
    time(out, &r.recorded_at);
    field(out, r.kind);
    field(out, r.actor_kind);
    uuid(out, r.actor_id);
    field(out, r.actor_name);
    uuid(out, r.account_id);
    field(out, r.summary);
    field(out, r.detail);
    Sha256::digest(out.as_bytes()).into()
}

/// Reads one part's events in chain order, batch after batch, and hands
/// each batch on while it reads the next, so Postgres produces rows on one
/// core while the hashing runs on another. Stops when the receiver is gone.
fn read_in_chain_order(
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    part: Part,
) -> tokio::sync::mpsc::Receiver<Result<Vec<PgRow>, sqlx::Error>> {
    let (send, receive) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        // `(chain, seq) > (from, i64::MIN)` takes in every event of the
        // first chain, whatever its `seq` says.
        let (mut after_chain, mut after_seq) = (part.from, i64::MIN);
        loop {
            // Only the columns: times, ids and text are written out in Rust,
            // which costs the database less per row.
            let rows = match &part.until {
                Some(until) => sqlx::query(
                    r#"select id, chain, seq, prev_hash, hash, occurred_at, recorded_at,
                              kind, actor_kind, actor_id, actor_name, account_id, summary,
                              detail::text as detail
                       from chaperone.events
                       where (chain, seq) > ($1, $2) and chain < $4
                       order by chain, seq
                       limit $3"#,
                )
                .bind(&after_chain)
                .bind(after_seq)
                .bind(BATCH)
                .bind(until),
                None => sqlx::query(
                    r#"select id, chain, seq, prev_hash, hash, occurred_at, recorded_at,
                              kind, actor_kind, actor_id, actor_name, account_id, summary,
                              detail::text as detail
                       from chaperone.events
                       where (chain, seq) > ($1, $2)
                       order by chain, seq
                       limit $3"#,
                )
                .bind(&after_chain)
                .bind(after_seq)
                .bind(BATCH),
            }
            .fetch_all(&mut *tx)
            .await;
            let next = match &rows {
                Ok(rows) => rows
                    .last()
                    .map(|r| Ok::<_, sqlx::Error>((r.try_get::<String, _>(1)?, r.try_get(2)?)))
                    .transpose(),
                Err(_) => Ok(None),
            };
            let (rows, next) = match next {
                Ok(next) => (rows, next),
                Err(err) => (Err(err), None),
            };
            let done = next.is_none();
            if send.send(rows).await.is_err() || done {
                return;
            }
            (after_chain, after_seq) = next.expect("a batch");
        }
    });
    receive
}

/// The chains one walker covers: from `from` (inclusive) up to `until`
/// (exclusive; `None` for the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    from: String,
    until: Option<String>,
}

/// Splits the chains, in their order, into at most `parts` runs holding
/// about the same number of events each (a head's `seq` is its chain's
/// length). Chains are independent, so each run can be walked on its own.
fn split(heads: &Heads, parts: usize) -> Vec<Part> {
    let total: i64 = heads.values().map(|(seq, _)| (*seq).max(0)).sum();
    let parts = parts.max(1) as i64;
    let mut starts = vec![String::new()];
    let mut so_far = 0i64;
    for (chain, (seq, _)) in heads {
        let wanted = starts.len() as i64;
        if wanted < parts && so_far >= total * wanted / parts && so_far > 0 {
            starts.push(chain.clone());
        }
        so_far += (*seq).max(0);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, from) in starts.iter().enumerate() {
        out.push(Part {
            from: from.clone(),
            until: starts.get(i + 1).cloned(),
        });
    }
    out
}

type Heads = std::collections::BTreeMap<String, (i64, Vec<u8>)>;

/// What one walker found: its count, its chains and where it broke first.
struct Walked {
    report: Report,
    seen: std::collections::BTreeSet<String>,
}

/// Checks one part's events, batch by batch as the reader hands them on.
/// Runs on a thread of its own: it is the CPU half of the walk.
fn check(
    mut batches: tokio::sync::mpsc::Receiver<Result<Vec<PgRow>, sqlx::Error>>,
    heads: &Heads,
    checked: &std::sync::atomic::AtomicU64,
) -> Result<Walked, sqlx::Error> {
    let mut report = Report {
        events: 0,
        chains: 0,
        broken: None,
    };
    let mut seen = std::collections::BTreeSet::new();
    // The last event checked: its chain, place, hash and id (kept in place,
    // not reallocated for each event).
    let mut current: Option<(String, i64, Vec<u8>, i64)> = None;
    let finish_chain = |chain: &str, seq: i64, hash: &[u8], id: i64| -> Option<Broken> {
        match heads.get(chain) {
            Some((head_seq, head_hash)) if *head_seq == seq && head_hash.as_slice() == hash => None,
            _ => Some(Broken {
                event_id: Some(id),
                chain: chain.to_string(),
                why: "the chain's recorded head does not match its last event: events after this one are missing or the head was rewritten".into(),
            }),
        }
    };
    let broken = |r: &Row, why: String| Broken {
        event_id: Some(r.id),
        chain: r.chain.to_string(),
        why,
    };
    let mut scratch = String::with_capacity(4096);
    while let Some(rows) = batches.blocking_recv() {
        let rows = rows?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let r = Row::read(row)?;
            let expected_prev: &[u8] = match &current {
                Some((chain, seq, hash, _)) if chain == r.chain => {
                    if r.seq != seq + 1 {
                        report.broken = Some(broken(
                            &r,
                            format!(
                                "event {} follows {} in its chain: events are missing",
                                r.seq, seq
                            ),
                        ));
                        return Ok(Walked { report, seen });
                    }
                    hash
                }
                other => {
                    if let Some((chain, seq, hash, id)) = other {
                        if let Some(b) = finish_chain(chain, *seq, hash, *id) {
                            report.broken = Some(b);
                            return Ok(Walked { report, seen });
                        }
                    }
                    report.chains += 1;
                    seen.insert(r.chain.to_string());
                    if r.seq != 1 {
                        report.broken = Some(broken(
                            &r,
                            "the chain does not start at its first event: earlier events are missing".into(),
                        ));
                        return Ok(Walked { report, seen });
                    }
                    &ZERO
                }
            };
            if r.prev_hash != expected_prev {
                report.broken = Some(broken(
                    &r,
                    "its link to the previous event does not match".into(),
                ));
                return Ok(Walked { report, seen });
            }
            if hash_of(&r, &mut scratch).as_slice() != r.hash {
                report.broken = Some(broken(
                    &r,
                    "its content does not match its hash: it was changed after it was written"
                        .into(),
                ));
                return Ok(Walked { report, seen });
            }
            report.events += 1;
            let last = current.get_or_insert_with(Default::default);
            if last.0 != r.chain {
                last.0.clear();
                last.0.push_str(r.chain);
            }
            last.1 = r.seq;
            last.2.clear();
            last.2.extend_from_slice(r.hash);
            last.3 = r.id;
        }
        checked.fetch_add(rows.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some((chain, seq, hash, id)) = &current {
        if let Some(b) = finish_chain(chain, *seq, hash, *id) {
            report.broken = Some(b);
        }
    }
    Ok(Walked { report, seen })
}

/// Walks every chain; `progress` is told how many events were checked so
/// far. Reports the first broken link in chain order. The whole walk reads
/// one snapshot (repeatable-read, read-only transactions sharing an
/// exported snapshot), so events written while it runs — the server may be
/// live — neither break it nor go unchecked later.
///
/// The chains are split into as many parts as the machine has cores (and
/// the pool has connections); each part has its own Postgres backend
/// producing rows and its own thread hashing them. One reader and one
/// hasher left a core idle whenever either waited (`perf`: Postgres about
/// 1.4 µs per event, the hashing about 1.6).
pub async fn verify(pool: &PgPool, progress: impl Fn(u64)) -> Result<Report, sqlx::Error> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = cores.min(pool.options().get_max_connections() as usize);
    verify_in_parts(pool, parts, progress).await
}

/// [`verify`] with the number of parts chosen by the caller (tests split a
/// small log into several).
pub async fn verify_in_parts(
    pool: &PgPool,
    parts: usize,
    progress: impl Fn(u64),
) -> Result<Report, sqlx::Error> {
    const BEGIN: &str = "begin isolation level repeatable read read only";
    let mut first = pool.begin_with(BEGIN).await?;
    let heads: Heads = sqlx::query_as::<_, (String, i64, Vec<u8>)>(
        "select chain, seq, head_hash from chaperone.event_chains",
    )
    .fetch_all(&mut *first)
    .await?
    .into_iter()
    .map(|(c, s, h)| (c, (s, h)))
    .collect();
    let split = split(&heads, parts);
    let mut txs = Vec::with_capacity(split.len());
    if split.len() > 1 {
        let snapshot: String = sqlx::query_scalar("select pg_export_snapshot()")
            .fetch_one(&mut *first)
            .await?;
        // `set transaction snapshot` takes no parameters; the id is
        // Postgres's own (hex digits and dashes), checked before use.
        if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(sqlx::Error::Protocol(format!(
                "unexpected snapshot id {snapshot:?}"
            )));
        }
        for _ in 1..split.len() {
            let mut tx = pool.begin_with(BEGIN).await?;
            sqlx::raw_sql(&format!("set transaction snapshot '{snapshot}'"))
                .execute(&mut *tx)
                .await?;
            txs.push(tx);
        }
    }
    txs.insert(0, first);
    let heads = std::sync::Arc::new(heads);
    let checked = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut walkers = Vec::with_capacity(split.len());
    for (tx, part) in txs.into_iter().zip(split) {
        let batches = read_in_chain_order(tx, part);
        let (heads, checked) = (heads.clone(), checked.clone());
        walkers.push(tokio::task::spawn_blocking(move || {
            check(batches, &heads, &checked)
        }));
    }
    let mut ticks = tokio::time::interval(std::time::Duration::from_millis(200));
    let mut walked = Vec::with_capacity(walkers.len());
    for walker in walkers {
        tokio::pin!(walker);
        let done = loop {
            tokio::select! {
                done = &mut walker => break done,
                _ = ticks.tick() => progress(checked.load(std::sync::atomic::Ordering::Relaxed)),
            }
        };
        walked.push(
            done.map_err(|e| sqlx::Error::Protocol(format!("a verifier thread failed: {e}")))??,
        );
    }
    progress(checked.load(std::sync::atomic::Ordering::Relaxed));
    let mut report = Report {
        events: 0,
        chains: 0,
        broken: None,
    };
    for part in &walked {
        report.events += part.report.events;
        report.chains += part.report.chains;
        if report.broken.is_none() {
            report.broken = part.report.broken.clone();
        }
    }
    if report.broken.is_none() {
        if let Some(chain) = heads
            .keys()
            .find(|c| !walked.iter().any(|part| part.seen.contains(*c)))
        {
            report.broken = Some(Broken {
                event_id: None,
                chain: chain.clone(),
                why: "the chain has a head but no events: all of them were removed".into(),
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(lengths: &[(&str, i64)]) -> Heads {
        lengths
            .iter()
            .map(|(chain, seq)| (chain.to_string(), (*seq, vec![])))
            .collect()
    }

    fn part(from: &str, until: Option<&str>) -> Part {
        Part {
            from: from.into(),
            until: until.map(String::from),
        }
    }

    #[test]
    fn parts_cover_every_chain_once_and_hold_about_as_many_events() {
        let four = heads(&[("a", 5), ("b", 5), ("c", 5), ("d", 5)]);
        assert_eq!(split(&four, 2), vec![part("", Some("c")), part("c", None)]);
        assert_eq!(split(&four, 1), vec![part("", None)]);
        // One long chain and many short ones: the long one is a part alone.
        let lopsided = heads(&[("a", 100), ("b", 1), ("c", 1), ("d", 1)]);
        assert_eq!(
            split(&lopsided, 2),
            vec![part("", Some("b")), part("b", None)]
        );
    }

    #[test]
    fn never_more_parts_than_chains_and_always_one() {
        assert_eq!(split(&heads(&[]), 4), vec![part("", None)]);
        assert_eq!(split(&heads(&[("a", 3)]), 4), vec![part("", None)]);
        assert_eq!(
            split(&heads(&[("a", 3), ("b", 3)]), 0),
            vec![part("", None)]
        );
        let two = split(&heads(&[("a", 3), ("b", 3)]), 8);
        assert_eq!(two, vec![part("", Some("b")), part("b", None)]);
    }
}
