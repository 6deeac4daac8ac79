use crate::helpers::{new_client, spawn_app, PASSWORD};
use chaperone::staff::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_a_nonce_policy() {
    let app = spawn_app().await;
    let res = new_client()
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");

    // The nonce in the policy is the one on the page's scripts.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce")
        .to_string();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "no script with the policy's nonce"
    );

    // Each page gets a fresh nonce.
    let again = new_client()
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_responses_get_the_strict_policy() {
    let app = spawn_app().await;
    let res = new_client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-security-policy"],
        chaperone::security::STRICT_CSP
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    let res = client
        .post(app.url("/api/staff_sign_in"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("email", "sarah.lee@chaperone.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("set-cookie").is_none());
    let events: i64 =
        sqlx::query_scalar("select count(*) from chaperone.events where kind like 'auth.%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, 0, "nothing was recorded or changed");

    // The same request from our own origin goes through.
    assert_eq!(
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
            .await
            .status(),
        200
    );
}

/// A form posted without `Origin` (an older browser, some proxies) is
/// judged by its `Referer`: a page on another site is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_origin_from_a_page_elsewhere_is_refused() {
    let (app, client) = jane_signed_in().await;
    let before = notes(&app).await;
    let post = |referer: &str| {
        client
            .post(app.url("/api/add_note"))
            .header("Referer", referer.to_string())
            .header("Accept", "application/json")
            .form(&[("body", "From a page")])
            .send()
    };
    let res = post("https://evil.example/x").await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(notes(&app).await, before, "nothing was changed");
    let res = post(&app.url("/app/notes")).await.unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(notes(&app).await, before + 1);
}

/// Postgres cannot store a NUL character: text carrying one is refused
/// with a clear message before anything reads it, never cut short and saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_with_a_nul_character_is_refused_and_changes_nothing() {
    let (app, client) = jane_signed_in().await;
    let res = app.call(&client, "add_note", &[("body", "a\0b")]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("NUL character"));
    assert_eq!(notes(&app).await, 0);
    let page = client
        .get(app.url("/app/search?q=%00ab"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("NUL character"));
}

/// A body that is not UTF-8 cannot be a form or JSON: a clear 400, where
/// it once failed inside decoding with a 500 that blamed the network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_utf8_is_refused_and_changes_nothing() {
    let (app, client) = jane_signed_in().await;
    let res = client
        .post(app.url("/api/add_note"))
        .header("Origin", &app.base)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(b"body=a\xff\xfeb".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not valid UTF-8"));
    assert_eq!(notes(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_are_not_cached() {
    let (app, client) = jane_signed_in().await;
    let res = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

/// A plain-HTML post that fails comes back to its page with the error in
/// the address; the page shows it. The same address opened from another
/// site (where anyone could have written any sentence into it) is sent to
/// the page without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_error_in_a_link_from_another_site_is_not_shown() {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let client = new_client();
    let res = app
        .customer_sign_in(&client, "jane@acme.test", chaperone::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    let workspace: uuid::Uuid = sqlx::query_scalar(
        "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = 'EU'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = app.url("/app/billing/tax");
    let res = client
        .post(app.url("/api/update_tax_rule"))
        .header("Referer", &page)
        .header("Accept", "text/html")
        .form(&[
            ("workspace_id", workspace.to_string().as_str()),
            ("rate", "150"),
            ("region", "EU"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("__err="), "{back}");
    let back = if back.starts_with('/') {
        app.url(&back)
    } else {
        back
    };

    let own = client
        .get(&back)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let html = own.text().await.unwrap();
    assert!(
        html.contains("between 0% and 100%"),
        "our own error is shown"
    );

    for site in ["cross-site", "none"] {
        let foreign = client
            .get(&back)
            .header("Sec-Fetch-Site", site)
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 303, "{site}");
        assert_eq!(foreign.headers()["location"], "/app/billing/tax", "{site}");
    }
}

/// A fresh app with Jane Doe, owner of Acme Co, signed in.
async fn jane_signed_in() -> (crate::helpers::TestApp, reqwest::Client) {
    let app = spawn_app().await;
    app.add_customer("Acme Co", "Jane Doe", "jane@acme.test", "owner")
        .await;
    let client = new_client();
    app.customer_sign_in(&client, "jane@acme.test", PASSWORD)
        .await;
    (app, client)
}

async fn notes(app: &crate::helpers::TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from product.notes")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}
