//! `chaperone seed scale --accounts N`: generates N accounts with users,
//! workspaces, invoices with lines, payment methods and orders, fast enough
//! for a million accounts on a small machine.
//!
//! How: rows are streamed with `COPY … FROM STDIN` in batches; ids are
//! monotonic within a run so primary-key inserts append; the product
//! schema's non-unique indexes are dropped for the load and rebuilt after
//! (their definitions are read from the catalogue, so nothing drifts); every
//! generated user shares one precomputed password hash.

use crate::auth::password::PasswordHashString;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{PgConnection, PgPool};
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use uuid::Uuid;

const BATCH: u64 = 5_000;
const ROLES: [&str; 4] = ["owner", "billing_admin", "admin", "member"];
const PLANS: [&str; 3] = ["starter", "growth", "enterprise"];
const REGIONS: [&str; 4] = ["eu", "us", "uk", "apac"];
const WORDS: [&str; 16] = [
    "Alpha", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer",
];
const SUFFIXES: [&str; 8] = [
    "Labs",
    "Foods",
    "Logistics",
    "Studio",
    "Health",
    "Systems",
    "Partners",
    "Works",
];
const FIRST_NAMES: [&str; 8] = [
    "Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan",
];
const LAST_NAMES: [&str; 8] = [
    "Smith", "Garcia", "Chen", "Okafor", "Novak", "Silva", "Kowalski", "Haddad",
];

/// What a run did.
#[derive(Debug, Clone)]
pub struct ScaleReport {
    pub accounts: u64,
    pub rows: u64,
    pub elapsed: Duration,
}

impl ScaleReport {
    pub fn accounts_per_second(&self) -> f64 {
        self.accounts as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Monotonic ids: a random run tag in the high bits, kind and counter below.
struct Ids {
    run: u64,
}

impl Ids {
    fn id(&self, kind: u8, n: u64) -> Uuid {
        Uuid::from_u64_pair(self.run, (u64::from(kind) << 56) | n)
    }
}

/// Generates `accounts` accounts. `pool` must connect as the owner role (it
/// drops and rebuilds indexes).
pub async fn seed_scale(
    pool: &PgPool,
    accounts: u64,
    hash: &PasswordHashString,
    show_progress: bool,
) -> anyhow::Result<ScaleReport> {
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    // A run tag that sorts after earlier runs, so each run appends.
    let run = (chrono::Utc::now().timestamp_millis() as u64) << 8 | u64::from(rand::random::<u8>());
    let ids = Ids { run };
    let tag = format!("{:x}", run & 0xffff_ffff);

    let indexes: Vec<(String, String)> = sqlx::query_as(
        r#"select i.indexname::text, i.indexdef::text from pg_indexes i
           join pg_class c on c.relname = i.indexname
           join pg_index x on x.indexrelid = c.oid
           where i.schemaname = 'product' and not x.indisunique"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::raw_sql(&format!("drop index if exists product.\"{name}\""))
            .execute(&mut *conn)
            .await?;
    }

