//! Load without loss: many agents in edit sessions at once view and change
//! a customer's settings; afterwards every request that completed has
//! exactly one event, the sessions' counters agree, and the chains verify.
//!
//! `make test` runs it small (12 sessions × 10 rounds); `make bench` runs
//! it with 200 sessions: `CHAPERONE_LOAD_SESSIONS` and
//! `CHAPERONE_LOAD_ROUNDS` set the scale.

use crate::helpers::{new_client, spawn_app, TestApp};
use chaperone::seed::DEMO_PASSWORD;
use uuid::Uuid;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` senior agents, each with an account of their own to enter, each in
/// an edit session a manager approved. Returns (client, session id, user id).
async fn agents_in_edit_sessions(app: &TestApp, n: usize) -> Vec<(reqwest::Client, Uuid, Uuid)> {
    let owner = app.owner_pool().await;
    let staff_hash: String = sqlx::query_scalar(
        "select password_hash from chaperone.staff where email = 'maya.chen@chaperone.test'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    let user_hash: String =
        sqlx::query_scalar("select password_hash from product.users where email = 'tom@acme.test'")
            .fetch_one(&owner)
            .await
            .unwrap();
    let maya = new_client();
    assert_eq!(
        app.staff_sign_in(&maya, "maya.chen@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("load.agent{i}@chaperone.test");
        sqlx::query("insert into chaperone.staff (id, email, name, role, password_hash) values ($1, $2, $3, 'senior_agent', $4)")
            .bind(Uuid::new_v4())
            .bind(&email)
            .bind(format!("Load Agent {i}"))
            .bind(&staff_hash)
            .execute(&owner)
            .await
            .unwrap();
        let (account, user) = (Uuid::new_v4(), Uuid::new_v4());
        sqlx::query("insert into product.accounts (id, name) values ($1, $2)")
            .bind(account)
            .bind(format!("Load Account {i}"))
            .execute(&owner)
            .await
            .unwrap();
        sqlx::query("insert into product.users (id, account_id, email, name, role, password_hash) values ($1, $2, $3, $4, 'member', $5)")
            .bind(user)
            .bind(account)
            .bind(format!("user{i}@load.test"))
            .bind(format!("Load User {i}"))
            .bind(&user_hash)
            .execute(&owner)
            .await
            .unwrap();
        // Every edit below turns the setting over, so every edit is a change.
        sqlx::query("insert into product.notification_settings (user_id, invoice_emails) values ($1, false)")
            .bind(user)
            .execute(&owner)
            .await
            .unwrap();

        let client = new_client();
        assert_eq!(
            app.staff_sign_in(&client, &email, DEMO_PASSWORD)
                .await
                .status(),
            200
        );
        let (a, u) = (account.to_string(), user.to_string());
        let form = [
            ("account_id", a.as_str()),
            ("target_user_id", u.as_str()),
            (
                "reason",
                "Load test: customer reports notification settings do not stick",
            ),
            ("ticket", "#4821"),
            ("mode", "edit"),
        ];
        let res = app.call(&client, "request_support_session", &form).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let request: String = res.json().await.unwrap();
        let decide = [("id", request.as_str()), ("approve", "true"), ("note", "")];
        assert_eq!(
            app.call(&maya, "decide_request", &decide).await.status(),
            200
        );
        let enter = [
            ("request_id", request.as_str()),
            ("password", DEMO_PASSWORD),
        ];
        let res = app.call(&client, "enter_support_session", &enter).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let session: Uuid = sqlx::query_scalar(
            "select s.id from chaperone.support_sessions s join chaperone.staff st on st.id = s.staff_id \
             where st.email = $1 and s.ended_at is null",
        )
        .bind(&email)
        .fetch_one(&owner)
        .await
        .unwrap();
        out.push((client, session, user));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_at_once_lose_no_event() {
    let sessions = knob("CHAPERONE_LOAD_SESSIONS", 12);
    let rounds = knob("CHAPERONE_LOAD_ROUNDS", 10);
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let agents = agents_in_edit_sessions(&app, sessions).await;

    // Everyone at once: a view, then an edit, `rounds` times.
    let mut tasks = Vec::new();
    for (client, session, _) in agents {
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            let (mut views, mut edits, mut failed) = (0i64, 0i64, Vec::new());
            for round in 0..rounds {
                let enabled = if round % 2 == 0 { "true" } else { "false" };
                for (endpoint, form) in [
                    ("product_notifications", vec![]),
                    (
                        "set_notification",
                        vec![("setting", "invoice_emails"), ("enabled", enabled)],
                    ),
                ] {
                    let res = client
                        .post(format!("{base}/api/{endpoint}"))
                        .header("Origin", &base)
                        .header("Accept", "application/json")
                        .form(&form)
                        .send()
                        .await;
                    match res.map(|r| r.status().as_u16()) {
                        Ok(200) if endpoint == "product_notifications" => views += 1,
                        Ok(200) => edits += 1,
                        Ok(status) => failed.push(format!("{endpoint}: {status}")),
                        Err(err) => failed.push(format!("{endpoint}: {err}")),
                    }
                    // A change that did not complete breaks the alternation;
                    // stop rather than count an edit that changed nothing.
                    if !failed.is_empty() {
                        return (session, views, edits, failed);
                    }
                }
            }
            (session, views, edits, failed)
        }));
    }
    let mut failures = Vec::new();
    let mut done = 0;
    for task in tasks {
        let (session, views, edits, failed) = task.await.unwrap();
        failures.extend(failed);
        let events = |kind: &'static str| {
            let pool = app.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "select count(*) from chaperone.events where kind = $1 and detail->>'session_id' = $2",
                )
                .bind(kind)
                .bind(session.to_string())
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(
            events("support.page_viewed").await,
            views,
            "session {session}: one view event per view"
        );
        assert_eq!(
            events("product.notification_changed").await,
            edits,
            "session {session}: one change event per edit"
        );
        let (v, c): (i32, i32) =
            sqlx::query_as("select views, changes from chaperone.support_sessions where id = $1")
                .bind(session)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(
            (i64::from(v), i64::from(c)),
            (views, edits),
            "session {session}: its counters"
        );
        done += views + edits;
    }
    // At the scale `make test` runs, nothing may fail at all.
    assert!(failures.is_empty(), "requests failed: {failures:?}");
    assert_eq!(done, (sessions * rounds * 2) as i64);

    let report = chaperone::audit::verify::verify(&app.pool, |_| {})
        .await
        .unwrap();
    assert!(
        report.broken.is_none(),
        "the chains verify: {:?}",
        report.broken
    );
    println!(
        "{sessions} sessions × {rounds} rounds: {done} requests, {} events verified",
        report.events
    );
}

/// Page views are recorded in batches (`sessions::ViewRecorder`); one
/// statement can update a session's row only once, so views of the same
/// session from many tabs at once must still each get their own event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_of_one_session_from_many_tabs_at_once_are_each_recorded() {
    let tabs = 16;
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let agents = agents_in_edit_sessions(&app, 3).await;
    let mut tasks = Vec::new();
    for (client, session, _) in &agents {
        for _ in 0..tabs {
            let (client, base, session) = (client.clone(), app.base.clone(), *session);
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(format!("{base}/api/product_notifications"))
                    .header("Origin", &base)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                (session, res.status().as_u16())
            }));
        }
    }
    for task in tasks {
        let (session, status) = task.await.unwrap();
        assert_eq!(status, 200, "a view in session {session} failed");
    }
    for (_, session, _) in &agents {
        let (events, counted): (i64, i32) = sqlx::query_as(
            "select (select count(*) from chaperone.events where kind = 'support.page_viewed' and detail->>'session_id' = $1::text),
                    (select views from chaperone.support_sessions where id = $1)",
        )
        .bind(session)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(events, tabs as i64, "session {session}: one event per view");
        assert_eq!(i64::from(counted), events, "session {session}: its counter");
    }
    let report = chaperone::audit::verify::verify(&app.pool, |_| {})
        .await
        .unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}
