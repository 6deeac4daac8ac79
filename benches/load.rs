//! The product under load, measured from outside over HTTP by a separate
//! process: the invoices page (20 invoices) viewed by its customer, and the
//! same page viewed by agents in read-only support sessions — each view an
//! audited event — at concurrency 32 and with 200 sessions at once. Also the
//! console's account search at scale against a sequential-scan baseline.
//!
//! Run by `make bench` (which prepares the data and a release server); by
//! hand: `BASE_URL=… DATABASE_OWNER_URL=… SERVER_PID=… cargo bench --bench load`.

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::{Duration, Instant};

const PASSWORD: &str = "chaperone-demo";
const INVOICES: i32 = 20;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client")
}

async fn call(
    c: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(format!("{base}/api/{endpoint}"))
        .header("Origin", base)
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("the server answers")
}

/// Accounts named `Bench Account {i}`, each with one member and a workspace
/// with 20 invoices of two lines; created once, kept for later runs.
async fn bench_accounts(db: &PgPool, n: usize) {
    let have: i64 = sqlx::query_scalar(
        "select count(*) from product.accounts where name like 'Bench Account %'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    if have as usize >= n {
        return;
    }
    sqlx::raw_sql(&format!(
        r#"
        with a as (
          insert into product.accounts (id, name, domain, plan, region, sensitive, support_access)
          select gen_random_uuid(), 'Bench Account ' || i, 'bench-' || i || '.test', 'growth', 'eu', false, 'allow'
          from generate_series({have}, {n} - 1) i
          returning id, name
        ), u as (
          insert into product.users (id, account_id, email, name, role, password_hash)
          select gen_random_uuid(), a.id, 'member@' || replace(lower(a.name), ' ', '-') || '.test', 'Bench Member', 'member',
                 (select password_hash from product.users where email = 'tom@acme.test')
          from a returning account_id
        ), w as (
          insert into product.workspaces (id, account_id, name, tax_region, tax_rate_bp)
          select gen_random_uuid(), a.id, 'Main', 'EU', 2000 from a
          returning id, account_id
        ), inv as (
          insert into product.invoices (id, account_id, workspace_id, number, issued_on, status, bill_to_name, bill_to_address, tax_rate_bp)
          select gen_random_uuid(), w.account_id, w.id, 'INV-2026-' || lpad(k::text, 4, '0'), date '2026-01-01' + k * 7, 'paid', 'Bench Member', '1 Main Street', 2000
          from w, generate_series(1, {INVOICES}) k
          returning id
        )
        insert into product.invoice_lines (id, invoice_id, position, description, quantity, unit_price_cents)
        select gen_random_uuid(), inv.id, l, 'Platform subscription', 1, 4900 from inv, generate_series(1, 2) l
        "#
    ))
    .execute(db)
    .await
    .unwrap();
}

/// `n` agents (created for this run), each signed in and inside a read-only
/// session on a bench account of its own, as its member.
async fn agents_in_sessions(db: &PgPool, base: &str, n: usize) -> Vec<reqwest::Client> {
    let run = chrono::Utc::now().timestamp();
    let hash: String = sqlx::query_scalar(
        "select password_hash from chaperone.staff where email = 'maya.chen@chaperone.test'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("bench.{run}.{i}@chaperone.test");
        sqlx::query("insert into chaperone.staff (id, email, name, role, password_hash) values (gen_random_uuid(), $1, $2, 'agent', $3)")
            .bind(&email)
            .bind(format!("Bench Agent {i}"))
            .bind(&hash)
            .execute(db)
            .await
            .unwrap();
        let (account, user): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
            "select a.id, u.id from product.accounts a join product.users u on u.account_id = a.id where lower(a.name) = lower($1) and a.name = $1",
        )
        .bind(format!("Bench Account {i}"))
        .fetch_one(db)
        .await
        .unwrap();
        let c = client();
        let res = call(
            &c,
            base,
            "staff_sign_in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
        assert!(res.status().is_success(), "sign in: {}", res.status());
        let (a, u) = (account.to_string(), user.to_string());
        let res = call(
            &c,
            base,
            "request_support_session",
            &[
                ("account_id", &a),
                ("target_user_id", &u),
                (
                    "reason",
                    "Benchmark: customer asks why an invoice total looks wrong",
                ),
                ("ticket", "#4821"),
                ("mode", "read_only"),
            ],
        )
        .await;
        assert!(res.status().is_success(), "request: {:?}", res.text().await);
        let request: String = res.json().await.unwrap();
        let res = call(
            &c,
            base,
            "enter_support_session",
            &[("request_id", &request), ("password", PASSWORD)],
        )
        .await;
        assert!(res.status().is_success(), "enter: {:?}", res.text().await);
        out.push(c);
    }
    out
}

