//! The access context: read-only enforced before any change function runs, masking, views recorded before data is served, and changes that never outlive their session.

use super::*;
use crate::helpers::*;
use chaperone::access::registry::{Access, Effect};
use chaperone::access::{staff_role_grants, Capability};
use chaperone::seed::DEMO_PASSWORD;
use chaperone::staff::StaffRole;
use chaperone::startup::SERVER_FNS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutating_product_function_is_refused_in_read_only() {
    let app = demo().await;
    // Viewing as the owner, so the product's own role rules allow everything
    // and only the session's mode can refuse.
    let sarah = priya_as_jane(&app, "read_only").await;
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
    // Exports (callable in a read-only session, but blocked without a
    // one-action approval) are checked at the end of this test.
    for e in SERVER_FNS.entries().filter(|e| {
        e.access == Access::Needs(Capability::UseProduct)
            && e.effect == Effect::Changes
            && !e.read_only_session
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
    // In plain words a manager can read, never a function's name.
    let summaries: Vec<String> = sqlx::query_scalar(
        "select summary from chaperone.events where kind = 'support.blocked' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(summaries.iter().all(|s| !s.contains('_')), "{summaries:#?}");
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("tried to change the profile")),
        "{summaries:#?}"
    );
    // Exports are blocked too, and recorded.
    assert_eq!(
        app.post(&sarah, "/app/export/invoices.csv").await.status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_see_the_customers_data_masked() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "read_only").await;
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
async fn support_never_gets_credentials_or_lasting_access_even_in_edit_mode() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
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

/// Generated from the registry: every product function that changes state
/// is refused by the guard *before it runs* in a read-only session, unless
/// the registry says a read-only session may call it. The form is empty, so
/// a function that ran would answer "incomplete form" (400), not 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_refuses_every_change_function_in_a_read_only_session() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let before = product_snapshot(&app).await;
    let blocked = "select count(*) from chaperone.events where kind = 'support.blocked'";
    let blocked_before = count(&app, blocked).await;
    let mut read_only_refusals = 0;
    for entry in SERVER_FNS.entries().filter(|e| {
        e.effect == Effect::Changes
            && !e.read_only_session
            && e.access == Access::Needs(Capability::UseProduct)
    }) {
        let res = sarah
            .post(app.url(entry.path))
            .header("Origin", &app.base)
            .header("Accept", "application/json")
            .form(&[("unused", "x")])
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 403, "{}: {body}", entry.path);
        assert!(body.contains("read-only"), "{}: {body}", entry.path);
        read_only_refusals += 1;
    }
    assert!(
        read_only_refusals >= 10,
        "the product's change functions were checked"
    );
    assert_eq!(
        product_snapshot(&app).await,
        before,
        "nothing in the product changed"
    );
    assert_eq!(
        count(&app, blocked).await - blocked_before,
        read_only_refusals,
        "every refusal is recorded"
    );
    // The banner's own calls still work: ending the session is allowed.
    assert_eq!(
        app.call(&sarah, "end_support_session", &[]).await.status(),
        200
    );
}

/// Generated from the registry: a function registered as `Reads` changes no
/// row in the product schema, for a customer or for an agent in a session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_registered_as_reads_change_nothing_in_the_product() {
    let app = demo().await;
    let jane = new_client();
    assert_eq!(
        app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    let priya = priya_as_jane(&app, "edit").await;
    let invoice = scalar_id(
        &app,
        "select i.id from product.invoices i join product.accounts a on a.id = i.account_id where a.name = 'Acme Co' limit 1",
    )
    .await;
    let acme = account(&app, "Acme Co").await;
    let request_id = scalar_id(&app, "select id from chaperone.access_requests limit 1").await;
    let session_id = live_session(&app, "priya.nair@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let before = product_snapshot(&app).await;
    let mut called = 0;
    for entry in SERVER_FNS.entries().filter(|e| e.effect == Effect::Reads) {
        let endpoint = entry.path.trim_start_matches("/api/");
        // Each read function with arguments that let it do its work.
        let form: Vec<(&str, &str)> = match endpoint {
            "account_summary" => vec![("id", acme.as_str())],
            "product_invoice" => vec![("id", invoice.as_str())],
            "request_status" => vec![("id", request_id.as_str())],
            "session_timeline" => vec![("id", session_id.as_str())],
            "product_search" | "search_accounts" => vec![("q", "Acme")],
            _ => vec![],
        };
        let product = entry.access == Access::Needs(Capability::UseProduct);
        for (who, client) in [("Jane", &jane), ("Priya", &priya), ("Maya", &maya)] {
            if product && who == "Maya" {
                continue; // outside a session, staff never use the product
            }
            let res = app.call(client, endpoint, &form).await;
            let status = res.status().as_u16();
            // The customer may call product reads and "who am I"; staff
            // every read their role allows.
            let may = match (entry.access, who) {
                (Access::Anyone, _) => true,
                (Access::Needs(Capability::UseProduct), _) => true,
                (Access::Needs(Capability::OwnSupportAccess), who) => who == "Jane",
                (Access::Needs(_), "Jane") => false,
                (Access::Needs(cap), "Priya") => staff_role_grants(StaffRole::SeniorAgent, cap),
                (Access::Needs(cap), _) => staff_role_grants(StaffRole::Manager, cap),
            };
            if may {
                assert_eq!(status, 200, "{who} {endpoint}: {:?}", res.text().await);
            } else {
                assert_eq!(status, 403, "{who} {endpoint}");
            }
        }
        called += 1;
    }
    assert!(called >= 15, "read functions were called");
    assert_eq!(product_snapshot(&app).await, before);
}

/// A revoke racing changes: whichever commits first wins, and no change of
/// the session ever commits after its end event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_never_commits_after_its_session_ended() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let eu = acme_workspace(&app, "EU").await;
    for round in 0..6 {
        let priya = priya_as_jane(&app, "edit").await;
        let session = live_session(&app, "priya.nair@chaperone.test").await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..8 {
            let (client, url, origin, eu) = (
                priya.clone(),
                app.url("/api/update_tax_rule"),
                app.base.clone(),
                eu.clone(),
            );
            tasks.spawn(async move {
                let rate = format!("{}", 10 + (i % 3));
                client
                    .post(url)
                    .header("Origin", origin)
                    .header("Accept", "application/json")
                    .form(&[
                        ("workspace_id", eu.as_str()),
                        ("rate", rate.as_str()),
                        ("region", "EU"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
        }
        let form = [
            ("session_id", session.as_str()),
            ("note", "Race test: ending the session now"),
        ];
        let revoke = app.call(&maya, "revoke_support_session", &form).await;
        assert_eq!(revoke.status(), 200, "round {round}");
        while let Some(status) = tasks.join_next().await {
            let status = status.unwrap();
            // Done before the revoke, refused inside it, or told it ended.
            assert!([200, 403, 409].contains(&status), "round {round}: {status}");
        }
        let ended: i64 = sqlx::query_scalar(
            "select id from chaperone.events where kind = 'support.session_ended' and detail->>'session_id' = $1",
        )
        .bind(&session)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let last_change: Option<i64> = sqlx::query_scalar(
            "select max(id) from chaperone.events where kind like 'product.%' and detail->>'session_id' = $1",
        )
        .bind(&session)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(
            last_change.unwrap_or(0) < ended,
            "round {round}: a change was recorded after the session ended"
        );
    }
}

/// A page view races a revoke: each page shown has its view event, and no
/// view is recorded after the session's end event (the liveness check and
/// the event are one statement).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_is_never_recorded_after_its_session_ended() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    for round in 0..4 {
        let sarah = sarah_in_session(&app).await;
        let session = live_session(&app, "sarah.lee@chaperone.test").await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (client, url) = (sarah.clone(), app.url("/app/billing/invoices"));
            tasks.spawn(async move {
                let res = client.get(url).send().await.unwrap();
                let status = res.status().as_u16();
                let shown = status == 200 && res.text().await.unwrap().contains("INV-2026-");
                (status, shown)
            });
        }
        let form = [
            ("session_id", session.as_str()),
            ("note", "Race test: ending the session while pages load"),
        ];
        let revoke = app.call(&maya, "revoke_support_session", &form).await;
        assert_eq!(revoke.status(), 200, "round {round}");
        let mut shown = 0i64;
        while let Some(done) = tasks.join_next().await {
            let (status, was_shown) = done.unwrap();
            // Shown before the revoke, sent back to the console after it, or
            // told the session ended.
            assert!([200, 303, 403].contains(&status), "round {round}: {status}");
            shown += i64::from(was_shown);
        }
        let (ended, last_view, views): (i64, Option<i64>, i64) = sqlx::query_as(
            "select (select id from chaperone.events where kind = 'support.session_ended' and detail->>'session_id' = $1),
                    max(id), count(*)
             from chaperone.events
             where kind = 'support.page_viewed' and detail->>'session_id' = $1
               and detail->>'page' like '%Invoices%'",
        )
        .bind(&session)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(
            last_view.unwrap_or(0) < ended,
            "round {round}: a view was recorded after the session ended"
        );
        assert_eq!(views, shown, "round {round}: one event per page shown");
    }
}

/// When the customer removes the viewed user, the session ends: the
/// agent's next page shows nothing, records no view, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_user_is_no_longer_shown_to_the_agent() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let page = app.url("/app/billing/invoices");
    assert_eq!(sarah.get(&page).send().await.unwrap().status(), 200);
    let views = || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from chaperone.events where kind = 'support.page_viewed'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = views().await;
    sqlx::query("delete from product.users where email = 'tom@acme.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = sarah.get(&page).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/console?ended=viewed_user_removed"
    );
    assert_eq!(views().await, before, "nothing shown, nothing recorded");
    let console = app.page(&sarah, "/console?ended=viewed_user_removed").await;
    assert!(
        console.contains("removed the user you were viewing as"),
        "{console}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where end_cause = 'viewed_user_removed'"
        )
        .await,
        1
    );
}

/// Removing the viewed user through the product ends the session in the
/// same transaction: the customer's history never shows it in progress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_viewed_user_in_the_product_ends_the_session_at_once() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        sarah
            .get(app.url("/app/billing/invoices"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let tom = user(&app, "tom@acme.test").await;
    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let res = app
        .call(&jane, "remove_member", &[("user_id", tom.as_str())])
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions
             where end_cause = 'viewed_user_removed' and ended_at is not null"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.session_ended'
             and detail->>'cause' = 'viewed_user_removed'"
        )
        .await,
        1
    );
    let res = sarah
        .get(app.url("/app/billing/invoices"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/console?ended=viewed_user_removed"
    );
}

/// The request was decided for the viewed user's role then. When the
/// customer gives them another role mid-session, the session ends on the
/// agent's next request: a promotion would show the agent what nobody
/// approved (an owner's pages, as a member's read-only visit), and a
/// demotion changes what was agreed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_role_for_the_viewed_user_ends_the_session() {
    let app = demo().await;
    // Promotion, by the owner through the product: Tom (member) becomes an
    // owner while Sarah views Acme Co as him, read-only, without approval.
    let sarah = sarah_in_session(&app).await;
    let tom = user(&app, "tom@acme.test").await;
    let page = sarah
        .get(app.url("/app/billing/payment-methods"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403, "a member's view has no payment methods");
    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let form = [("user_id", tom.as_str()), ("role", "owner")];
    let res = app.call(&jane, "change_member_role", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // It ended with the change, not only at the agent's next request.
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions
             where end_cause = 'viewed_role_changed' and ended_at is not null"
        )
        .await,
        1
    );
    let views = || {
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.page_viewed'",
        )
    };
    let before = views().await;
    let page = sarah
        .get(app.url("/app/billing/payment-methods"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/console?ended=viewed_role_changed"
    );
    assert_eq!(
        views().await,
        before,
        "nothing shown, nothing recorded as seen"
    );
    let console = app.page(&sarah, "/console?ended=viewed_role_changed").await;
    assert!(console.contains("was given another role"), "{console}");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.session_ended'
             and detail->>'cause' = 'viewed_role_changed'"
        )
        .await,
        1
    );

    // Demotion, made some other way: Jane (owner) becomes a member while
    // Priya edits as her; the change is refused and nothing changes.
    let priya = priya_as_jane(&app, "edit").await;
    let eu = acme_workspace(&app, "EU").await;
    let form = [
        ("workspace_id", eu.as_str()),
        ("rate", "12"),
        ("region", "EU"),
    ];
    let rate = || async {
        sqlx::query_scalar::<_, i32>(
            "select tax_rate_bp from product.workspaces where id = $1::uuid",
        )
        .bind(&eu)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let rate_before = rate().await;
    sqlx::query("update product.users set role = 'member' where email = 'jane@acme.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = app.call(&priya, "update_tax_rule", &form).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("another role"));
    assert_eq!(
        rate().await,
        rate_before,
        "the refused change changed nothing"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where end_cause = 'viewed_role_changed'"
        )
        .await,
        2
    );
}

