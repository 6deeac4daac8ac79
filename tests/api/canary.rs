//! The canary sweep: every non-public column of one account's rows gets a
//! unique value (found from the live schema, so a new column is covered
//! without editing this test); then an agent in a read-only and in an edit
//! session goes through every product page, every read function, searches
//! for each canary, exports, and reads the log — and no non-public value
//! may appear in full anywhere. Customers never see secrets or full card
//! numbers.

use crate::helpers::{new_client, spawn_app, TestApp};
use chaperone::access::registry::{Access, Effect};
use chaperone::access::Capability;
use chaperone::classification::{class_of, DataClass};
use chaperone::product::ui::PRODUCT_PAGES;
use chaperone::seed::DEMO_PASSWORD;
use chaperone::startup::SERVER_FNS;

/// Captures what the server logs while the sweep runs (every level of
/// Chaperone's own and the request logs), so the logs are a surface too.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Logs {
    let logs = Logs::default();
    let writer = logs.clone();
    // SQL statements are left out: the test plants its canaries with
    // literal SQL of its own; the server binds values as parameters.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,sqlx=off,hyper=off,h2=off,reqwest=off",
        ))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // One subscriber per test process; this is the only test that sets one.
    let _ = tracing::subscriber::set_global_default(subscriber);
    logs
}

/// A planted value and the class of the column it sits in.
struct Canary {
    value: String,
    class: DataClass,
    place: String,
}