/// Server CPU time so far, in seconds (user + system).
fn server_cpu() -> f64 {
    let (Ok(pid), Ok(tck)) = (std::env::var("SERVER_PID"), std::env::var("CLK_TCK")) else {
        return f64::NAN;
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit(") ").next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
        + f.get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
    ticks / tck.parse::<f64>().unwrap_or(100.0)
}

fn peak_rss_mb() -> f64 {
    let Ok(pid) = std::env::var("SERVER_PID") else {
        return f64::NAN;
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

struct Run {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: usize,
    cpu_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Every client asks for `path` in a loop for `seconds`; one task each.
async fn load(clients: &[reqwest::Client], base: &str, path: &str, seconds: u64) -> Run {
    // Warm up: each client once.
    for c in clients {
        let _ = c.get(format!("{base}{path}")).send().await;
    }
    let cpu0 = server_cpu();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in clients {
        let (c, url) = (c.clone(), format!("{base}{path}"));
        tasks.push(tokio::spawn(async move {
            let (mut times, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                match c.get(&url).send().await {
                    Ok(res) if res.status() == 200 => {
                        let _ = res.bytes().await;
                        times.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let (mut times, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (t, e) = t.await.unwrap();
        times.extend(t);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = server_cpu() - cpu0;
    times.sort();
    Run {
        rps: times.len() as f64 / elapsed,
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        errors,
        cpu_ms: cpu * 1000.0 / times.len().max(1) as f64,
    }
}

fn row(name: &str, r: &Run) {
    println!(
        "| {name:<52} | {:>7.0} | {:>6.1} | {:>6.1} | {:>6.2} | {:>6} |",
        r.rps, r.p50, r.p99, r.cpu_ms, r.errors
    );
}

/// Sequential requests; p50 and p95 in ms.
async fn timed<F, Fut>(rounds: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

#[tokio::main]
async fn main() {
    let base = env("BASE_URL", "http://127.0.0.1:3200");
    let seconds: u64 = env("SECONDS_PER_RUN", "15").parse().unwrap();
    let sessions: usize = env("SESSIONS", "200").parse().unwrap();
    let db = PgPoolOptions::new()
        .max_connections(4)
        .connect(&std::env::var("DATABASE_OWNER_URL").expect("DATABASE_OWNER_URL"))
        .await
        .expect("connect as the owner");
    bench_accounts(&db, sessions.max(32)).await;

    // The customer: 32 browsers of the same member.
    let member: String = sqlx::query_scalar(
        "select u.email from product.users u join product.accounts a on a.id = u.account_id where a.name = 'Bench Account 0'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let mut customers = Vec::new();
    for _ in 0..32 {
        let c = client();
        let res = call(
            &c,
            &base,
            "customer_sign_in",
            &[("email", &member), ("password", PASSWORD)],
        )
        .await;
        assert!(
            res.status().is_success(),
            "customer sign in: {}",
            res.status()
        );
        customers.push(c);
    }
    let agents = agents_in_sessions(&db, &base, sessions).await;

    // `ONLY=audited` runs the audited page alone (for a profiler);
    // `ONLY=pages` the page runs without the search; `ONLY=search` the
    // search alone.
    let only = std::env::var("ONLY").unwrap_or_default();
    if only == "audited" {
        let run = load(
            &agents[..32.min(agents.len())],
            &base,
            "/app/billing/invoices",
            seconds,
        )
        .await;
        row(
            "viewed by agents in sessions (audited), concurrency 32",
            &run,
        );
        return;
    }
    let page = "/app/billing/invoices";
    if only != "search" {
        println!(
            "| {:<52} | {:>7} | {:>6} | {:>6} | {:>6} | {:>6} |",
            "invoices page (20 invoices), server-rendered",
            "req/s",
            "p50 ms",
            "p99 ms",
            "CPU ms",
            "errors"
        );
        println!("| {} | ---: | ---: | ---: | ---: | ---: |", "-".repeat(52));
        let customer = load(&customers, &base, page, seconds).await;
        row("viewed by its customer, concurrency 32", &customer);
        let audited = load(&agents[..32.min(agents.len())], &base, page, seconds).await;
        row(
            "viewed by agents in sessions (audited), concurrency 32",
            &audited,
        );
        let many = load(&agents, &base, page, seconds).await;
        row(
            &format!("audited, {} sessions at once", agents.len()),
            &many,
        );
        let rss = peak_rss_mb();
        let pgbench: f64 = env("PGBENCH_TPS", "nan").parse().unwrap_or(f64::NAN);
        println!();
        println!(
            "audited ÷ customer: {:.2} (target ≥ 0.85)",
            audited.rps / customer.rps
        );
        println!("pgbench single-insert ceiling, 32 clients: {pgbench:.0} tps; audited ÷ ceiling: {:.2} (target ≥ 0.2)", audited.rps / pgbench);
        println!(
            "server peak RSS after {} sessions: {rss:.0} MB (target < 150)",
            agents.len()
        );
    }
    if only == "pages" {
        return;
    }

    // Console search at scale, as a manager, sequential requests, after the
    // writes of the load above are flushed (a checkpoint in the middle made
    // every kind of search look slow at p95).
    if let Ok(admin) = std::env::var("ADMIN_URL") {
        if let Ok(admin) = PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin)
            .await
        {
            sqlx::raw_sql("checkpoint").execute(&admin).await.ok();
        }
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let maya = client();
    call(
        &maya,
        &base,
        "staff_sign_in",
        &[
            ("email", "maya.chen@chaperone.test"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let pick = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let domain = pick("select domain from product.accounts where domain like 'acct-%' order by id offset 500000 limit 1").await;
    let email = pick("select email from product.users where email like '%@acct-%' order by id offset 400000 limit 1").await;
    let id = pick("select id::text from product.accounts order by id offset 300000 limit 1").await;
    let once = pick("select name from product.accounts where name like 'Fjord %' order by id offset 777 limit 1").await;
    let accounts: i64 = sqlx::query_scalar("select count(*) from product.accounts")
        .fetch_one(&db)
        .await
        .unwrap();
    println!();
    println!("| console search at {accounts} accounts, /console?q= | p50 ms | p95 ms | seq scan p50 ms | ratio |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (label, term) in [
        ("name fragment shared by many (Fjord)", "Fjord".to_string()),
        (
            "three-word fragment (Fjord Alpha Labs)",
            "Fjord Alpha Labs".to_string(),
        ),
        ("an account's full name, found once", once),
        ("domain", domain),
        ("a user's exact email", email),
        ("account id", id),
    ] {
        let url = format!("{base}/console?q={}", urlencode(&term));
        let (p50, p95) = timed(200, || async {
            let res = maya.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let _ = res.bytes().await;
        })
        .await;
        // The baseline: the same question as one sequential scan.
        let pattern = format!("%{}%", term.to_lowercase());
        let (seq, _) = timed(5, || async {
            let mut tx = db.begin().await.unwrap();
            sqlx::raw_sql("set local enable_indexscan = off; set local enable_bitmapscan = off; set local jit = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let _: Vec<(uuid::Uuid,)> = sqlx::query_as(
                "select a.id from product.accounts a where a.id::text ilike $1 or a.name ilike $1 or a.domain ilike $1 \
                 or exists (select 1 from product.users u where u.account_id = a.id and u.email ilike $1) limit 21",
            )
            .bind(&pattern)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            tx.rollback().await.unwrap();
        })
        .await;
        println!(
            "| {label} | {p50:.1} | {p95:.1} | {seq:.1} | {:.0}× |",
            seq / p95
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
