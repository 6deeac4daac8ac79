//! `chaperone verify-audit`: walks every chain of the event log, recomputes
//! each event's hash from its columns and checks each link, and reports the
//! first broken one. The canonical text is built here independently of the
//! database's own function (the two must agree; a test pins it).

use sha2::{Digest, Sha256};
use sqlx::PgPool;

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

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    chain: String,
    seq: i64,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    occurred: String,
    recorded: String,
    kind: String,
    actor_kind: String,
    actor_id: String,
    actor_name: String,
    account_id: String,
    summary: String,
    detail: String,
}

const ZERO: [u8; 32] = [0; 32];
const BATCH: i64 = 20_000;

/// The SHA-256 of an event's canonical content: every column, each written
/// as its length in characters, a colon and the field (so no text can
/// shift between fields), times as UTC to the microsecond.
fn hash_of(r: &Row) -> [u8; 32] {
    let mut h = Sha256::new();
    let fields: [&str; 13] = [
        &r.id.to_string(),
        &r.chain,
        &r.seq.to_string(),
        &hex::encode(&r.prev_hash),
        &r.occurred,
        &r.recorded,
        &r.kind,
        &r.actor_kind,
        &r.actor_id,
        &r.actor_name,
        &r.account_id,
        &r.summary,
        &r.detail,
    ];
    for field in fields {
        h.update(field.chars().count().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// Walks every chain; `progress` is told how many events were checked so
/// far. Stops at the first broken link. The whole walk reads one snapshot
/// (a repeatable-read, read-only transaction), so events written while it
/// runs — the server may be live — neither break it nor go unchecked later.
pub async fn verify(pool: &PgPool, progress: impl Fn(u64)) -> Result<Report, sqlx::Error> {
    let mut tx = pool
        .begin_with("begin isolation level repeatable read read only")
        .await?;
    let heads: std::collections::BTreeMap<String, (i64, Vec<u8>)> =
        sqlx::query_as::<_, (String, i64, Vec<u8>)>(
            "select chain, seq, head_hash from chaperone.event_chains",
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(c, s, h)| (c, (s, h)))
        .collect();
    let mut report = Report {
        events: 0,
        chains: 0,
        broken: None,
    };
    let (mut after_chain, mut after_seq) = (String::new(), 0i64);
    let mut current: Option<(String, i64, Vec<u8>, i64)> = None; // chain, seq, hash, id
    let mut seen_chains = std::collections::BTreeSet::new();
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
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            r#"select id, chain, seq, prev_hash, hash,
                      to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred,
                      to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as recorded,
                      kind, actor_kind, coalesce(actor_id::text, '') as actor_id, actor_name,
                      coalesce(account_id::text, '') as account_id, summary, detail::text as detail
               from chaperone.events
               where (chain, seq) > ($1, $2)
               order by chain, seq
               limit $3"#,
        )
        .bind(&after_chain)
        .bind(after_seq)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let expected_prev: Vec<u8> = match &current {
                Some((chain, seq, hash, _)) if *chain == r.chain => {
                    if r.seq != seq + 1 {
                        report.broken = Some(Broken {
                            event_id: Some(r.id),
                            chain: r.chain.clone(),
                            why: format!(
                                "event {} follows {} in its chain: events are missing",
                                r.seq, seq
                            ),
                        });
                        return Ok(report);
                    }
                    hash.clone()
                }
                other => {
                    if let Some((chain, seq, hash, id)) = other {
                        if let Some(b) = finish_chain(chain, *seq, hash, *id) {
                            report.broken = Some(b);
                            return Ok(report);
                        }
                    }
                    report.chains += 1;
                    seen_chains.insert(r.chain.clone());
                    if r.seq != 1 {
                        report.broken = Some(Broken {
                            event_id: Some(r.id),
                            chain: r.chain.clone(),
                            why: "the chain does not start at its first event: earlier events are missing".into(),
                        });
                        return Ok(report);
                    }
                    ZERO.to_vec()
                }
            };
            if r.prev_hash != expected_prev {
                report.broken = Some(Broken {
                    event_id: Some(r.id),
                    chain: r.chain.clone(),
                    why: "its link to the previous event does not match".into(),
                });
                return Ok(report);
            }
            if hash_of(r).as_slice() != r.hash.as_slice() {
                report.broken = Some(Broken {
                    event_id: Some(r.id),
                    chain: r.chain.clone(),
                    why: "its content does not match its hash: it was changed after it was written"
                        .into(),
                });
                return Ok(report);
            }
            report.events += 1;
            current = Some((r.chain.clone(), r.seq, r.hash.clone(), r.id));
        }
        progress(report.events);
        let last = rows.last().expect("a batch");
        (after_chain, after_seq) = (last.chain.clone(), last.seq);
    }
    if let Some((chain, seq, hash, id)) = &current {
        if let Some(b) = finish_chain(chain, *seq, hash, *id) {
            report.broken = Some(b);
            return Ok(report);
        }
    }
    if let Some(chain) = heads.keys().find(|c| !seen_chains.contains(*c)) {
        report.broken = Some(Broken {
            event_id: None,
            chain: chain.clone(),
            why: "the chain has a head but no events: all of them were removed".into(),
        });
    }
    Ok(report)
}
