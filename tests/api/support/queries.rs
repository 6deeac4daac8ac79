//! Each page asks Postgres for each thing once. A resource made inside a
//! view that re-renders runs its server function again on the server, and
//! nothing in the page shows it: the console's search once ran three times
//! per page. Postgres counts the statements (`pg_stat_statements`, loaded
//! on the test cluster by `.ci/pg`), per test database.

use super::abuse::{callers, page_spec};
use super::{account, demo, priya_as_jane, staff};
use crate::helpers::TestApp;

/// A superuser pool on this test's database, with the statement counter
/// installed and emptied.
async fn counter(app: &TestApp) -> sqlx::PgPool {
    let su = app.superuser_pool().await;
    sqlx::query("create extension if not exists pg_stat_statements")
        .execute(&su)
        .await
        .unwrap();
    reset(&su).await;
    su
}

/// Forgets what this database ran so far (other tests' databases keep theirs).
async fn reset(su: &sqlx::PgPool) {
    sqlx::query(
        "select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)",
    )
    .execute(su)
    .await
    .unwrap();
}

/// The statements that ran more than once since the last reset, with their
/// counts. Transaction control and settings are left out: a page may open
/// more than one transaction.
async fn repeated(su: &sqlx::PgPool) -> Vec<(String, i64)> {
    sqlx::query_as(
        r"select query, sum(calls)::bigint from pg_stat_statements
          where dbid = (select oid from pg_database where datname = current_database())
            and query !~* '^\s*(begin|commit|rollback|set|reset|show|savepoint|release|start)\M'
          group by query having sum(calls) > 1 order by 1",
    )
    .fetch_all(su)
    .await
    .unwrap()
}

/// How many times each statement ran in this test's database since the
/// last reset, counted by Postgres (`pg_stat_statements`).
async fn statements_like(owner: &sqlx::PgPool, pattern: &str) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(calls), 0)::bigint from pg_stat_statements
         where dbid = (select oid from pg_database where datname = current_database())
           and query like $1",
    )
    .bind(pattern)
    .fetch_one(owner)
    .await
    .unwrap()
}

/// A page runs each of its queries once. The console's search resource was
/// once made inside a view that re-renders when the signed-in person has
/// loaded, and every page ran the search three times; the product's pages
/// load their data the same way, so the audited invoices page is held to
/// the same rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_runs_its_queries_once() {
    let app = demo().await;
    let su = counter(&app).await;

    let maya = staff(&app, "maya.chen@chaperone.test").await;
    reset(&su).await;
    let page = maya.get(app.url("/console?q=Acme")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Acme Co"));
    assert_eq!(
        statements_like(&su, "%with starting as%").await,
        1,
        "the console's search ran more than once for one page"
    );

    let priya = priya_as_jane(&app, "read_only").await;
    reset(&su).await;
    let page = priya
        .get(app.url("/app/billing/invoices"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        statements_like(&su, "%from product.invoices%").await,
        1,
        "the invoices page read its invoices more than once"
    );
    assert_eq!(
        statements_like(&su, "%insert into chaperone.events%").await,
        1,
        "one page, one view event"
    );
}

/// Every page of the route table, opened by every kind of caller it
/// answers, runs no statement twice (ids are real ones from the demo data).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_runs_each_of_its_statements_once() {
    let app = demo().await;
    let callers = callers(&app).await;
    let acme = account(&app, "Acme Co").await;
    let id = |sql: &str| {
        let pool = app.pool.clone();
        let sql = sql.to_string();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>(&sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .to_string()
        }
    };
    let invoice = id(&format!(
        "select id from product.invoices where account_id = '{acme}' order by id limit 1"
    ))
    .await;
    let request =
        id("select id from chaperone.access_requests order by requested_at desc limit 1").await;
    let session =
        id("select id from chaperone.support_sessions order by started_at desc limit 1").await;
    let su = counter(&app).await;
    let (mut opened, mut wrong) = (0, Vec::new());
    for route in chaperone::startup::page_routes() {
        let Some(want) = page_spec(route.path()) else {
            continue;
        };
        // The made-up ids of the access matrix answer 404; these are real,
        // so every caller is tried and those let in are counted.
        let has_id = route.path().contains('{');
        let path = match route.path() {
            "/console/accounts/{id}" => format!("/console/accounts/{acme}"),
            "/app/billing/invoices/{id}" => format!("/app/billing/invoices/{invoice}"),
            "/console/requests/{id}" => format!("/console/requests/{request}"),
            "/console/sessions/{id}" => format!("/console/sessions/{session}"),
            p => p.to_string(),
        };
        for (caller, client) in &callers {
            if want(*caller) != 200 && !has_id {
                continue;
            }
            reset(&su).await;
            let res = client.get(app.url(&path)).send().await.unwrap();
            if res.status() != 200 {
                continue;
            }
            opened += 1;
            for (query, calls) in repeated(&su).await {
                wrong.push(format!("GET {path} as {caller:?}: {calls}× {query}"));
            }
        }
    }
    assert!(opened > 40, "only {opened} pages opened");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