/// In an edit session the profile shows contact and identity fields masked;
/// saving the form sends those masked values back, and they are ignored —
/// not refused — while the rest is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_the_profile_in_an_edit_session_works_with_masked_fields() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let shown: serde_json::Value = app
        .call(&priya, "product_profile", &[])
        .await
        .json()
        .await
        .unwrap();
    let phone = shown["phone"].as_str().unwrap().to_string();
    let birth = shown["birth_date"].as_str().unwrap().to_string();
    assert!(
        phone.contains('•'),
        "phone is masked for the agent: {phone}"
    );
    assert!(
        !birth.is_empty() && !birth.starts_with("19"),
        "birth date hidden: {birth}"
    );
    let res = app
        .call(
            &priya,
            "update_profile",
            &[
                ("name", "Jane A. Doe"),
                ("backup_email", shown["backup_email"].as_str().unwrap()),
                ("phone", &phone),
                ("birth_date", &birth),
                ("national_id", shown["national_id"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let (name, phone_now): (String, Option<String>) =
        sqlx::query_as("select name, phone from product.users where email = 'jane@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Jane A. Doe");
    assert_eq!(
        phone_now.as_deref(),
        Some("+44 20 7946 4321"),
        "the stored phone is kept"
    );
}

/// The lock that orders a change and a revoke, step by step: while a
/// change's transaction holds its session row, a revoke waits; the change
/// commits first and its event comes before the end; after the end, no
/// change can open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoke_waits_for_a_change_in_flight_and_no_change_opens_after_it() {
    use chaperone::clock::Clock;
    let app = demo().await;
    let _priya = priya_as_jane(&app, "edit").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let session: uuid::Uuid = live_session(&app, "priya.nair@chaperone.test")
        .await
        .parse()
        .unwrap();

    // A change opens: the session is found live and its row stays locked.
    let mut change = app.pool.begin().await.unwrap();
    let mode = chaperone::access::sessions::touch_live(&mut change, session, app.clock.now(), 15)
        .await
        .unwrap();
    assert!(mode.is_some(), "the session is live");

    // A manager revokes meanwhile: the revoke must wait for the change.
    let (url, origin, maya2) = (
        app.url("/api/revoke_support_session"),
        app.base.clone(),
        maya.clone(),
    );
    let form = [
        ("session_id", session.to_string()),
        ("note", "Ending it while a change is in flight".to_string()),
    ];
    let revoke = tokio::spawn(async move {
        maya2
            .post(url)
            .header("Origin", origin)
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        !revoke.is_finished(),
        "the revoke waits for the change in flight"
    );

    let changed: i64 = sqlx::query_scalar(
        "insert into chaperone.events (occurred_at, kind, actor_kind, actor_name, summary, detail)
         values (now(), 'product.test_change', 'system', 'Chaperone', 'a change', jsonb_build_object('session_id', $1::text))
         returning id",
    )
    .bind(session.to_string())
    .fetch_one(&mut *change)
    .await
    .unwrap();
    change.commit().await.unwrap();
    assert_eq!(revoke.await.unwrap(), 200);

    let ended: i64 = sqlx::query_scalar(
        "select id from chaperone.events where kind = 'support.session_ended' and detail->>'session_id' = $1",
    )
    .bind(session.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        changed < ended,
        "the change committed before the end event was written"
    );

    // After the end, no change can open.
    let mut late = app.pool.begin().await.unwrap();
    let mode = chaperone::access::sessions::touch_live(&mut late, session, app.clock.now(), 15)
        .await
        .unwrap();
    assert_eq!(mode, None);
}
