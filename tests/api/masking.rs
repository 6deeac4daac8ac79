//! Postgres as the last guard: what the support roles may read and write,
//! whatever the Rust code does.

use crate::helpers::{new_client, spawn_app, TestApp};
use chaperone::seed::DEMO_PASSWORD;
use sqlx::PgPool;

async fn demo() -> TestApp {
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    app
}

/// Runs `sql` as `role` (the way the access context switches in a support
/// session) and returns Postgres's error code, if it refused.
async fn as_role(pool: &PgPool, role: &str, sql: &str) -> Option<String> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(&format!("set local role {role}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    let result = sqlx::query(sql).execute(&mut *tx).await;
    tx.rollback().await.unwrap();
    result.err().and_then(|e| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.to_string())
    })
}

const DENIED: Option<&str> = Some("42501");

/// A product function that forgot every check still cannot write in a
/// read-only session, nor read what support may never see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_roles_refuse_what_the_code_must_never_do() {
    let app = demo().await;
    let ro = "chaperone_support_ro";
    let rw = "chaperone_support_rw";
    // Read-only: no write at all on the product schema.
    for sql in [
        "update product.workspaces set tax_rate_bp = 0",
        "update product.users set name = 'x'",
        "insert into product.notes (id, account_id, body) select gen_random_uuid(), id, 'x' from product.accounts limit 1",
        "delete from product.invitations",
    ] {
        assert_eq!(as_role(&app.pool, ro, sql).await.as_deref(), DENIED, "{sql}");
    }
    // Neither role reads secret, identity or private columns.
    for role in [ro, rw] {
        for sql in [
            "select password_hash from product.users",
            "select national_id from product.users",
            "select birth_date from product.users",
            "select recovery_codes_hash from product.users",
            "select token_hash from product.api_tokens",
            "select billing_id_document from product.payment_methods",
            "select body from product.notes",
            "select * from product.users",
        ] {
            assert_eq!(
                as_role(&app.pool, role, sql).await.as_deref(),
                DENIED,
                "{role}: {sql}"
            );
        }
        // What support sees in some form stays readable.
        for sql in [
            "select name, email, phone from product.users",
            "select card_number, billing_email from product.payment_methods",
            "select number, bill_to_name from product.invoices",
        ] {
            assert_eq!(as_role(&app.pool, role, sql).await, None, "{role}: {sql}");
        }
    }
    // An edit session may change what it can see, never secrets.
    assert_eq!(
        as_role(
            &app.pool,
            rw,
            "update product.workspaces set tax_rate_bp = 1000"
        )
        .await,
        None
    );
    assert_eq!(
        as_role(
            &app.pool,
            rw,
            "update product.users set password_hash = 'x'"
        )
        .await
        .as_deref(),
        DENIED
    );
}

/// A column added without a class: the schema check names it, Postgres
/// hides it from support, and the customer's pages keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_unclassified_column_is_named_and_invisible_to_support() {
    let app = demo().await;
    let owner = app.owner_pool().await;
    sqlx::query("alter table product.users add column recovery_email text")
        .execute(&owner)
        .await
        .unwrap();
    sqlx::query("update product.users set recovery_email = 'canary-' || id")
        .execute(&owner)
        .await
        .unwrap();

    let diff = chaperone::classification::check_schema(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        diff.unclassified,
        vec![("users".to_string(), "recovery_email".to_string())]
    );
    for role in ["chaperone_support_ro", "chaperone_support_rw"] {
        assert_eq!(
            as_role(&app.pool, role, "select recovery_email from product.users")
                .await
                .as_deref(),
            DENIED,
            "{role}"
        );
    }
    assert_eq!(
        chaperone::classification::class_of("users", "recovery_email"),
        chaperone::classification::DataClass::Secret,
        "served as secret until classified"
    );

    let jane = new_client();
    assert_eq!(
        app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    for page in ["/app", "/app/profile", "/app/team", "/app/search?q=Acme"] {
        let res = jane.get(app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{page}");
        assert!(!res.text().await.unwrap().contains("canary-"), "{page}");
    }
}

/// Even an edit session's role cannot move rows between accounts, turn off
/// the customer's policy, promote a user, or read the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_role_cannot_change_what_decides_who_gets_in() {
    let app = demo().await;
    let rw = "chaperone_support_rw";
    for sql in [
        "update product.accounts set support_access = 'allow'",
        "update product.accounts set sensitive = false",
        "update product.users set role = 'owner'",
        "update product.users set email = 'x@y.test'",
        "update product.invoices set account_id = account_id",
        "select summary from chaperone.events",
    ] {
        assert_eq!(
            as_role(&app.pool, rw, sql).await.as_deref(),
            DENIED,
            "{sql}"
        );
    }
    assert_eq!(
        as_role(&app.pool, rw, "update product.users set name = name").await,
        None
    );
}
