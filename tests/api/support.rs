use crate::helpers::{new_client, session_cookie, spawn_app, TestApp};
use chaperone::access::registry::{Access, Effect, SERVER_FNS};
use chaperone::access::Capability;
use chaperone::seed::DEMO_PASSWORD;
use chrono::Duration;
use uuid::Uuid;

async fn demo() -> TestApp {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    app
}

async fn staff(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    assert_eq!(
        app.staff_sign_in(&client, email, DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    client
}

async fn scalar_id(app: &TestApp, sql: &str) -> String {
    let id: Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

async fn account(app: &TestApp, name: &str) -> String {
    scalar_id(
        app,
        &format!("select id from product.accounts where name = '{name}'"),
    )
    .await
}

async fn user(app: &TestApp, email: &str) -> String {
    scalar_id(
        app,
        &format!("select id from product.users where email = '{email}'"),
    )
    .await
}

const REASON: &str = "Customer says EU invoices show 20% tax instead of 10%";

async fn request(
    app: &TestApp,
    client: &reqwest::Client,
    account_name: &str,
    user_email: &str,
    mode: &str,
) -> reqwest::Response {
    let (a, u) = (
        account(app, account_name).await,
        user(app, user_email).await,
    );
    app.call(
        client,
        "request_support_session",
        &[
            ("account_id", &a),
            ("target_user_id", &u),
            ("reason", REASON),
            ("ticket", "#4821"),
            ("mode", mode),
        ],
    )
    .await
}

async fn status(app: &TestApp, client: &reqwest::Client, id: &str) -> serde_json::Value {
    app.call(client, "request_status", &[("id", id)])
        .await
        .json()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// `who` enters `account_name` as `user_email`; a request that waits is
/// approved by Maya (manager) first.
async fn in_session(
    app: &TestApp,
    who: &str,
    account_name: &str,
    user_email: &str,
    mode: &str,
) -> reqwest::Client {
    let client = staff(app, who).await;
    let res = request(app, &client, account_name, user_email, mode).await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    if status(app, &client, &id).await["status"] == "pending" {
        let maya = staff(app, "maya.chen@chaperone.test").await;
        let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
        assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);
    }
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    let res = app.call(&client, "enter_support_session", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    client
}

/// Sarah (agent) enters Acme Co as Tom (member), read-only.
async fn sarah_in_session(app: &TestApp) -> reqwest::Client {
    in_session(
        app,
        "sarah.lee@chaperone.test",
        "Acme Co",
        "tom@acme.test",
        "read_only",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vague_reasons_and_bad_tickets_are_refused_at_the_form_and_not_recorded() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let (a, u) = (
        account(&app, "Acme Co").await,
        user(&app, "tom@acme.test").await,
    );
    for (reason, ticket, message) in [
        ("check issue", "#4821", "does not say why"),
        ("support", "#4821", "does not say why"),
        ("tax wrong", "#4821", "too short"),
        (REASON, "4821", "not a ticket reference"),
        (REASON, "", "Enter the ticket reference"),
    ] {
        let res = app
            .call(
                &sarah,
                "request_support_session",
                &[
                    ("account_id", &a),
                    ("target_user_id", &u),
                    ("reason", reason),
                    ("ticket", ticket),
                    ("mode", "read_only"),
                ],
            )
            .await;
        assert_eq!(res.status(), 400, "{reason}");
        assert!(res.text().await.unwrap().contains(message), "{reason}");
    }
    assert_eq!(
        count(&app, "select count(*) from chaperone.access_requests").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_from_request_to_end() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only").await;
    let id: String = res.json().await.unwrap();
    // Recorded first, with the policy's words.
    let r = status(&app, &sarah, &id).await;
    assert_eq!(r["status"], "approved");
    assert!(r["policy_reasons"][0]
        .as_str()
        .unwrap()
        .contains("allowed without approval"));

    // Identity check: a wrong password is refused and recorded.
    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", "nope")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.identity_check_failed'"
        )
        .await,
        1
    );

    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        session_cookie(&res).is_some(),
        "the login session id is cycled at entry"
    );
    assert_eq!(res.json::<String>().await.unwrap(), "/app");

    // Inside: the product renders as Tom, under the banner, and views are logged.
    let page = sarah
        .get(app.url("/app/billing/invoices"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Support session") && html.contains("viewing as Tom Becker"),
        "banner in the SSR HTML"
    );
    assert!(html.contains("20%"));
    let views = count(
        &app,
        "select count(*) from chaperone.events where kind = 'support.page_viewed'",
    )
    .await;
    assert!(views >= 1);
    let viewed: String = sqlx::query_scalar("select summary from chaperone.events where kind = 'support.page_viewed' order by id desc limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        viewed,
        "Sarah Lee viewed Acme Co › Billing › Invoices as Tom Becker"
    );

    // Read-only is enforced on the server, and the refusal is on the record.
    let eu = scalar_id(&app, "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = 'EU'").await;
    let res = app
        .call(
            &sarah,
            "set_notification",
            &[("setting", "weekly_digest"), ("enabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("read-only"));
    let res = app
        .call(
            &sarah,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Tom may not change tax rules at all (the product's own rule); the
    // notification switch was refused because the session is read-only.
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.blocked'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from product.workspaces where name = 'EU' and tax_rate_bp = 2000"
        )
        .await,
        1
    );

    // End: back in the console as herself, with the cause recorded.
    let res = app.call(&sarah, "end_support_session", &[]).await;
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "/console?ended=ended_by_agent"
    );
    assert_eq!(
        sarah.get(app.url("/app")).send().await.unwrap().status(),
        403
    );
    assert_eq!(
        sarah
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "ended_by_agent");

    // The approval admitted one session.
    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("already used"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutating_product_function_is_refused_in_read_only() {
    let app = demo().await;
    // Viewing as the owner, so the product's own role rules allow everything
    // and only the session's mode can refuse.
    let sarah = in_session(
        &app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "jane@acme.test",
        "read_only",
    )
    .await;
    let eu = scalar_id(&app, "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = 'EU'").await;
    let ana = user(&app, "ana@acme.test").await;
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("/api/add_note", vec![("body", "note".into())]),
        (
            "/api/change_member_role",
            vec![("user_id", ana.clone()), ("role", "admin".into())],
        ),
        (
            "/api/change_password",
            vec![
                ("current", DEMO_PASSWORD.into()),
                ("new_password", "a-new-password-1".into()),
                ("confirm", "a-new-password-1".into()),
            ],
        ),
        ("/api/create_api_token", vec![("name", "x".into())]),
        (
            "/api/create_invoice",
            vec![
                ("workspace_id", eu.clone()),
                ("bill_to_name", "X".into()),
                ("bill_to_address", "".into()),
                ("description", "Y".into()),
                ("quantity", "1".into()),
                ("unit_price", "1".into()),
            ],
        ),
        (
            "/api/invite_member",
            vec![("email", "new@acme.test".into()), ("role", "member".into())],
        ),
        ("/api/regenerate_recovery_codes", vec![]),
        ("/api/remove_member", vec![("user_id", ana.clone())]),
        (
            "/api/revoke_api_token",
            vec![("id", Uuid::new_v4().to_string())],
        ),
        (
            "/api/set_notification",
            vec![
                ("setting", "weekly_digest".into()),
                ("enabled", "true".into()),
            ],
        ),
        (
            "/api/update_profile",
            vec![
                ("name", "Tom B".into()),
                ("backup_email", "".into()),
                ("phone", "".into()),
                ("birth_date", "".into()),
                ("national_id", "".into()),
            ],
        ),
        (
            "/api/update_tax_rule",
            vec![
                ("workspace_id", eu.clone()),
                ("rate", "10".into()),
                ("region", "EU".into()),
            ],
        ),
    ];
    let listed: Vec<&str> = calls.iter().map(|(p, _)| *p).collect();
    for e in SERVER_FNS.iter().filter(|e| {
        e.access == Access::Needs(Capability::UseProduct) && e.effect == Effect::Changes
    }) {
        assert!(
            listed.contains(&e.path),
            "{} changes state but has no read-only case here",
            e.path
        );
    }
    let before = count(
        &app,
        "select count(*) from chaperone.events where kind like 'product.%'",
    )
    .await;
    let digest = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            let d: String = sqlx::query_scalar(
                "select md5(string_agg(t::text, '|' order by t::text)) from (
                   select row_to_json(u)::text t from product.users u
                   union all select row_to_json(w)::text from product.workspaces w
                   union all select row_to_json(i)::text from product.invoices i
                   union all select row_to_json(n)::text from product.notes n
                   union all select row_to_json(k)::text from product.api_tokens k
                   union all select row_to_json(s)::text from product.notification_settings s
                   union all select row_to_json(v)::text from product.invitations v) x",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            d
        }
    };
    let data_before = digest(&app).await;
    for (path, form) in &calls {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app
            .call(&sarah, path.trim_start_matches("/api/"), &form)
            .await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(
            status, 403,
            "{path} was not refused in a read-only session: {body}"
        );
    }
    assert_eq!(
        digest(&app).await,
        data_before,
        "a read-only session changed data"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind like 'product.%'"
        )
        .await,
        before
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.blocked'"
        )
        .await,
        calls.len() as i64,
        "every refusal is recorded"
    );
    // Exports are blocked too, and recorded.
    assert_eq!(
        sarah
            .get(app.url("/app/export/invoices.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_session_needs_a_manager_and_changes_only_what_was_changed() {
    let app = demo().await;
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let res = request(&app, &priya, "Acme Co", "jane@acme.test", "edit").await;
    let id: String = res.json().await.unwrap();
    let r = status(&app, &priya, &id).await;
    assert_eq!(r["status"], "pending");
    assert_eq!(r["can_enter"], false);
    let res = app
        .call(
            &priya,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 400);

    // Nobody decides their own request; agents cannot decide at all.
    let res = app
        .call(
            &priya,
            "decide_request",
            &[("id", &id), ("approve", "true"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let r = status(&app, &maya, &id).await;
    assert_eq!(r["can_decide"], true);
    let res = app
        .call(
            &maya,
            "decide_request",
            &[
                ("id", &id),
                ("approve", "true"),
                ("note", "OK for the tax fix"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let res = app
        .call(
            &maya,
            "decide_request",
            &[("id", &id), ("approve", "true"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 400, "decided once");

    let res = app
        .call(
            &priya,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let before: String = sqlx::query_scalar("select md5(string_agg(row_to_json(w)::text, '|' order by w.id)) from product.workspaces w where w.name <> 'EU'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let eu = scalar_id(&app, "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = 'EU'").await;
    let res = app
        .call(
            &priya,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let after: String = sqlx::query_scalar("select md5(string_agg(row_to_json(w)::text, '|' order by w.id)) from product.workspaces w where w.name <> 'EU'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
    let summary: String = sqlx::query_scalar(
        "select summary from chaperone.events where kind = 'product.tax_rule_changed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(summary, "Priya Nair changed Tax rate from 20% to 10% in Acme Co › Billing › Tax settings (EU workspace)");
    // Blocked actions stay blocked even in an edit session.
    assert_eq!(
        priya
            .get(app.url("/app/export/orders.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_see_the_customers_data_masked() {
    let app = demo().await;
    let priya = in_session(
        &app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "jane@acme.test",
        "read_only",
    )
    .await;
    let profile = app
        .call(&priya, "product_profile", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !profile.contains("GB-AB123456C")
            && !profile.contains("1984-05-12")
            && !profile.contains("7946 4321"),
        "{profile}"
    );
    assert!(
        profile.contains("j•••@acme.test") && profile.contains("•••• 4321"),
        "{profile}"
    );
    let notes = app
        .call(&priya, "product_notes", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!notes.contains("Renewal talks"), "{notes}");
    let team = app
        .call(&priya, "product_team", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!team.contains("ana@acme.test") && team.contains("a•••@acme.test"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_lapse_after_thirty_minutes_and_undecided_requests_expire() {
    let app = demo().await;
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let approved: String = request(&app, &priya, "Acme Co", "jane@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    app.call(
        &maya,
        "decide_request",
        &[("id", &approved), ("approve", "true"), ("note", "")],
    )
    .await;
    let waiting: String = request(&app, &priya, "Acme Co", "ana@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(31));
    let res = app
        .call(
            &priya,
            "enter_support_session",
            &[("request_id", &approved), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("lapsed"));
    assert_eq!(status(&app, &priya, &waiting).await["status"], "expired");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.request_expired'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_recorded_too() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = request(&app, &sarah, "Umbrella", "ada@umbrella.test", "read_only").await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    let r = status(&app, &sarah, &id).await;
    assert_eq!(r["status"], "refused");
    assert!(r["policy_reasons"][0]
        .as_str()
        .unwrap()
        .contains("turned support access off"));
    // An agent cannot ask for edit access: recorded and refused.
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "edit")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status(&app, &sarah, &id).await["status"], "refused");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.request_refused'"
        )
        .await,
        2
    );
    // Another agent cannot read Sarah's request.
    let james = staff(&app, "james.ortiz@chaperone.test").await;
    assert_eq!(
        app.call(&james, "request_status", &[("id", &id)])
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_maximum_timeouts_end_sessions_on_the_server() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    // The banner's polling is not activity.
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(4));
        let res = app.call(&sarah, "support_status", &[]).await;
        assert_eq!(res.status(), 200);
    }
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console?ended=idle_timeout");
    let (cause, idle_at): (String, bool) = sqlx::query_as(
        "select end_cause, ended_at = started_at + interval '15 minutes' from chaperone.support_sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (cause.as_str(), idle_at),
        ("idle_timeout", true),
        "ended at the idle deadline"
    );

    // Activity keeps a session alive, but never past the maximum.
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    for _ in 0..6 {
        app.clock.advance(Duration::minutes(10));
        let _ = sarah.get(app.url("/app/orders")).send().await.unwrap();
    }
    let (cause, at_max): (String, bool) = sqlx::query_as(
        "select end_cause, ended_at = started_at + interval '60 minutes' from chaperone.support_sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((cause.as_str(), at_max), ("max_duration", true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sweepers_end_each_session_once() {
    let app = demo().await;
    for email in [
        "sarah.lee@chaperone.test",
        "james.ortiz@chaperone.test",
        "dan.kim@chaperone.test",
    ] {
        let client = staff(&app, email).await;
        let id: String = request(&app, &client, "Acme Co", "tom@acme.test", "read_only")
            .await
            .json()
            .await
            .unwrap();
        let res = app
            .call(
                &client,
                "enter_support_session",
                &[("request_id", &id), ("password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let later = chaperone::clock::Clock::now(&app.clock) + Duration::minutes(20);
    let (a, b) = tokio::join!(
        chaperone::access::sessions::sweep(&app.pool, later),
        chaperone::access::sessions::sweep(&app.pool, later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where ended_at is null"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.session_ended'"
        )
        .await,
        3
    );
    assert_eq!(
        chaperone::access::sessions::sweep(&app.pool, later)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_and_a_second_session_is_refused() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let res = request(
        &app,
        &sarah,
        "Northwind Traders",
        "laura@northwind.test",
        "read_only",
    )
    .await;
    let id: String = res.json().await.unwrap();
    assert_eq!(status(&app, &sarah, &id).await["status"], "refused");
    app.call(&sarah, "sign_out", &[]).await;
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "signed_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_blocked_action_can_be_approved_and_used_once() {
    let app = demo().await;
    let priya = in_session(
        &app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "jane@acme.test",
        "read_only",
    )
    .await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(
        priya
            .get(app.url("/app/export/invoices.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let res = app
        .call(
            &priya,
            "request_action_approval",
            &[
                ("action", "export"),
                (
                    "reason",
                    "Customer needs last quarter's invoices as CSV for the auditor",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let action_id: String = res.json().await.unwrap();
    // Entering with an action approval is not possible.
    let res = app
        .call(
            &maya,
            "decide_request",
            &[
                ("id", &action_id),
                ("approve", "true"),
                ("note", "one export"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &priya,
            "enter_support_session",
            &[("request_id", &action_id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 400);

    let first = priya
        .get(app.url("/app/export/invoices.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let csv = first.text().await.unwrap();
    assert!(
        !csv.contains("Acme Co Accounts Payable") && csv.contains("\"A•••\""),
        "agent masking applies to exports: {csv}"
    );
    assert_eq!(
        priya
            .get(app.url("/app/export/invoices.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "usable once"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.action_approval_used'"
        )
        .await,
        1
    );

    // Agents may not ask for one-action approvals.
    let sarah = sarah_in_session(&app).await;
    let res = app
        .call(
            &sarah,
            "request_action_approval",
            &[
                ("action", "export"),
                ("reason", "Customer needs last quarter's invoices as CSV"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_can_revoke_a_live_session() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let session_id = scalar_id(&app, "select id from chaperone.support_sessions").await;
    let james = staff(&app, "james.ortiz@chaperone.test").await;
    assert_eq!(
        app.call(
            &james,
            "revoke_support_session",
            &[("session_id", &session_id), ("note", "no")]
        )
        .await
        .status(),
        403
    );
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[
                ("session_id", &session_id),
                ("note", "Wrong account for this ticket"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(
        res.headers()["location"],
        "/console?ended=revoked_by_manager"
    );
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[("session_id", &session_id), ("note", "again")],
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_runs_the_policy_again() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    // After the approval, the customer turns support access off.
    sqlx::query("update product.accounts set support_access = 'off' where name = 'Acme Co'")
        .execute(&app.pool)
        .await
        .unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    let res = app.call(&sarah, "enter_support_session", &form).await;
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("turned support access off"));
    assert_eq!(
        count(&app, "select count(*) from chaperone.support_sessions").await,
        0
    );

    // A user who became an owner since the request needs a manager now.
    sqlx::query("update product.accounts set support_access = 'allow' where name = 'Acme Co'")
        .execute(&app.pool)
        .await
        .unwrap();
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    sqlx::query("update product.users set role = 'owner' where email = 'tom@acme.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_never_gets_credentials_or_lasting_access_even_in_edit_mode() {
    let app = demo().await;
    let priya = in_session(
        &app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "jane@acme.test",
        "edit",
    )
    .await;
    for (path, form) in [
        (
            "invite_member",
            vec![("email", "priya@evil.test"), ("role", "owner")],
        ),
        (
            "change_password",
            vec![
                ("current", "x"),
                ("new_password", "a-new-password-1"),
                ("confirm", "a-new-password-1"),
            ],
        ),
        ("regenerate_recovery_codes", vec![]),
        ("create_api_token", vec![("name", "mine")]),
        ("add_note", vec![("body", "written by support")]),
    ] {
        let res = app.call(&priya, path, &form).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(
        count(&app, "select count(*) from product.invitations").await,
        0
    );
    // Search does not match masked contact columns for support.
    let hits = app
        .call(&priya, "product_search", &[("q", "ana@acme")])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(hits, "[]", "{hits}");
    let hits = app
        .call(&priya, "product_search", &[("q", "Ana")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        hits.contains("Ana Silva") && !hits.contains("ana@acme.test"),
        "{hits}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_ends_a_live_session() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        app.staff_sign_in(&sarah, "sarah.lee@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "signed_out");
}

#[tokio::test]
async fn repeated_identity_check_failures_stop_further_checks() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    for _ in 0..5 {
        let form = [("request_id", id.as_str()), ("password", "wrong")];
        assert_eq!(
            app.call(&sarah, "enter_support_session", &form)
                .await
                .status(),
            400
        );
    }
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        429
    );
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        200,
        "the pause is over and the approval is still valid"
    );
}
