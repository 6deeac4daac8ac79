//! The audit log's storage: append-only for every role, hash-chained, and
//! verified link by link.

use crate::helpers::{spawn_app, try_spawn_app_with, Options, TestApp};

async fn demo() -> TestApp {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    app
}

async fn verify(app: &TestApp) -> chaperone::audit::verify::Report {
    chaperone::audit::verify::verify(&app.pool, |_| {})
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_refuses_rewrites_even_from_its_owner() {
    let app = demo().await;
    let owner = app.owner_pool().await;
    for sql in [
        "update chaperone.events set summary = 'nothing happened'",
        "delete from chaperone.events",
        "truncate chaperone.events",
    ] {
        let err = sqlx::query(sql).execute(&owner).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // And the serving role has no such privilege to begin with.
    for sql in [
        "update chaperone.events set summary = 'x'",
        "delete from chaperone.events",
    ] {
        assert!(sqlx::query(sql).execute(&app.pool).await.is_err(), "{sql}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_to_serve_as_a_role_that_could_rewrite_the_log() {
    let refused = try_spawn_app_with(Options {
        serve_as_owner: true,
        ..Options::default()
    })
    .await;
    let err = refused
        .err()
        .expect("serving as the owner is refused")
        .to_string();
    assert!(
        err.contains("refusing to serve as the database role chaperone_owner"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_chained_and_the_chain_verifies() {
    let app = demo().await;
    let report = verify(&app).await;
    assert_eq!(report.broken, None);
    // Everything written since the stream was switched on at start-up.
    let total: i64 = sqlx::query_scalar("select count(*) from chaperone.events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(report.events, total as u64);
    assert!(report.events > 0 && report.chains > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_event_is_reported_where_it_was_changed() {
    let app = demo().await;
    for n in 0..3 {
        sqlx::query(
            "insert into chaperone.events (occurred_at, kind, actor_kind, actor_name, account_id, summary)
             select now(), 'test.note', 'system', 'Chaperone', id, 'note ' || $1 from product.accounts where name = 'Acme Co'",
        )
        .bind(n)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("select id from chaperone.events where kind = 'test.note' order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(verify(&app).await.broken, None);

    // A database administrator rewrites the middle one, bypassing triggers.
    as_administrator(
        &app,
        "update chaperone.events set summary = 'nothing to see' where id = $1",
        ids[1],
    )
    .await;
    let broken = verify(&app).await.broken.expect("the rewrite is found");
    assert_eq!(broken.event_id, Some(ids[1]));
    assert!(
        broken.why.contains("changed after it was written"),
        "{}",
        broken.why
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_tail_is_reported_too() {
    let app = demo().await;
    for n in 0..2 {
        sqlx::query(
            "insert into chaperone.events (occurred_at, kind, actor_kind, actor_name, account_id, summary)
             select now(), 'test.note', 'system', 'Chaperone', id, 'note ' || $1 from product.accounts where name = 'Acme Co'",
        )
        .bind(n)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let last: i64 =
        sqlx::query_scalar("select max(id) from chaperone.events where kind = 'test.note'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    as_administrator(&app, "delete from chaperone.events where id = $1", last).await;
    let broken = verify(&app)
        .await
        .broken
        .expect("the missing tail is found");
    assert!(broken.why.contains("missing"), "{}", broken.why);
}

/// Runs `sql` on one event (`$1`) as a database administrator would,
/// bypassing the append-only trigger.
async fn as_administrator(app: &TestApp, sql: &str, id: i64) {
    let root = app.superuser_pool().await;
    let mut tx = root.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sql).bind(id).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// Rewrites one event's summary behind the triggers' back.
async fn rewrite_summary(app: &TestApp, id: i64) {
    as_administrator(
        app,
        "update chaperone.events set summary = summary || ' (edited)' where id = $1",
        id,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_split_into_parts_checks_every_chain_and_reports_the_first_break() {
    use chaperone::audit::verify::verify_in_parts;
    let app = demo().await;
    // Two notes in each account's chain, so there are chains to split.
    for n in 0..2 {
        sqlx::query(
            "insert into chaperone.events (occurred_at, kind, actor_kind, actor_name, account_id, summary)
             select now(), 'test.note', 'system', 'Chaperone', id, 'note ' || $1 from product.accounts",
        )
        .bind(n)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let whole = verify_in_parts(&app.pool, 1, |_| {}).await.unwrap();
    assert_eq!(whole.broken, None);
    assert!(whole.chains >= 3, "the demo has several chains");
    for parts in 2..=4 {
        let split = verify_in_parts(&app.pool, parts, |_| {}).await.unwrap();
        assert_eq!(split, whole, "{parts} parts");
    }

    // A rewrite in the chain that sorts last is found by the last part.
    let (first, last): (i64, i64) = sqlx::query_as(
        "select (select min(id) from chaperone.events where chain = (select min(chain) from chaperone.events)),
                (select max(id) from chaperone.events where chain = (select max(chain) from chaperone.events))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    rewrite_summary(&app, last).await;
    for parts in 1..=4 {
        let broken = verify_in_parts(&app.pool, parts, |_| {})
            .await
            .unwrap()
            .broken
            .unwrap_or_else(|| panic!("{parts} parts find the rewrite"));
        assert_eq!(broken.event_id, Some(last), "{parts} parts");
    }

    // With a second rewrite in the first chain, every split names that one,
    // as a walk in one piece does.
    rewrite_summary(&app, first).await;
    for parts in 1..=4 {
        let broken = verify_in_parts(&app.pool, parts, |_| {})
            .await
            .unwrap()
            .broken
            .expect("found");
        assert_eq!(broken.event_id, Some(first), "{parts} parts");
    }
}

/// A local SIEM receiver: answers 503 while `down`, records what it accepts.
#[derive(Clone, Default)]
struct Receiver {
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

async fn start_receiver(receiver: Receiver) -> String {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/siem",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let receiver = receiver.clone();
            async move {
                if receiver.down.load(std::sync::atomic::Ordering::SeqCst) {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let signature = headers
                    .get("x-chaperone-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                receiver.received.lock().unwrap().push((signature, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siem", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_reaches_the_siem_signed_in_order_even_after_it_was_down() {
    let receiver = Receiver::default();
    receiver
        .down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let url = start_receiver(receiver.clone()).await;
    let secret = "a-shared-secret-for-the-test";
    let app = try_spawn_app_with(Options {
        siem: Some((url, secret.to_string())),
        ..Options::default()
    })
    .await
    .unwrap();
    // The server switches queueing on as it starts streaming.
    for _ in 0..100 {
        let on: bool = sqlx::query_scalar("select enabled from chaperone.siem_state")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if on {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    // While the receiver is down, deliveries fail and are retried later.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let failures: i32 = sqlx::query_scalar("select failures from chaperone.siem_state")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(failures >= 1, "a failed delivery is remembered");
    assert!(receiver.received.lock().unwrap().is_empty());

    // Back up: the retry (due after the backoff) delivers everything, once.
    receiver
        .down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    sqlx::query("update chaperone.siem_state set next_attempt_at = null")
        .execute(&app.pool)
        .await
        .unwrap();
    // Everything written since the stream was switched on at start-up.
    let total: i64 = sqlx::query_scalar("select count(*) from chaperone.events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut ids: Vec<i64> = Vec::new();
    for _ in 0..100 {
        ids = receiver
            .received
            .lock()
            .unwrap()
            .iter()
            .flat_map(|(_, body)| {
                let v: serde_json::Value = serde_json::from_str(body).unwrap();
                v["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect();
        if ids.len() as i64 >= total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ids.len() as i64, total, "none lost, none twice");
    let queued: i64 = sqlx::query_scalar("select count(*) from chaperone.siem_outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 0, "delivered events leave the outbox");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order");
    for (signature, body) in receiver.received.lock().unwrap().iter() {
        assert_eq!(
            signature,
            &chaperone::audit::siem::sign(secret, body.as_bytes())
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(
            v["events"][0]["hash"].as_str().unwrap().len() == 64,
            "chain hashes go out too"
        );
    }
}

/// The database's canonical text and verify-audit's agree for awkward
/// values: no actor or account, non-ASCII text, separators inside fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_holds_for_awkward_values() {
    let app = spawn_app().await;
    for (name, summary) in [
        ("Zoë Ångström", "changed “Tax rate” — 20 % → 10 %"),
        ("a\u{1f}b", "x:y\u{1f}z 12:34"),
        ("", ""),
    ] {
        sqlx::query(
            "insert into chaperone.events (occurred_at, kind, actor_kind, actor_name, summary, detail)
             values (now(), 'test.awkward', 'system', $1, $2, jsonb_build_object('emoji', '🙂', 'n', 1.50))",
        )
        .bind(name)
        .bind(summary)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let report = verify(&app).await;
    assert_eq!(report.broken, None);
    assert!(report.events >= 3);
}

/// Events generated for benchmarks are valid chains with honest session
/// counts, and the insert triggers are back on afterwards: a live session's
/// events still link and count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_events_form_valid_chains_and_leave_the_triggers_on() {
    let app = demo().await;
    let owner = app.owner_pool().await;
    let report = chaperone::seed::events::seed_events(&owner, 1_000, false)
        .await
        .unwrap();
    assert_eq!(report.sessions, 20);
    assert!(report.events >= 900, "{report:?}");
    let checked = verify(&app).await;
    assert_eq!(checked.broken, None);
    assert!(checked.events >= report.events);

    let sarah = crate::support::sarah_in_session(&app).await;
    let live: uuid::Uuid =
        sqlx::query_scalar("select id from chaperone.support_sessions where ended_at is null")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    for _ in 0..2 {
        assert_eq!(
            app.call(&sarah, "product_dashboard", &[]).await.status(),
            200
        );
    }
    assert_eq!(
        app.call(&sarah, "end_support_session", &[]).await.status(),
        200
    );
    let checked = verify(&app).await;
    assert_eq!(checked.broken, None);
    let wrong_counts: i64 = sqlx::query_scalar(
        "select count(*) from chaperone.support_sessions s
         where s.views <> (select count(*) from chaperone.events e
                           where e.detail->>'session_id' = s.id::text and e.kind = 'support.page_viewed')
            or s.changes <> (select count(*) from chaperone.events e
                             where e.detail->>'session_id' = s.id::text and e.kind = 'product.tax_rule_changed')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(wrong_counts, 0);
    let live_views: i32 =
        sqlx::query_scalar("select views from chaperone.support_sessions where id = $1")
            .bind(live)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(live_views, 2, "the live session's views were counted");
}
