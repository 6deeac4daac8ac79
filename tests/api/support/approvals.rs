//! Approvals: a manager's decision, one-action approvals bound to their object, expiry and lapse.

use super::*;
use chaperone::clock::Clock;
use chaperone::seed::DEMO_PASSWORD;
use chrono::Duration;

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
        app.post(&priya, "/app/export/orders.csv").await.status(),
        403
    );
    // A browser's own form post comes back to the orders page, with the
    // reason at the top of it, under the banner; nothing was downloaded.
    let res = priya
        .post(app.url("/app/export/orders.csv"))
        .header("Origin", &app.base)
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/app/orders?__path="), "{back}");
    let page = priya
        .get(app.url(&back))
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Exports and bulk downloads are blocked in support sessions"),
        "{page}"
    );
    assert!(page.contains("Support session"), "under the banner");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'product.exported'"
        )
        .await,
        0
    );
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
async fn one_blocked_action_can_be_approved_and_used_once() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "read_only").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(
        app.post(&priya, "/app/export/invoices.csv").await.status(),
        403
    );

    let res = app
        .call(
            &priya,
            "request_action_approval",
            &[
                ("action", "export"),
                ("object", "invoices.csv"),
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

    let first = app.post(&priya, "/app/export/invoices.csv").await;
    assert_eq!(first.status(), 200);
    let csv = first.text().await.unwrap();
    assert!(
        !csv.contains("Acme Co Accounts Payable") && csv.contains("\"A•••\""),
        "agent masking applies to exports: {csv}"
    );
    assert_eq!(
        app.post(&priya, "/app/export/invoices.csv").await.status(),
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
                ("object", "invoices.csv"),
                ("reason", "Customer needs last quarter's invoices as CSV"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
}

/// A one-action approval names its object: approving the removal of Tom
/// does not remove Ana; an action that fails after finding the approval
/// leaves it unspent; only what was tried can be asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_action_approval_is_bound_to_its_object_and_survives_a_failed_action() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let tom = user(&app, "tom@acme.test").await;
    let ana = user(&app, "ana@acme.test").await;
    let remove = |id: String| {
        let (app, priya) = (&app, &priya);
        async move {
            app.call(priya, "remove_member", &[("user_id", id.as_str())])
                .await
                .status()
        }
    };
    let ask = |object: String| {
        let (app, priya) = (&app, &priya);
        async move {
            app.call(
                priya,
                "request_action_approval",
                &[
                    ("action", "delete_records"),
                    ("object", object.as_str()),
                    (
                        "reason",
                        "Customer asked in the ticket to remove this member",
                    ),
                ],
            )
            .await
        }
    };
    let approve = |id: String| {
        let (app, maya) = (&app, &maya);
        async move {
            let form = [
                ("id", id.as_str()),
                ("approve", "true"),
                ("note", "this one only"),
            ];
            assert_eq!(app.call(maya, "decide_request", &form).await.status(), 200);
        }
    };

    // Removing Tom is blocked and recorded; the banner then offers exactly it.
    assert_eq!(remove(tom.clone()).await, 403);
    let banner: serde_json::Value = app
        .call(&priya, "support_status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(banner["blocked"][0]["object"], format!("member:{tom}"));
    assert!(banner["blocked"][0]["label"]
        .as_str()
        .unwrap()
        .contains("Tom Becker"));

    // Only what was tried can be asked for.
    assert_eq!(ask(format!("member:{ana}")).await.status(), 400);
    let res = ask(format!("member:{tom}")).await;
    assert_eq!(res.status(), 200);
    let for_tom: String = res.json().await.unwrap();
    approve(for_tom.clone()).await;

    // The approval for Tom does not remove Ana, and stays unspent.
    assert_eq!(remove(ana.clone()).await, 403);
    assert_eq!(status(&app, &priya, &for_tom).await["status"], "approved");

    // An approved action that then fails (no such member) leaves its
    // approval unspent.
    let ghost = uuid::Uuid::new_v4().to_string();
    assert_eq!(remove(ghost.clone()).await, 403);
    let for_ghost: String = ask(format!("member:{ghost}")).await.json().await.unwrap();
    approve(for_ghost.clone()).await;
    assert_eq!(remove(ghost.clone()).await, 404);
    assert_eq!(status(&app, &priya, &for_ghost).await["status"], "approved");

    // Tom is removed, once, and the approval is spent with the removal.
    assert_eq!(remove(tom.clone()).await, 200);
    assert_eq!(status(&app, &priya, &for_tom).await["status"], "used");
    assert_eq!(remove(tom.clone()).await, 403, "used once");
    assert_eq!(
        count(
            &app,
            "select count(*) from product.users where email = 'ana@acme.test'"
        )
        .await,
        1
    );
}

/// Time ends what nobody opens: the sweeper expires undecided requests and
/// lapses unused approvals, each with its event, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_expires_requests_and_lapses_approvals_nobody_opens() {
    let app = demo().await;
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let waiting: String = request(&app, &priya, "Acme Co", "jane@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let approved: String = request(&app, &priya, "Acme Co", "ana@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let form = [("id", approved.as_str()), ("approve", "true"), ("note", "")];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);

    app.clock.advance(Duration::minutes(31));
    // Nobody reads either request; the sweeper runs.
    chaperone::access::sessions::sweep_all(&app.pool, app.clock.now())
        .await
        .unwrap();
    let status_of = |id: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select status from chaperone.access_requests where id = $1::uuid",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(status_of(waiting).await, "expired");
    assert_eq!(status_of(approved).await, "lapsed");
    // A second round (or a second server's sweeper) changes nothing.
    let again = chaperone::access::sessions::sweep_all(&app.pool, app.clock.now())
        .await
        .unwrap();
    assert_eq!(again, chaperone::access::sessions::Swept::default());
    for kind in ["support.request_expired", "support.approval_lapsed"] {
        assert_eq!(
            count(
                &app,
                &format!("select count(*) from chaperone.events where kind = '{kind}'")
            )
            .await,
            1,
            "{kind}"
        );
    }
}

/// Four eyes, twice: the code refuses a decision on one's own request, and
/// so does the database should the code ever forget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_decides_their_own_request_not_even_past_the_code() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let id: String = request(&app, &maya, "Acme Co", "jane@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
    let res = app.call(&maya, "decide_request", &form).await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("cannot decide your own request"));
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.decision_refused'"
        )
        .await,
        1,
        "the attempt is recorded"
    );
    let err = sqlx::query(
        "update chaperone.access_requests set decided_by = staff_id, decided_by_name = staff_name, status = 'approved' where id = $1::uuid",
    )
    .bind(&id)
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.constraint()),
        Some("access_requests_not_self_decided")
    );
    assert_eq!(status(&app, &maya, &id).await["status"], "pending");
}

