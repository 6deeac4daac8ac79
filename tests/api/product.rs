use crate::helpers::{new_client, spawn_app, TestApp};
use chaperone::access::registry::Access;
use chaperone::access::Capability;
use chaperone::seed::DEMO_PASSWORD;
use chaperone::startup::SERVER_FNS;
use uuid::Uuid;

/// A demo database and a signed-in client for a demo customer.
async fn demo_as(email: &str) -> (TestApp, reqwest::Client) {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let client = new_client();
    let res = app.customer_sign_in(&client, email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200, "sign in as {email}");
    (app, client)
}

async fn id(app: &TestApp, sql: &str) -> String {
    let id: Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

async fn acme_workspace(app: &TestApp, name: &str) -> String {
    let id: Uuid = sqlx::query_scalar(
        "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = $1",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_permission_rules_apply_per_role() {
    let (app, member) = demo_as("tom@acme.test").await;
    let eu = acme_workspace(&app, "EU").await;

    // A member can read billing but not change it.
    assert_eq!(
        app.call(&member, "product_invoices", &[]).await.status(),
        200
    );
    let res = app
        .call(
            &member,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Only owners and billing admins can change billing settings."));
    for path in ["product_payment_methods", "product_tokens", "product_notes"] {
        assert_eq!(app.call(&member, path, &[]).await.status(), 403, "{path}");
    }
    let res = app.post(&member, "/app/export/invoices.csv").await;
    assert_eq!(res.status(), 403);

    // A billing admin can change tax but not the team.
    let billing = new_client();
    app.customer_sign_in(&billing, "ana@acme.test", DEMO_PASSWORD)
        .await;
    let res = app
        .call(
            &billing,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &billing,
            "invite_member",
            &[("email", "new@acme.test"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Only owners see private notes.
    let owner = new_client();
    app.customer_sign_in(&owner, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let notes = app.call(&owner, "product_notes", &[]).await;
    assert_eq!(notes.status(), 200);
    assert!(notes.text().await.unwrap().contains("Renewal talks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tax_change_affects_only_new_invoices() {
    let (app, owner) = demo_as("jane@acme.test").await;
    let eu = acme_workspace(&app, "EU").await;
    let before: serde_json::Value = app
        .call(&owner, "product_invoices", &[])
        .await
        .json()
        .await
        .unwrap();
    let eu_before: Vec<_> = before["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["workspace"] == "EU")
        .cloned()
        .collect();
    assert!(!eu_before.is_empty());
    assert!(eu_before.iter().all(|i| i["tax_rate"] == "20%"));

    let res = app
        .call(
            &owner,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    let res = app
        .call(
            &owner,
            "create_invoice",
            &[
                ("workspace_id", &eu),
                ("bill_to_name", "Acme GmbH"),
                ("bill_to_address", ""),
                ("description", "Consulting"),
                ("quantity", "2"),
                ("unit_price", "100"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert!(res.json::<String>().await.unwrap().contains("€220.00"));

    let after: serde_json::Value = app
        .call(&owner, "product_invoices", &[])
        .await
        .json()
        .await
        .unwrap();
    let eu_after: Vec<_> = after["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["workspace"] == "EU")
        .cloned()
        .collect();
    assert_eq!(eu_after.len(), eu_before.len() + 1);
    for old in &eu_before {
        assert!(eu_after.contains(old), "an issued invoice changed: {old}");
    }
    let new: Vec<_> = eu_after.iter().filter(|i| !eu_before.contains(i)).collect();
    assert_eq!(new[0]["tax_rate"], "10%");
    assert_eq!(new[0]["tax"], "€20.00");
    assert_eq!(new[0]["total"], "€220.00");

    // The change is on the record with old and new values in plain words.
    let summary: String = sqlx::query_scalar(
        "select summary from chaperone.events where kind = 'product.tax_rule_changed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(summary, "Jane Doe changed Tax rate from 20% to 10% in Acme Co › Billing › Tax settings (EU workspace)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    let (app, owner) = demo_as("jane@acme.test").await;
    let eu = acme_workspace(&app, "EU").await;
    for (rate, message) in [
        ("101", "between 0% and 100%"),
        ("-1", "is not a tax rate"),
        ("abc", "is not a tax rate"),
        ("10.555", "at most two decimals"),
    ] {
        let res = app
            .call(
                &owner,
                "update_tax_rule",
                &[("workspace_id", &eu), ("rate", rate), ("region", "EU")],
            )
            .await;
        assert_eq!(res.status(), 400, "{rate}");
        assert!(res.text().await.unwrap().contains(message), "{rate}");
    }
    for region in [
        "",
        "Z",
        "sk_live_PLANTED123",
        "<b>X</b>",
        "EU US",
        "-EU",
        "ZZZZZZZZZZZZZ",
    ] {
        let res = app
            .call(
                &owner,
                "update_tax_rule",
                &[("workspace_id", &eu), ("rate", "10"), ("region", region)],
            )
            .await;
        assert_eq!(res.status(), 400, "{region:?}");
        assert!(
            res.text().await.unwrap().contains("tax region code"),
            "{region:?}"
        );
    }
    let long = "x".repeat(5001);
    assert_eq!(
        app.call(&owner, "add_note", &[("body", &long)])
            .await
            .status(),
        400
    );
    let res = app
        .call(
            &owner,
            "create_invoice",
            &[
                ("workspace_id", &eu),
                ("bill_to_name", "A"),
                ("bill_to_address", ""),
                ("description", "B"),
                ("quantity", "0"),
                ("unit_price", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .call(
            &owner,
            "create_invoice",
            &[
                ("workspace_id", &eu),
                ("bill_to_name", "A"),
                ("bill_to_address", ""),
                ("description", "B"),
                ("quantity", "1"),
                ("unit_price", "-5"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.call(&owner, "product_invoice", &[("id", "not-a-uuid")])
            .await
            .status(),
        404
    );

    let rate: i32 = sqlx::query_scalar("select tax_rate_bp from product.workspaces where id = $1")
        .bind(eu.parse::<Uuid>().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rate, 2000);
    let changes: i64 =
        sqlx::query_scalar("select count(*) from chaperone.events where kind like 'product.%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(changes, 0);
}

/// A digest of everything account B holds in the product schema.
async fn digest_of_account(app: &TestApp, account: &str) -> String {
    sqlx::query_scalar(
        r#"with a as (select id from product.accounts where name = $1)
           select md5(coalesce(string_agg(x, '|' order by x), '')) from (
             select row_to_json(t)::text x from product.accounts t where t.id in (select id from a)
             union all select row_to_json(t)::text from product.users t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.workspaces t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.tax_profiles t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.invoices t where t.account_id in (select id from a)
             union all select row_to_json(l)::text from product.invoice_lines l join product.invoices i on i.id = l.invoice_id where i.account_id in (select id from a)
             union all select row_to_json(t)::text from product.payment_methods t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.orders t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.invitations t where t.account_id in (select id from a)
             union all select row_to_json(s)::text from product.notification_settings s join product.users u on u.id = s.user_id where u.account_id in (select id from a)
             union all select row_to_json(t)::text from product.api_tokens t where t.account_id in (select id from a)
             union all select row_to_json(t)::text from product.notes t where t.account_id in (select id from a)
           ) s"#,
    )
    .bind(account)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_isolation_every_product_endpoint_keeps_to_its_own_account() {
    // Jane owns Acme Co (every product permission); Globex is the other tenant.
    let (app, jane) = demo_as("jane@acme.test").await;
    sqlx::query("insert into product.notes (id, account_id, body) select $1, id, 'Globex secret plan' from product.accounts where name = 'Globex'")
        .bind(Uuid::new_v4())
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("insert into product.api_tokens (id, account_id, name, token_hash, last_two) select $1, id, 'Globex CI', 'x', 'zz' from product.accounts where name = 'Globex'")
        .bind(Uuid::new_v4())
        .execute(&app.pool)
        .await
        .unwrap();
    let g_invoice = id(&app, "select i.id from product.invoices i join product.accounts a on a.id = i.account_id where a.name = 'Globex' limit 1").await;
    let g_workspace = id(&app, "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Globex' limit 1").await;
    let g_member = id(&app, "select u.id from product.users u join product.accounts a on a.id = u.account_id where a.name = 'Globex' and u.role = 'member' limit 1").await;
    let g_token = id(&app, "select t.id from product.api_tokens t join product.accounts a on a.id = t.account_id where a.name = 'Globex' limit 1").await;
    let before = digest_of_account(&app, "Globex").await;

    // One row per product endpoint, aimed at Globex where it takes an id.
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("/api/add_note", vec![("body", "mine".into())]),
        (
            "/api/change_member_role",
            vec![("user_id", g_member.clone()), ("role", "admin".into())],
        ),
        (
            "/api/change_password",
            vec![
                ("current", "wrong".into()),
                ("new_password", "a-new-password-1".into()),
                ("confirm", "a-new-password-1".into()),
            ],
        ),
        ("/api/create_api_token", vec![("name", "mine".into())]),
        (
            "/api/create_invoice",
            vec![
                ("workspace_id", g_workspace.clone()),
                ("bill_to_name", "X".into()),
                ("bill_to_address", "".into()),
                ("description", "Y".into()),
                ("quantity", "1".into()),
                ("unit_price", "1".into()),
            ],
        ),
        (
            "/api/invite_member",
            vec![
                ("email", "someone@acme.test".into()),
                ("role", "member".into()),
            ],
        ),
        ("/api/product_dashboard", vec![]),
        ("/api/product_invoice", vec![("id", g_invoice.clone())]),
        ("/api/product_invoices", vec![]),
        ("/api/product_notes", vec![]),
        ("/api/product_notifications", vec![]),
        ("/api/product_orders", vec![]),
        ("/api/product_payment_methods", vec![]),
        ("/api/product_profile", vec![]),
        ("/api/product_search", vec![("q", "Globex".into())]),
        ("/api/product_tax_settings", vec![]),
        ("/api/product_team", vec![]),
        ("/api/product_tokens", vec![]),
        ("/api/product_workspaces", vec![]),
        ("/api/identity_reveals", vec![]),
        ("/api/unread_notifications", vec![]),
        ("/api/regenerate_recovery_codes", vec![]),
        (
            "/api/reveal_identity",
            vec![("field", "national_id".into())],
        ),
        ("/api/remove_member", vec![("user_id", g_member.clone())]),
        ("/api/revoke_api_token", vec![("id", g_token.clone())]),
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
                ("name", "Jane Doe".into()),
                ("backup_email", "".into()),
                ("phone", "".into()),
                ("birth_date", "".into()),
                ("national_id", "".into()),
            ],
        ),
        (
            "/api/update_tax_rule",
            vec![
                ("workspace_id", g_workspace.clone()),
                ("rate", "5".into()),
                ("region", "EU".into()),
            ],
        ),
        ("/app/export/invoices.csv", vec![]),
        ("/app/export/orders.csv", vec![]),
    ];

    // Every product endpoint in the registry is exercised here.
    let covered: Vec<&str> = calls.iter().map(|(p, _)| *p).collect();
    for entry in SERVER_FNS
        .entries()
        .filter(|e| e.access == Access::Needs(Capability::UseProduct))
    {
        assert!(
            covered.contains(&entry.path),
            "{} has no tenant-isolation case",
            entry.path
        );
    }

    let id_taking = [
        "/api/change_member_role",
        "/api/create_invoice",
        "/api/product_invoice",
        "/api/remove_member",
        "/api/revoke_api_token",
        "/api/update_tax_rule",
    ];
    for (path, form) in &calls {
        let res = if path.starts_with("/app/") {
            app.post(&jane, path).await
        } else {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&jane, path.trim_start_matches("/api/"), &form)
                .await
        };
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(
            !body.to_lowercase().contains("globex"),
            "{path} leaked another account: {body}"
        );
        assert!(status != 500, "{path} failed: {body}");
        if id_taking.contains(path) {
            assert_eq!(
                status, 404,
                "{path} reached another account's record: {body}"
            );
            // Indistinguishable from an id that exists nowhere.
            let mut random = form.clone();
            for (k, v) in random.iter_mut() {
                if k.ends_with("id") {
                    *v = Uuid::new_v4().to_string();
                }
            }
            let random: Vec<(&str, &str)> = random.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let other = app
                .call(&jane, path.trim_start_matches("/api/"), &random)
                .await;
            assert_eq!(other.status(), 404);
            assert_eq!(
                other.text().await.unwrap(),
                body,
                "{path} answers differently for another tenant's id"
            );
        }
    }
    assert_eq!(
        digest_of_account(&app, "Globex").await,
        before,
        "another account's data changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_numbers_and_token_secrets_never_leave_the_server() {
    let (app, jane) = demo_as("jane@acme.test").await;
    let card: String = sqlx::query_scalar(
        "select p.card_number from product.payment_methods p join product.accounts a on a.id = p.account_id where a.name = 'Acme Co'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let last4 = &card[card.len() - 4..];
    for path in ["/api/product_payment_methods", "/api/product_orders"] {
        let body = app
            .call(&jane, path.trim_start_matches("/api/"), &[])
            .await
            .text()
            .await
            .unwrap();
        assert!(!body.contains(&card), "{path} shows the full card number");
        assert!(body.contains(&format!("•••• {last4}")), "{path}: {body}");
    }
    let page = app.page(&jane, "/app/billing/payment-methods").await;
    assert!(!page.contains(&card));
    let csv = app
        .post(&jane, "/app/export/orders.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains(&card));

    // A new token is shown once, in full; afterwards only its last two characters.
    let created: serde_json::Value = app
        .call(&jane, "create_api_token", &[("name", "Deploys")])
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("bf_") && token.len() > 30);
    let list = app
        .call(&jane, "product_tokens", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&token));
    assert!(list.contains(&format!("••••{}", &token[token.len() - 2..])));
    assert!(list.contains(r#""can_create":true"#), "{list}");
    // An agent editing as Jane sees the list but is offered no form: a new
    // token would be a secret shown to support.
    let priya = crate::support::priya_as_jane(&app, "edit").await;
    let seen = app
        .call(&priya, "product_tokens", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(seen.contains(r#""can_create":false"#), "{seen}");
    let res = app
        .call(&priya, "create_api_token", &[("name", "Mine")])
        .await;
    assert_eq!(res.status(), 403);
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from product.api_tokens where token_hash = $1 or token_hash = $2",
    )
    .bind(&token)
    .bind(chaperone::product::tokens::token_digest(&token))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 1, "stored as its digest");
    let events: String =
        sqlx::query_scalar("select string_agg(summary || detail::text, ' ') from chaperone.events")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!events.contains(&token), "the token reached the log");

    // A card number typed into a free-text field does not reach the log
    // either, whatever column it was typed into.
    let res = app
        .call(
            &jane,
            "create_api_token",
            &[("name", "CI 4111 1111 1111 1111")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let events: String =
        sqlx::query_scalar("select string_agg(summary || detail::text, ' ') from chaperone.events")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!events.contains("4111 1111 1111 1111"), "{events}");
    assert!(events.contains("CI •••• 1111"), "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_download_as_csv_and_are_recorded() {
    let (app, jane) = demo_as("jane@acme.test").await;
    let res = app.post(&jane, "/app/export/invoices.csv").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("acme-co-invoices.csv"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("\"Invoice\",\"Workspace\""));
    assert!(body.contains("\"EU\""));
    let n: i64 =
        sqlx::query_scalar("select count(*) from chaperone.events where kind = 'product.exported'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(n, 1);
    // Anonymous downloads are sent to sign in.
    assert_eq!(
        new_client()
            .get(app.url("/app/export/orders.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_rules_protect_owners_and_the_person_acting() {
    let (app, jane) = demo_as("jane@acme.test").await;
    let jane_id = id(
        &app,
        "select id from product.users where email = 'jane@acme.test'",
    )
    .await;
    let tom = id(
        &app,
        "select id from product.users where email = 'tom@acme.test'",
    )
    .await;
    let res = app
        .call(&jane, "remove_member", &[("user_id", &jane_id)])
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .call(
            &jane,
            "change_member_role",
            &[("user_id", &tom), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 200);

    // Tom, now an admin, may manage the team but not touch the owner.
    let tom_client = new_client();
    app.customer_sign_in(&tom_client, "tom@acme.test", DEMO_PASSWORD)
        .await;
    let res = app
        .call(
            &tom_client,
            "change_member_role",
            &[("user_id", &jane_id), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(
            &tom_client,
            "invite_member",
            &[("email", "x@acme.test"), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(
            &tom_client,
            "invite_member",
            &[("email", "not-an-email"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .call(
            &tom_client,
            "invite_member",
            &[("email", "x@acme.test"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_invoice_lines_are_refused_instead_of_overflowing() {
    let (app, jane) = demo_as("jane@acme.test").await;
    let eu = acme_workspace(&app, "EU").await;
    let form = [
        ("workspace_id", eu.as_str()),
        ("bill_to_name", "Big"),
        ("bill_to_address", ""),
        ("description", "Everything"),
        ("quantity", "1000000"),
        ("unit_price", "999999999"),
    ];
    let res = app.call(&jane, "create_invoice", &form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(app.call(&jane, "product_invoices", &[]).await.status(), 200);
}

/// Product pages give times in the reader's own zone: the customer's, or
/// in a support session the agent's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_times_read_in_the_readers_zone() {
    let app = crate::support::demo().await;
    for (table, email, zone) in [
        ("product.users", "jane@acme.test", "Asia/Tokyo"),
        (
            "chaperone.staff",
            "priya.nair@chaperone.test",
            "America/New_York",
        ),
    ] {
        sqlx::query(&format!(
            "update {table} set time_zone = $2 where email = $1"
        ))
        .bind(email)
        .bind(zone)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
        .await;
    assert_eq!(
        app.call(&jane, "add_note", &[("body", "Call back on Monday")])
            .await
            .status(),
        200
    );
    let notes: serde_json::Value = app
        .call(&jane, "product_notes", &[])
        .await
        .json()
        .await
        .unwrap();
    // The test clock reads 24 Nov 2026 09:00 UTC.
    let mine = |notes: &serde_json::Value| {
        notes
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["body"] == "Call back on Monday")
            .map(|n| n["written"].clone())
    };
    assert_eq!(mine(&notes).unwrap(), "24 Nov 2026 18:00 JST", "{notes}");
    let priya = crate::support::priya_as_jane(&app, "edit").await;
    let notes: serde_json::Value = app
        .call(&priya, "product_notes", &[])
        .await
        .json()
        .await
        .unwrap();
    // Support never reads private notes' bodies; the times still read in
    // the agent's zone.
    let written = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["written"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(written.contains(&"24 Nov 2026 04:00 EST"), "{notes}");
}

/// A secret shown once cannot be made by a plain HTML form, which could not
/// show it: recovery codes that worked would be replaced by codes nobody
/// saw. The form comes back with the reason, and nothing changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_shown_once_is_not_made_by_a_plain_form() {
    let (app, jane) = demo_as("jane@acme.test").await;
    let codes = "select recovery_codes_hash from product.users where email = 'jane@acme.test'";
    let before: Option<String> = sqlx::query_scalar(codes)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let tokens = "select count(*) from product.api_tokens";
    let tokens_before: i64 = sqlx::query_scalar(tokens)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for (path, form) in [
        ("/api/regenerate_recovery_codes", vec![]),
        ("/api/create_api_token", vec![("name", "Deploys")]),
    ] {
        let res = jane
            .post(app.url(path))
            .header("Origin", &app.base)
            .header("Referer", app.url("/app/profile"))
            .header("Accept", "text/html")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{path}: {}", res.status());
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .contains("__err="),
            "{path} comes back with its reason"
        );
    }
    let after: Option<String> = sqlx::query_scalar(codes)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, after, "the recovery codes are the ones Jane has");
    let tokens_after: i64 = sqlx::query_scalar(tokens)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(tokens_before, tokens_after, "no token nobody saw");

    // The live page (asking for JSON) still gets its codes.
    let res = app.call(&jane, "regenerate_recovery_codes", &[]).await;
    assert_eq!(res.status(), 200);
}