    let bar = if show_progress {
        ProgressBar::new(accounts)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} accounts ({per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut rows = 0u64;
    let mut start = 0u64;
    let load = async {
        while start < accounts {
            let end = (start + BATCH).min(accounts);
            rows += copy_batch(&mut conn, &ids, &tag, start, end, hash).await?;
            bar.set_position(end);
            start = end;
        }
        anyhow::Ok(())
    };
    let loaded = load.await;
    bar.set_message("rebuilding indexes");
    // Rebuild the indexes whatever happened, so a failed load leaves a usable schema.
    for (_, def) in &indexes {
        sqlx::raw_sql(def).execute(&mut *conn).await?;
    }
    loaded?;
    sqlx::raw_sql("analyze product.accounts, product.users, product.workspaces, product.invoices, product.invoice_lines, product.payment_methods, product.orders")
        .execute(&mut *conn)
        .await?;
    bar.finish_and_clear();
    Ok(ScaleReport {
        accounts,
        rows,
        elapsed: started.elapsed(),
    })
}

pub(super) async fn copy(
    conn: &mut PgConnection,
    statement: &str,
    data: String,
) -> anyhow::Result<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(data.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

async fn copy_batch(
    conn: &mut PgConnection,
    ids: &Ids,
    tag: &str,
    start: u64,
    end: u64,
    hash: &PasswordHashString,
) -> anyhow::Result<u64> {
    let mut accounts = String::new();
    let mut users = String::new();
    let mut workspaces = String::new();
    let mut invoices = String::new();
    let mut lines = String::new();
    let mut methods = String::new();
    let mut orders = String::new();
    let mut rows = 0u64;
    for n in start..end {
        let account = ids.id(1, n);
        let name = format!(
            "{} {} {} {n}",
            WORDS[(n % 16) as usize],
            WORDS[((n / 16) % 16) as usize],
            SUFFIXES[((n / 256) % 8) as usize]
        );
        let slug = format!("acct-{tag}-{n}");
        let plan = PLANS[(n % 3) as usize];
        writeln!(
            accounts,
            "{account}\t{name}\t{slug}.test\t{plan}\t{}\t{}\tallow",
            REGIONS[(n % 4) as usize],
            n % 97 == 0
        )?;
        for (r, role) in ROLES.iter().enumerate() {
            let user = ids.id(2, n * 4 + r as u64);
            let person = format!(
                "{} {}",
                FIRST_NAMES[(n as usize + r) % 8],
                LAST_NAMES[(n as usize / 8 + r) % 8]
            );
            writeln!(
                users,
                "{user}\t{account}\t{role}{r}@{slug}.test\t{person}\t{role}\t{}",
                hash.0
            )?;
        }
        let ws = ids.id(3, n);
        writeln!(workspaces, "{ws}\t{account}\tMain\tEU\t2000")?;
        let pm = ids.id(4, n);
        writeln!(
            methods,
            "{pm}\t{account}\tVisa\t42424242424{:05}\t{}\t{}\tbilling@{slug}.test\ttrue",
            n % 100_000,
            n % 12 + 1,
            2027 + n % 4
        )?;
        for k in 0..3u64 {
            let inv = ids.id(5, n * 3 + k);
            writeln!(invoices, "{inv}\t{account}\t{ws}\tINV-2026-{:04}\t2026-0{}-15\tpaid\t{name}\t1 Main Street\t2000", k + 1, k + 1)?;
            for l in 0..2u64 {
                writeln!(
                    lines,
                    "{}\t{inv}\t{}\tPlatform subscription\t{}\t{}",
                    ids.id(6, (n * 3 + k) * 2 + l),
                    l + 1,
                    1 + (n + l) % 5,
                    4900 + 100 * ((n + k) % 50)
                )?;
            }
        }
        for k in 0..4u64 {
            writeln!(
                orders,
                "{}\t{account}\tORD-{:06}\t2026-0{}-01 12:00:00+00\tSeat pack\t{}\t{pm}",
                ids.id(7, n * 4 + k),
                n * 4 + k,
                k + 1,
                1200 * (k + 1)
            )?;
        }
        rows += 1 + 4 + 1 + 1 + 3 + 6 + 4;
    }
    copy(conn, "copy product.accounts (id, name, domain, plan, region, sensitive, support_access) from stdin", accounts).await?;
    copy(
        conn,
        "copy product.users (id, account_id, email, name, role, password_hash) from stdin",
        users,
    )
    .await?;
    copy(
        conn,
        "copy product.workspaces (id, account_id, name, tax_region, tax_rate_bp) from stdin",
        workspaces,
    )
    .await?;
    copy(conn, "copy product.payment_methods (id, account_id, brand, card_number, exp_month, exp_year, billing_email, is_default) from stdin", methods).await?;
    copy(conn, "copy product.invoices (id, account_id, workspace_id, number, issued_on, status, bill_to_name, bill_to_address, tax_rate_bp) from stdin", invoices).await?;
    copy(conn, "copy product.invoice_lines (id, invoice_id, position, description, quantity, unit_price_cents) from stdin", lines).await?;
    copy(conn, "copy product.orders (id, account_id, number, placed_at, description, amount_cents, payment_method_id) from stdin", orders).await?;
    Ok(rows)
}