/// Twenty managers' clicks at once on one request: exactly one decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_decisions_on_one_request_yield_one_outcome() {
    let app = demo().await;
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let id: String = request(&app, &priya, "Acme Co", "jane@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let (maya, leo) = (
        staff(&app, "maya.chen@chaperone.test").await,
        staff(&app, "leo.brandt@chaperone.test").await,
    );
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let client = if i % 2 == 0 {
            maya.clone()
        } else {
            leo.clone()
        };
        let (url, origin, id) = (app.url("/api/decide_request"), app.base.clone(), id.clone());
        tasks.spawn(async move {
            let approve = if i % 3 == 0 { "false" } else { "true" };
            client
                .post(url)
                .header("Origin", origin)
                .header("Accept", "application/json")
                .form(&[
                    ("id", id.as_str()),
                    ("approve", approve),
                    ("note", "decided in a hurry"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut ok = 0;
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            200 => ok += 1,
            400 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1, "exactly one decision wins");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.decision_refused'"
        )
        .await,
        19,
        "every losing decision is told, and recorded"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind in ('support.request_approved', 'support.request_denied')"
        )
        .await,
        1
    );
}

/// One approval, two exports at once: exactly one gets the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_approval_is_spent_once_even_by_parallel_actions() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "read_only").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(
        app.post(&priya, "/app/export/invoices.csv").await.status(),
        403
    );
    let id: String = app
        .call(
            &priya,
            "request_action_approval",
            &[
                ("action", "export"),
                ("object", "invoices.csv"),
                (
                    "reason",
                    "Customer needs last quarter's invoices as CSV for the auditor",
                ),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let form = [
        ("id", id.as_str()),
        ("approve", "true"),
        ("note", "one export"),
    ];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, url, origin) = (
            priya.clone(),
            app.url("/app/export/invoices.csv"),
            app.base.clone(),
        );
        tasks.spawn(async move {
            client
                .post(url)
                .header("Origin", origin)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, vec![200, 403, 403, 403, 403, 403]);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'product.exported'"
        )
        .await,
        1
    );
}

/// Revoking an API token cuts a customer's integration off: in a support
/// session it is a blocked action like removing a member, named by the
/// token's name for the manager, and spent once. Creating one is refused
/// outright, and the refusal is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_token_in_a_session_needs_a_managers_approval() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let token: String = sqlx::query_scalar(
        "select t.id::text from product.api_tokens t join product.accounts a on a.id = t.account_id
         where a.name = 'Acme Co' and t.revoked_at is null limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let revoked = || {
        count(
            &app,
            "select count(*) from product.api_tokens where revoked_at is not null",
        )
    };
    let before = revoked().await;
    let res = app
        .call(&priya, "revoke_api_token", &[("id", token.as_str())])
        .await;
    assert_eq!(res.status(), 403, "{:?}", res.text().await);
    assert_eq!(revoked().await, before, "nothing revoked");
    let banner: serde_json::Value = app
        .call(&priya, "support_status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(banner["blocked"][0]["object"], format!("token:{token}"));
    assert!(
        banner["blocked"][0]["label"]
            .as_str()
            .unwrap()
            .contains("the API token “"),
        "{banner}"
    );

    let res = app
        .call(
            &priya,
            "request_action_approval",
            &[
                ("action", "delete_records"),
                ("object", format!("token:{token}").as_str()),
                (
                    "reason",
                    "Customer asked in the ticket to revoke this token",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let id: String = res.json().await.unwrap();
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "ok")];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);
    let res = app
        .call(&priya, "revoke_api_token", &[("id", token.as_str())])
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(revoked().await, before + 1);

    // Creating a token is never done by support, and the attempt is kept.
    let blocked = || {
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.blocked'",
        )
    };
    let attempts = blocked().await;
    let res = app
        .call(&priya, "create_api_token", &[("name", "Mine")])
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("never shown to support"));
    assert_eq!(blocked().await, attempts + 1, "the refusal is recorded");
}
