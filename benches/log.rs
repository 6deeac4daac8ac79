//! The session log at scale, measured from outside over HTTP: the list
//! (first page, filtered, deep pages) and session timelines, sequential
//! requests as a manager, p50 / p95 / max in milliseconds.
//!
//! Run by `make bench`, which prepares a database with 10,000,000
//! events and a release server; or by hand: `BASE_URL=… cargo bench --bench log`.

use std::time::{Duration, Instant};

const ROUNDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, String)],
) -> serde_json::Value {
    let res = client
        .post(format!("{base}/api/{endpoint}"))
        .header("Origin", base)
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("the server answers");
    assert!(res.status().is_success(), "{endpoint}: {}", res.status());
    res.json().await.expect("json")
}

async fn measure<F, Fut>(name: &str, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..10 {
        f(i).await; // warm up
    }
    let mut times = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        let t = Instant::now();
        f(i).await;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "| {name:<44} | {:>7.1} | {:>7.1} | {:>7.1} |",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0)
    );
}

#[tokio::main]
async fn main() {
    let base = std::env::var("BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:3200".into());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    call(
        &client,
        &base,
        "staff_sign_in",
        &[
            ("email", "maya.chen@chaperone.test".into()),
            ("password", "chaperone-demo".into()),
        ],
    )
    .await;
    // Session ids to open, and a cursor some pages deep.
    let mut ids: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut form = vec![];
        if let Some(c) = &cursor {
            form.push(("before", c.clone()));
        }
        let page = call(&client, &base, "session_log", &form).await;
        for row in page["rows"].as_array().into_iter().flatten() {
            ids.push(row["id"].as_str().unwrap_or_default().to_string());
        }
        cursor = page["next"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert!(
        !ids.is_empty(),
        "there are sessions to open: seed them first"
    );
    let deep = cursor.clone();

    println!("| request (sequential, as a manager)            | p50 ms  | p95 ms  | max ms  |");
    println!("| --- | ---: | ---: | ---: |");
    measure("session list, first page", |_| {
        let (client, base) = (&client, &base);
        async move {
            call(client, base, "session_log", &[]).await;
        }
    })
    .await;
    measure("session list, 20 pages deep", |_| {
        let form = deep
            .iter()
            .map(|c| ("before", c.clone()))
            .collect::<Vec<_>>();
        let (client, base) = (&client, &base);
        async move {
            call(client, base, "session_log", &form).await;
        }
    })
    .await;
    for (label, key, value) in [
        ("session list, with changes", "changes", "true"),
        ("session list, unreviewed", "review", "unreviewed"),
        ("session list, agent name fragment", "agent", "sarah"),
    ] {
        measure(label, |_| {
            let (client, base) = (&client, &base);
            async move {
                call(client, base, "session_log", &[(key, value.to_string())]).await;
            }
        })
        .await;
    }
    measure("session timeline (~50 events)", |i| {
        let id = ids[i % ids.len()].clone();
        let (client, base) = (&client, &base);
        async move {
            call(client, base, "session_timeline", &[("id", id)]).await;
        }
    })
    .await;
}
