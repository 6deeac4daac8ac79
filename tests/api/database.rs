use crate::helpers::{new_client, spawn_app, PASSWORD};
use chaperone::staff::StaffRole;
use sqlx::PgPool;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_product_column_is_classified() {
    let app = spawn_app().await;
    let diff = chaperone::classification::check_schema(&app.pool)
        .await
        .unwrap();
    assert!(
        diff.unclassified.is_empty(),
        "product columns without a class: {:?}",
        diff.unclassified
    );
    assert!(
        diff.stale.is_empty(),
        "classified columns that do not exist: {:?}",
        diff.stale
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_owns_nothing_and_cannot_rewrite_events() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let owned: i64 = sqlx::query_scalar(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('chaperone', 'product') and pg_get_userbyid(c.relowner) = current_user",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owned, 0);

    let update = sqlx::query("update chaperone.events set summary = 'nothing happened'")
        .execute(&app.pool)
        .await;
    assert!(update.is_err(), "runtime role updated an event");
    let delete = sqlx::query("delete from chaperone.events")
        .execute(&app.pool)
        .await;
    assert!(delete.is_err(), "runtime role deleted an event");
    let count: i64 = sqlx::query_scalar("select count(*) from chaperone.events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "the staff.created event is still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_that_went_away_gets_a_clear_answer() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    app.drop_database().await;

    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);

    let res = app
        .staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    assert_eq!(res.status(), 503);
    let body = res.text().await.unwrap();
    assert!(body.contains("cannot reach its database"), "{body}");
    assert!(
        !body.to_lowercase().contains("sqlx") && !body.contains("3D000"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seed_is_idempotent_and_signs_in() {
    let app = spawn_app().await;
    let first = chaperone::seed::seed_demo(&app.pool).await.unwrap();
    assert!(first > 50);
    let second = chaperone::seed::seed_demo(&app.pool).await.unwrap();
    assert_eq!(second, 0);
    let client = new_client();
    let res = app
        .staff_sign_in(
            &client,
            "maya.chen@chaperone.test",
            chaperone::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .customer_sign_in(&client, "jane@acme.test", chaperone::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    let policies: Vec<(String, String, bool)> =
        sqlx::query_as("select name, support_access, sensitive from product.accounts where name in ('Globex', 'Initech', 'Umbrella') order by name")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        policies,
        vec![
            ("Globex".into(), "allow".into(), true),
            ("Initech".into(), "ask_owner".into(), false),
            ("Umbrella".into(), "off".into(), false),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_scale_loads_accounts_and_leaves_the_indexes_in_place() {
    let app = spawn_app().await;
    let indexes = |pool: PgPool| async move {
        let v: Vec<String> = sqlx::query_scalar(
            "select indexname::text from pg_indexes where schemaname = 'product' order by 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        v
    };
    let before = indexes(app.pool.clone()).await;
    let owner = app.owner_pool().await;
    let hash = chaperone::auth::password::hash(secrecy::SecretString::from(PASSWORD))
        .await
        .unwrap();
    let report = chaperone::seed::scale::seed_scale(&owner, 1200, &hash, false)
        .await
        .unwrap();
    assert_eq!(report.accounts, 1200);
    assert_eq!(
        indexes(app.pool.clone()).await,
        before,
        "indexes rebuilt after the load"
    );
    let counts: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from product.accounts), (select count(*) from product.users), (select count(*) from product.invoice_lines)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(counts, (1200, 4800, 7200));

    // A generated user signs in with the shared password and sees their account.
    let email: String =
        sqlx::query_scalar("select email from product.users where role = 'owner' limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let client = new_client();
    assert_eq!(
        app.customer_sign_in(&client, &email, PASSWORD)
            .await
            .status(),
        200
    );
    let invoices: serde_json::Value = app
        .call(&client, "product_invoices", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invoices["invoices"].as_array().unwrap().len(), 3);

    // A second run adds to the first rather than colliding with it.
    chaperone::seed::scale::seed_scale(&owner, 10, &hash, false)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from product.accounts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1210);
}

/// Servers keep no state of their own: a sign-in and a support session made
/// through one server go on through another over the same Postgres (a
/// restart, or a second server behind a load balancer), and the session's
/// timeouts still hold there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_carries_on_the_same_sessions_and_their_timeouts() {
    let app = crate::support::demo().await;
    let sarah = crate::support::sarah_in_session(&app).await;
    assert_eq!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );

    let other = crate::helpers::spawn_app_with(crate::helpers::Options {
        database: Some(app.db_name.clone()),
        ..Default::default()
    })
    .await;
    assert_ne!(other.base, app.base);
    let me: serde_json::Value = other
        .call(&sarah, "who_am_i", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Sarah Lee");
    assert_eq!(
        other.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );
    let views: i32 =
        sqlx::query_scalar("select views from chaperone.support_sessions where ended_at is null")
            .fetch_one(&other.pool)
            .await
            .unwrap();
    assert_eq!(
        views, 2,
        "both servers recorded their view in the one session"
    );

    // Idle for 16 minutes by the second server's clock: the session ends there.
    other.clock.advance(chrono::Duration::minutes(16));
    let res = other.call(&sarah, "product_dashboard", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("idle"));
}

/// A page view sets `last_activity_at`, `idle_deadline` and `views` on its
/// session's row (twice per view, the second by the counting trigger). If an
/// index names any of them, neither update can be HOT, and every view
/// writes a new entry into every index of the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_index_names_a_column_a_page_view_changes() {
    let app = spawn_app().await;
    let defs: Vec<String> = sqlx::query_scalar(
        "select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'chaperone.support_sessions'::regclass",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(defs.len() > 3, "indexes not found: {defs:?}");
    for def in defs {
        for column in ["last_activity_at", "idle_deadline", "views"] {
            assert!(
                !def.contains(column),
                "an index names {column}, which each page view changes: {def}"
            );
        }
    }
}

/// Every product table lets the support roles see and write one account's
/// rows: the one the access context names with the role. A new table
/// without the policies fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_product_table_limits_support_to_the_sessions_account() {
    let app = spawn_app().await;
    let unguarded: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'product' and c.relkind = 'r'
           and not (c.relrowsecurity and exists (
                 select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'support_one_account'
                   and p.polroles @> array[(select oid from pg_roles where rolname = 'chaperone_support_ro'),
                                           (select oid from pg_roles where rolname = 'chaperone_support_rw')])
               and not exists (
                 select 1 from pg_policy p where p.polrelid = c.oid and p.polname <> 'support_one_account'
                   and p.polroles && array[(select oid from pg_roles where rolname = 'chaperone_support_ro'),
                                           (select oid from pg_roles where rolname = 'chaperone_support_rw'),
                                           0::oid]))
         order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        unguarded.is_empty(),
        "product tables support could read across accounts: {unguarded:?}"
    );
}

/// What the policies do, through the statements the access context runs:
/// the support roles see the named account's rows and no other's, change
/// no other account's rows, and see nothing when no account is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_roles_see_and_change_only_the_named_account() {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let account = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>("select id from product.accounts where name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (acme, globex) = (account("Acme Co").await, account("Globex").await);
    let all: i64 = sqlx::query_scalar("select count(distinct account_id) from product.invoices")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(all > 1, "the seed has invoices in several accounts");

    // Reading as support, for Acme: Acme's rows only, in every shape of table.
    let mut tx = app
        .pool
        .begin_with(chaperone::db::begin_read_as_support(acme))
        .await
        .unwrap();
    let seen: Vec<uuid::Uuid> =
        sqlx::query_scalar("select distinct account_id from product.invoices")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(seen, vec![acme]);
    let accounts: Vec<uuid::Uuid> = sqlx::query_scalar("select id from product.accounts")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(accounts, vec![acme]);
    let foreign_lines: i64 = sqlx::query_scalar(
        "select count(*) from product.invoice_lines l where not exists
           (select 1 from product.invoices i where i.id = l.invoice_id)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(foreign_lines, 0, "invoice lines of other accounts");
    tx.rollback().await.unwrap();

    // Writing as support, for Acme: what works on Acme's rows does nothing,
    // or is refused, on Globex's.
    let rename = "update product.accounts set name = 'Renamed' where id = $1";
    assert_eq!(
        write_as_support(&app.pool, acme, rename, acme)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        write_as_support(&app.pool, acme, rename, globex)
            .await
            .unwrap(),
        0
    );
    let plant = "insert into product.tax_profiles (id, account_id, name, region, rate_bp) \
                 values (gen_random_uuid(), $1, 'Planted', 'eu', 100)";
    assert_eq!(
        write_as_support(&app.pool, acme, plant, acme)
            .await
            .unwrap(),
        1
    );
    assert!(
        write_as_support(&app.pool, acme, plant, globex)
            .await
            .is_err(),
        "support wrote into another account"
    );

    // The role without an account named: nothing at all.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("set local role chaperone_support_ro")
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from product.invoices")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();

    // The serving role itself keeps every row (customers, the console).
    let n: i64 = sqlx::query_scalar("select count(distinct account_id) from product.invoices")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, all);
}

/// Runs `sql` (binding `target`) as the support write role for `account`,
/// then rolls back: how many rows it touched, or Postgres's refusal.
async fn write_as_support(
    pool: &PgPool,
    account: uuid::Uuid,
    sql: &'static str,
    target: uuid::Uuid,
) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await.unwrap();
    let set_role = chaperone::db::as_support_writer(account);
    sqlx::Executor::execute(&mut *tx, set_role.as_str())
        .await
        .unwrap();
    let done = sqlx::query(sql)
        .bind(target)
        .execute(&mut *tx)
        .await
        .map(|r| r.rows_affected());
    tx.rollback().await.unwrap();
    done
}