/// Fills every non-public column of Acme Co's rows with unique values.
async fn plant_canaries(app: &TestApp) -> Vec<Canary> {
    let owner = app.owner_pool().await;
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text, data_type::text from information_schema.columns
         where table_schema = 'product' order by table_name, ordinal_position",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    // How each table's rows belong to Acme Co.
    let acme = "(select id from product.accounts where name = 'Acme Co')";
    let scope = |table: &str| -> String {
        match table {
            "accounts" => format!("id = {acme}"),
            "invoice_lines" => {
                format!("invoice_id in (select id from product.invoices where account_id = {acme})")
            }
            "notification_settings" => {
                format!("user_id in (select id from product.users where account_id = {acme})")
            }
            _ => format!("account_id = {acme}"),
        }
    };
    let mut canaries = Vec::new();
    let mut n = 0;
    for (table, column, data_type) in columns {
        let class = class_of(&table, &column);
        if class == DataClass::Public {
            continue;
        }
        let ctids: Vec<String> = sqlx::query_scalar(&format!(
            "select ctid::text from product.{table} where {}",
            scope(&table)
        ))
        .fetch_all(&owner)
        .await
        .unwrap();
        for ctid in ctids {
            n += 1;
            let (value, literal) = match (data_type.as_str(), class) {
                ("date", _) => {
                    let d = format!("19{:02}-0{}-1{}", 10 + n % 80, 1 + n % 9, n % 10);
                    (d.clone(), format!("'{d}'::date"))
                }
                (_, DataClass::Payment) => {
                    let v = format!("4{:015}", 310_000_000_000_000u64 + n as u64 * 7919);
                    (v.clone(), format!("'{v}'"))
                }
                (_, DataClass::Contact) if column.contains("email") => {
                    let v = format!("canary{n}x{table}@canary.test");
                    (v.clone(), format!("'{v}'"))
                }
                _ => {
                    let v = format!("CANARY{n}{}", &table[..3]);
                    (v.clone(), format!("'{v}'"))
                }
            };
            sqlx::query(&format!(
                "update product.{table} set {column} = {literal} where ctid = '{ctid}'::tid"
            ))
            .execute(&owner)
            .await
            .unwrap_or_else(|e| panic!("plant {table}.{column}: {e}"));
            canaries.push(Canary {
                value,
                class,
                place: format!("{table}.{column}"),
            });
        }
    }
    assert!(
        canaries.len() > 20,
        "canaries were planted: {}",
        canaries.len()
    );
    canaries
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

async fn id_of(app: &TestApp, sql: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

/// Priya enters Acme Co as Jane (owner) in `mode`, approved by Maya.
async fn enter_as_jane(app: &TestApp, priya: &reqwest::Client, maya: &reqwest::Client, mode: &str) {
    let account = id_of(
        app,
        "select id from product.accounts where name = 'Acme Co'",
    )
    .await;
    let jane = id_of(app, "select id from product.users where name = 'Jane Doe'").await;
    let res = app
        .call(
            priya,
            "request_support_session",
            &[
                ("account_id", &account),
                ("target_user_id", &jane),
                (
                    "reason",
                    "Customer says EU invoices show 20% tax instead of 10%",
                ),
                ("ticket", "#4821"),
                ("mode", mode),
            ],
        )
        .await;
    let id: String = res.json().await.unwrap();
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
    assert_eq!(app.call(maya, "decide_request", &form).await.status(), 200);
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    let res = app.call(priya, "enter_support_session", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// Everything a viewer can get: every page server-rendered (hydration data
/// included), every product read function, a search for each canary.
async fn everything_shown(app: &TestApp, client: &reqwest::Client, canaries: &[Canary]) -> String {
    let mut seen = String::new();
    let invoice = id_of(
        app,
        "select i.id from product.invoices i join product.accounts a on a.id = i.account_id where a.name = 'Acme Co' limit 1",
    )
    .await;
    let mut pages: Vec<String> = PRODUCT_PAGES.iter().map(|(p, _)| p.to_string()).collect();
    pages.push(format!("/app/billing/invoices/{invoice}"));
    for page in pages {
        let res = client.get(app.url(&page)).send().await.unwrap();
        // The customer's own pages refuse support (and still leak nothing).
        if ["/app/history", "/app/settings/security"].contains(&page.as_str()) {
            assert!([200, 403].contains(&res.status().as_u16()), "{page}");
        } else {
            assert_eq!(res.status(), 200, "{page}");
        }
        seen.push_str(&res.text().await.unwrap());
    }
    for entry in SERVER_FNS
        .entries()
        .filter(|e| e.effect == Effect::Reads && e.access == Access::Needs(Capability::UseProduct))
    {
        let endpoint = entry.path.trim_start_matches("/api/");
        let form: Vec<(&str, &str)> = match endpoint {
            "product_invoice" => vec![("id", invoice.as_str())],
            "product_search" => vec![("q", "Acme")],
            _ => vec![],
        };
        let res = app.call(client, endpoint, &form).await;
        assert_eq!(res.status(), 200, "{endpoint}");
        seen.push_str(&res.text().await.unwrap());
    }
    // Searching for a value finds nothing that gives it back. (Only the
    // function's answer is kept: the search page echoes what was typed.)
    for canary in canaries {
        let res = app
            .call(client, "product_search", &[("q", &canary.value)])
            .await;
        seen.push_str(&res.text().await.unwrap());
    }
    seen
}

/// Asks for and uses a one-action approval for both exports.
async fn export_everything(
    app: &TestApp,
    priya: &reqwest::Client,
    maya: &reqwest::Client,
) -> String {
    let mut seen = String::new();
    for file in ["invoices.csv", "orders.csv"] {
        let path = format!("/app/export/{file}");
        assert_eq!(app.post(priya, &path).await.status(), 403, "blocked first");
        let id: String = app
            .call(
                priya,
                "request_action_approval",
                &[
                    ("action", "export"),
                    ("object", file),
                    (
                        "reason",
                        "Customer needs the CSV for their auditor this week",
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
        assert_eq!(app.call(maya, "decide_request", &form).await.status(), 200);
        let res = app.post(priya, &path).await;
        assert_eq!(res.status(), 200, "{file}");
        seen.push_str(&res.text().await.unwrap());
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_value_reaches_an_agent_and_no_secret_reaches_the_customer() {
    let logs = capture_logs();
    let app = spawn_app().await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let jane_id = id_of(
        &app,
        "select id from product.users where email = 'jane@acme.test'",
    )
    .await;
    let mut canaries = plant_canaries(&app).await;
    // The canaries overwrite emails and password hashes, and a login made
    // with a hash that has changed is signed out. Jane's hash becomes a
    // fresh one of the demo password (unique, so a canary too), and she
    // signs in with her planted email.
    let fresh = chaperone::auth::password::hash(DEMO_PASSWORD.to_string().into())
        .await
        .unwrap()
        .0;
    let owner = app.owner_pool().await;
    sqlx::query("update product.users set password_hash = $1 where id = $2::uuid")
        .bind(&fresh)
        .bind(&jane_id)
        .execute(&owner)
        .await
        .unwrap();
    canaries.push(Canary {
        value: fresh,
        class: DataClass::Secret,
        place: "users.password_hash (Jane's, re-planted)".into(),
    });
    let jane_email: String =
        sqlx::query_scalar("select email from product.users where id = $1::uuid")
            .bind(&jane_id)
            .fetch_one(&owner)
            .await
            .unwrap();
    let jane = new_client();
    assert_eq!(
        app.customer_sign_in(&jane, &jane_email, DEMO_PASSWORD)
            .await
            .status(),
        200
    );

    let mut agent_saw = String::new();
    for mode in ["read_only", "edit"] {
        enter_as_jane(&app, &priya, &maya, mode).await;
        agent_saw.push_str(&everything_shown(&app, &priya, &canaries).await);
        agent_saw.push_str(&export_everything(&app, &priya, &maya).await);
        // The console shows the account too, masked.
        let account = id_of(
            &app,
            "select id from product.accounts where name = 'Acme Co'",
        )
        .await;
        for (endpoint, form) in [
            ("account_summary", vec![("id", account.as_str())]),
            ("search_accounts", vec![("q", "Acme")]),
            ("support_status", vec![]),
        ] {
            let res = app.call(&priya, endpoint, &form).await;
            agent_saw.push_str(&res.text().await.unwrap());
        }
        assert_eq!(
            app.call(&priya, "end_support_session", &[]).await.status(),
            200
        );
    }
    let log: Vec<(String, String)> =
        sqlx::query_as("select summary, detail::text from chaperone.events")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for (summary, detail) in &log {
        agent_saw.push_str(summary);
        agent_saw.push_str(detail);
    }
    // What owners are told (in the app, and by email through the outbox)
    // is written from the log, and holds no more than it does.
    let told: Vec<String> = sqlx::query_scalar(
        "select body from chaperone.customer_notifications
         union all select subject || ' ' || body from chaperone.email_outbox",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(!told.is_empty(), "the sessions notified the owners");
    for text in &told {
        agent_saw.push_str(text);
    }
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(
        logged.contains("request"),
        "the server's logs were captured"
    );
    agent_saw.push_str(&logged);

    for canary in &canaries {
        assert!(
            !agent_saw.contains(&canary.value),
            "{} ({:?}) reached an agent or the log in full: {}",
            canary.place,
            canary.class,
            canary.value
        );
    }

    // The customer sees their own data — never secrets, never full cards.
    let customer_saw = everything_shown(&app, &jane, &canaries).await;
    for canary in canaries
        .iter()
        .filter(|c| matches!(c.class, DataClass::Secret | DataClass::Payment))
    {
        assert!(
            !customer_saw.contains(&canary.value),
            "{} ({:?}) reached the customer in full",
            canary.place,
            canary.class
        );
    }
    // …while their contact and identity data is theirs to see.
    assert!(canaries
        .iter()
        .filter(|c| c.place == "users.national_id")
        .any(|c| customer_saw.contains(&c.value)));
}
