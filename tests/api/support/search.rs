//! Console search: each kind of question finds what it names.

use super::{demo, staff};

async fn names(app: &crate::helpers::TestApp, client: &reqwest::Client, q: &str) -> Vec<String> {
    let res = app.call(client, "search_accounts", &[("q", q)]).await;
    assert_eq!(res.status(), 200, "{q}");
    let found: serde_json::Value = res.json().await.unwrap();
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_by_name_fragment_exact_name_domain_email_id_and_typo() {
    let app = demo().await;
    // Accounts whose names contain another's exact name: the exact one first.
    for name in ["Acme Co Holdings", "Old Acme Co"] {
        sqlx::query(
            "insert into product.accounts (id, name, domain) values (gen_random_uuid(), $1, $2)",
        )
        .bind(name)
        .bind(format!("{}.test", name.to_lowercase().replace(' ', "-")))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let found = names(&app, &maya, "acme co").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("Acme Co"),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(names(&app, &maya, "northwind").await, ["Northwind Traders"]);
    assert_eq!(names(&app, &maya, "globex.test").await, ["Globex"]);
    assert_eq!(names(&app, &maya, "HANK@globex.test").await, ["Globex"]);
    let id = super::account(&app, "Initech").await;
    assert_eq!(names(&app, &maya, &id).await, ["Initech"]);
    // Nothing contains "Initek": names that look like it are offered.
    assert_eq!(names(&app, &maya, "Initek").await, ["Initech"]);
    assert!(names(&app, &maya, "zzqxw").await.is_empty());

    // More names start with the text than are ranked: those are the
    // candidates, and the exact name still comes first.
    sqlx::query(
        "insert into product.accounts (id, name, domain)
         select gen_random_uuid(), 'Fjord Alpha Labs ' || i, 'fjord-' || i || '.test'
         from generate_series(1, 300) i
         union all select gen_random_uuid(), 'Fjord Alpha Labs', 'fjord.test'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let found = names(&app, &maya, "fjord alpha labs").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("Fjord Alpha Labs"),
        "{found:?}"
    );
    assert!(found.len() > 1, "{found:?}");
    assert!(
        found.iter().all(|n| n.starts_with("Fjord Alpha Labs")),
        "{found:?}"
    );
}
