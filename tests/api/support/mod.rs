//! The support flow, black-box: requests, approvals, sessions, and the
//! access context every product function goes through. Each file holds one
//! domain word; the helpers below are shared.

mod abuse;
mod approvals;
mod context;
mod faults;
mod log;
mod managers;
mod passwords;
mod queries;
mod requests;
mod reveal;
mod search;
mod sessions;
mod staff_admin;

use crate::helpers::{new_client, spawn_app, TestApp};
use chaperone::seed::DEMO_PASSWORD;
use uuid::Uuid;

pub(super) async fn demo() -> TestApp {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    app
}

pub(super) async fn staff(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    assert_eq!(
        app.staff_sign_in(&client, email, DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    client
}

pub(super) async fn scalar_id(app: &TestApp, sql: &str) -> String {
    let id: Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

pub(super) async fn account(app: &TestApp, name: &str) -> String {
    scalar_id(
        app,
        &format!("select id from product.accounts where name = '{name}'"),
    )
    .await
}

pub(super) async fn user(app: &TestApp, email: &str) -> String {
    scalar_id(
        app,
        &format!("select id from product.users where email = '{email}'"),
    )
    .await
}

pub(super) const REASON: &str = "Customer says EU invoices show 20% tax instead of 10%";

pub(super) async fn request(
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

pub(super) async fn status(app: &TestApp, client: &reqwest::Client, id: &str) -> serde_json::Value {
    app.call(client, "request_status", &[("id", id)])
        .await
        .json()
        .await
        .unwrap()
}

pub(super) async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// `who` enters `account_name` as `user_email`; a request that waits is
/// approved by Maya (manager) first.
pub(super) async fn in_session(
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

/// Priya (senior agent) enters Acme Co as Jane (owner) in `mode`, with
/// Maya's approval.
pub(super) async fn priya_as_jane(app: &TestApp, mode: &str) -> reqwest::Client {
    in_session(
        app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "jane@acme.test",
        mode,
    )
    .await
}

/// Sarah (agent) enters Acme Co as Tom (member), read-only.
pub(super) async fn sarah_in_session(app: &TestApp) -> reqwest::Client {
    in_session(
        app,
        "sarah.lee@chaperone.test",
        "Acme Co",
        "tom@acme.test",
        "read_only",
    )
    .await
}

/// Every row of every table in the product schema, as a digest per table:
/// equal snapshots mean nothing in the product changed.
pub(super) async fn product_snapshot(app: &TestApp) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables where table_schema = 'product' order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let digest: String = sqlx::query_scalar(&format!(
            r#"select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from product."{table}" t"#
        ))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        out.push((table, digest));
    }
    out
}

/// The id of an Acme Co workspace by name.
pub(super) async fn acme_workspace(app: &TestApp, name: &str) -> String {
    scalar_id(
        app,
        &format!(
            "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id \
             where a.name = 'Acme Co' and w.name = '{name}'"
        ),
    )
    .await
}

/// The live support session's id.
pub(super) async fn live_session(app: &TestApp, staff_email: &str) -> String {
    scalar_id(
        app,
        &format!(
            "select s.id from chaperone.support_sessions s join chaperone.staff st on st.id = s.staff_id \
             where st.email = '{staff_email}' and s.ended_at is null"
        ),
    )
    .await
}
