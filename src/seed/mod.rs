//! Demo data: the staff and customer accounts the README lists, plus about
//! fifty generated accounts. Idempotent: running it again changes nothing.
//! Every demo login uses the demo-only password [`DEMO_PASSWORD`].
//! [`scale`] generates many accounts fast, for benchmarks.
//!
//! Why this file is long: it is the demo data itself — named accounts, the
//! support cases and their invoices — written out so that a reader sees the
//! whole demo in one place.

pub mod events;
pub mod scale;

use crate::audit::{self, EventActor, Kind, NewEvent};
use crate::auth::password::{self, PasswordHashString};
use crate::staff::repo::{create_if_missing, NewStaff};
use crate::staff::StaffRole;
use chrono::Utc;
use secrecy::SecretString;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The password of every demo login. Demo data only.
pub const DEMO_PASSWORD: &str = "chaperone-demo";

/// The demo staff: name, role.
pub const DEMO_STAFF: &[(&str, StaffRole)] = &[
    ("Sarah Lee", StaffRole::Agent),
    ("James Ortiz", StaffRole::Agent),
    ("Priya Nair", StaffRole::SeniorAgent),
    ("Dan Kim", StaffRole::Engineer),
    ("Maya Chen", StaffRole::Manager),
    ("Leo Brandt", StaffRole::Manager),
    ("Omar Haddad", StaffRole::Auditor),
    ("Alex Rivera", StaffRole::Admin),
];

/// `first.last@chaperone.test`.
pub fn staff_email(name: &str) -> String {
    format!("{}@chaperone.test", name.to_lowercase().replace(' ', "."))
}

struct DemoAccount {
    name: &'static str,
    domain: &'static str,
    plan: &'static str,
    region: &'static str,
    sensitive: bool,
    support_access: &'static str,
    users: &'static [(&'static str, &'static str, &'static str)],
}

const NAMED_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        name: "Acme Co",
        domain: "acme.test",
        plan: "growth",
        region: "eu",
        sensitive: false,
        support_access: "allow",
        users: &[
            ("Jane Doe", "jane@acme.test", "owner"),
            ("Ana Silva", "ana@acme.test", "billing_admin"),
            ("Tom Becker", "tom@acme.test", "member"),
        ],
    },
    DemoAccount {
        name: "Northwind Traders",
        domain: "northwind.test",
        plan: "starter",
        region: "us",
        sensitive: false,
        support_access: "allow",
        users: &[
            ("Nancy Davolio", "nancy@northwind.test", "owner"),
            ("Andrew Fuller", "andrew@northwind.test", "admin"),
            ("Laura Callahan", "laura@northwind.test", "member"),
        ],
    },
    DemoAccount {
        name: "Globex",
        domain: "globex.test",
        plan: "enterprise",
        region: "us",
        sensitive: true,
        support_access: "allow",
        users: &[
            ("Hank Scorpio", "hank@globex.test", "owner"),
            ("Mindy Simmons", "mindy@globex.test", "billing_admin"),
            ("Frank Grimes", "frank@globex.test", "member"),
        ],
    },
    DemoAccount {
        name: "Initech",
        domain: "initech.test",
        plan: "growth",
        region: "us",
        sensitive: false,
        support_access: "ask_owner",
        users: &[
            ("Bill Lumbergh", "bill@initech.test", "owner"),
            ("Peter Gibbons", "peter@initech.test", "member"),
            ("Milton Waddams", "milton@initech.test", "member"),
        ],
    },
    DemoAccount {
        name: "Umbrella",
        domain: "umbrella.test",
        plan: "enterprise",
        region: "uk",
        sensitive: false,
        support_access: "off",
        users: &[
            ("Albert Wesker", "albert@umbrella.test", "owner"),
            ("Ada Wong", "ada@umbrella.test", "admin"),
        ],
    },
];

const FIRST: &[&str] = &[
    "Blue", "Silver", "Red", "North", "Bright", "Green", "Iron", "Swift", "Cedar", "Harbor",
];
const SECOND: &[&str] = &["Harbor", "Peak", "Field", "Stone", "River"];
const THIRD: &[&str] = &[
    "Logistics",
    "Studio",
    "Labs",
    "Foods",
    "Health",
    "Partners",
    "Systems",
    "Works",
    "Media",
    "Supply",
];
const PEOPLE: &[&str] = &[
    "Olivia Park",
    "Liam Moreau",
    "Emma Rossi",
    "Noah Fischer",
    "Ava Novak",
    "Lucas Sato",
    "Mia Haddad",
    "Ethan Kowalski",
];

fn generated_name(i: usize) -> String {
    format!(
        "{} {} {}",
        FIRST[i % FIRST.len()],
        SECOND[(i / FIRST.len()) % SECOND.len()],
        THIRD[(i * 7) % THIRD.len()]
    )
}

/// Deterministic ids, so the seed is idempotent.
fn demo_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("chaperone-demo:{kind}:{key}").as_bytes(),
    )
}

/// Loads the demo data (idempotent). Returns how many rows were created.
pub async fn seed_demo(pool: &PgPool) -> anyhow::Result<u64> {
    let hash = password::hash(SecretString::from(DEMO_PASSWORD)).await?;
    let mut tx = pool.begin().await?;
    let mut created = 0u64;

    for (name, role) in DEMO_STAFF {
        let email = staff_email(name);
        let (_, new) = create_if_missing(
            &mut tx,
            NewStaff {
                email: &email,
                name,
                role: *role,
                password_hash: &hash,
            },
        )
        .await?;
        created += u64::from(new);
    }

    for account in NAMED_ACCOUNTS {
        created += insert_account(
            &mut tx,
            account.name,
            Some(account.domain),
            account.plan,
            account.region,
            account.sensitive,
            account.support_access,
        )
        .await?;
        for (name, email, role) in account.users {
            created += insert_user(&mut tx, account.name, name, email, role, &hash).await?;
        }
    }

    let plans = ["starter", "growth", "enterprise"];
    let regions = ["eu", "us", "uk", "apac"];
    let roles = ["owner", "billing_admin", "admin", "member"];
    for i in 0..50usize {
        let name = generated_name(i);
        let slug = name.to_lowercase().replace(' ', "-");
        let domain = format!("{slug}.test");
        created += insert_account(
            &mut tx,
            &name,
            Some(&domain),
            plans[i % 3],
            regions[i % 4],
            i % 17 == 0,
            "allow",
        )
        .await?;
        for (j, role) in roles.iter().enumerate() {
            let person = PEOPLE[(i + j) % PEOPLE.len()];
            let email = format!(
                "{}@{domain}",
                person.split(' ').next().unwrap_or("user").to_lowercase()
            );
            created += insert_user(&mut tx, &name, person, &email, role, &hash).await?;
        }
    }

    for (i, account) in NAMED_ACCOUNTS.iter().enumerate() {
        created += seed_product_data(&mut tx, account.name, i).await?;
    }
    created += acme_and_northwind_cases(&mut tx).await?;
    for i in 0..50usize {
        let name = generated_name(i);
        created += seed_product_data(&mut tx, &name, i + NAMED_ACCOUNTS.len()).await?;
    }

    if created > 0 {
        audit::append(
            &mut tx,
            NewEvent::new(Utc::now(), Kind::DemoDataLoaded, EventActor::System)
                .detail(json!({ "created": created })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(created)
}

async fn insert_account(
    tx: &mut Transaction<'_, Postgres>,
    name: &str,
    domain: Option<&str>,
    plan: &str,
    region: &str,
    sensitive: bool,
    support_access: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"insert into product.accounts (id, name, domain, plan, region, sensitive, support_access)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing"#,
        demo_id("account", name),
        name,
        domain,
        plan,
        region,
        sensitive,
        support_access
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_user(
    tx: &mut Transaction<'_, Postgres>,
    account_name: &str,
    name: &str,
    email: &str,
    role: &str,
    hash: &PasswordHashString,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"insert into product.users (id, account_id, email, name, role, password_hash)
           values ($1, $2, $3, $4, $5, $6) on conflict do nothing"#,
        demo_id("user", email),
        demo_id("account", account_name),
        email,
        name,
        role,
        hash.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// The demo logins, for `make run` and `seed demo` to print.
pub fn demo_logins_text() -> String {
    let mut out = String::from("Demo logins (password for all: chaperone-demo — demo data only)\n  Staff console: http://127.0.0.1:3000/console/login\n");
    for (name, role) in DEMO_STAFF {
        out.push_str(&format!("    {:<32} {}\n", staff_email(name), role.label()));
    }
    out.push_str("  Customers: http://127.0.0.1:3000/login\n");
    for account in NAMED_ACCOUNTS {
        for (_, email, role) in account.users {
            out.push_str(&format!(
                "    {:<32} {} of {}\n",
                email,
                role.replace('_', " "),
                account.name
            ));
        }
    }
    out
}

const FLAGS: &[&str] = &[
    "new_invoice_editor",
    "usage_based_billing",
    "eu_vat_validation",
    "beta_reports",
];
const STEPS: &[&str] = &[
    "workspace",
    "tax",
    "payment_method",
    "team",
    "first_invoice",
];
const ITEMS: &[(&str, i64)] = &[
    ("Platform subscription", 4900),
    ("Additional seats", 1200),
    ("Priority support", 9900),
    ("Data export add-on", 2500),
    ("Onboarding package", 45000),
];
const CARDS: &[(&str, &str)] = &[
    ("Visa", "4242424242424242"),
    ("Mastercard", "5555555555554444"),
    ("Amex", "378282246310005"),
];

/// Workspaces, tax profiles, invoices, a payment method, orders, a token and
/// a note for one account; varied by `i` so accounts differ (plan usage,
/// unfinished onboarding, flags).
async fn seed_product_data(
    tx: &mut Transaction<'_, Postgres>,
    account_name: &str,
    i: usize,
) -> Result<u64, sqlx::Error> {
    let account_id = demo_id("account", account_name);
    let mut created = 0u64;
    let steps: Vec<String> = STEPS
        .iter()
        .take(1 + i % STEPS.len())
        .map(|s| s.to_string())
        .collect();
    let flags: Vec<String> = FLAGS
        .iter()
        .enumerate()
        .filter(|(j, _)| (i + j).is_multiple_of(3))
        .map(|(_, f)| f.to_string())
        .collect();
    sqlx::query!(
        "update product.accounts set onboarding_steps_done = $2, feature_flags = $3 where id = $1 and onboarding_steps_done = '{}'",
        account_id,
        &steps,
        &flags
    )
    .execute(&mut **tx)
    .await?;

    let profile_id = demo_id("tax_profile", &format!("{account_name}/standard"));
    created += sqlx::query!(
        "insert into product.tax_profiles (id, account_id, name, region, rate_bp) values ($1, $2, 'Standard', 'EU', 2000) on conflict do nothing",
        profile_id,
        account_id
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();

    let workspaces = [
        ("Main", "EU", 2000, Some(profile_id)),
        ("US", "US", 0, None),
    ];
    let card = CARDS[i % CARDS.len()];
    let pm_id = demo_id("payment_method", account_name);
    created += sqlx::query!(
        r#"insert into product.payment_methods (id, account_id, brand, card_number, exp_month, exp_year, billing_email, billing_id_document, is_default)
           values ($1, $2, $3, $4, $5, $6, $7, $8, true) on conflict do nothing"#,
        pm_id,
        account_id,
        card.0,
        card.1,
        (i % 12 + 1) as i32,
        2027 + (i % 4) as i32,
        format!("billing@{}.test", account_name.to_lowercase().replace(' ', "-")),
        format!("ID-{:08}", 10_000_000 + i * 7919)
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();

    for (w, (ws_name, region, rate, profile)) in workspaces.iter().enumerate().take(1 + i % 2) {
        let ws_id = demo_id("workspace", &format!("{account_name}/{ws_name}"));
        created += sqlx::query!(
            "insert into product.workspaces (id, account_id, name, tax_region, tax_rate_bp, tax_profile_id) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
            ws_id,
            account_id,
            ws_name,
            region,
            rate,
            *profile
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        for n in 0..3usize {
            created += seed_invoice(
                tx,
                account_id,
                account_name,
                ws_id,
                *rate,
                w * 3 + n + 1,
                i + n,
            )
            .await?;
        }
    }

    for n in 0..4usize {
        let (description, price) = ITEMS[(i + n) % ITEMS.len()];
        created += sqlx::query!(
            r#"insert into product.orders (id, account_id, number, placed_at, description, amount_cents, status, payment_method_id)
               values ($1, $2, $3, now() - make_interval(days => $4), $5, $6, $7, $8) on conflict do nothing"#,
            demo_id("order", &format!("{account_name}/{n}")),
            account_id,
            format!("ORD-{:05}", 1000 + n + i * 10),
            (n * 17 + 3) as i32,
            description,
            price * (1 + (n as i64 % 3)),
            if n == 3 && i % 4 == 0 { "failed" } else { "paid" },
            pm_id
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }

    if i.is_multiple_of(3) {
        created += sqlx::query!(
            r#"insert into product.api_tokens (id, account_id, name, token_hash, last_two) values ($1, $2, 'Accounting sync', $3, $4) on conflict do nothing"#,
            demo_id("token", account_name),
            account_id,
            crate::product::tokens::token_digest(&format!("demo-token-{account_name}")),
            "k9"
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(created)
}

async fn seed_invoice(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    account_name: &str,
    workspace_id: Uuid,
    rate_bp: i32,
    n: usize,
    variety: usize,
) -> Result<u64, sqlx::Error> {
    let id = demo_id("invoice", &format!("{account_name}/{n}"));
    let created = sqlx::query!(
        r#"insert into product.invoices (id, account_id, workspace_id, number, issued_on, status, bill_to_name, bill_to_address, tax_rate_bp)
           values ($1, $2, $3, $4, current_date - ($5 * 30), $6, $7, $8, $9) on conflict do nothing"#,
        id,
        account_id,
        workspace_id,
        format!("INV-2026-{n:04}"),
        (7 - n as i32).max(0),
        if n % 4 == 0 { "open" } else { "paid" },
        format!("{account_name} Accounts Payable"),
        format!("{} Market Street, Suite {}, Springfield", 10 + variety, 100 + n),
        rate_bp
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if created == 0 {
        return Ok(0);
    }
    for line in 0..2usize {
        let (description, price) = ITEMS[(variety + line + n) % ITEMS.len()];
        sqlx::query!(
            "insert into product.invoice_lines (id, invoice_id, position, description, quantity, unit_price_cents) values ($1, $2, $3, $4, $5, $6)",
            demo_id("invoice_line", &format!("{account_name}/{n}/{line}")),
            id,
            line as i32 + 1,
            description,
            (1 + (variety + line) % 5) as i32,
            price
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(created)
}

/// The support cases the demo is built around.
async fn acme_and_northwind_cases(tx: &mut Transaction<'_, Postgres>) -> Result<u64, sqlx::Error> {
    let mut created = 0u64;
    // Acme Co's "EU" workspace kept 20% from an old default profile; the
    // customer expected the reduced 10% profile.
    let acme = demo_id("account", "Acme Co");
    let old_default = demo_id("tax_profile", "Acme Co/default-2019");
    let reduced = demo_id("tax_profile", "Acme Co/eu-reduced");
    created += sqlx::query!(
        r#"insert into product.tax_profiles (id, account_id, name, region, rate_bp) values
             ($1, $3, 'Default EU (2019)', 'EU', 2000),
             ($2, $3, 'EU reduced rate', 'EU', 1000)
           on conflict do nothing"#,
        old_default,
        reduced,
        acme
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let eu = demo_id("workspace", "Acme Co/EU");
    let inserted = sqlx::query!(
        "insert into product.workspaces (id, account_id, name, tax_region, tax_rate_bp, tax_profile_id) values ($1, $2, 'EU', 'EU', 2000, $3) on conflict do nothing",
        eu,
        acme,
        old_default
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    created += inserted;
    for n in 0..2usize {
        created += seed_invoice(tx, acme, "Acme Co", eu, 2000, 20 + n, n).await?;
    }
    created += sqlx::query!(
        "insert into product.notes (id, account_id, author_id, body) values ($1, $2, $3, 'Renewal talks in March: ask about the EU tax question first.') on conflict do nothing",
        demo_id("note", "Acme Co/1"),
        acme,
        demo_id("user", "jane@acme.test")
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update product.users set phone = '+44 20 7946 4321', backup_email = 'jane.doe@example.test', birth_date = '1984-05-12', national_id = 'GB-AB123456C' where id = $1 and phone is null",
        demo_id("user", "jane@acme.test")
    )
    .execute(&mut **tx)
    .await?;

    // Northwind Traders: Nancy gets no invoice emails because the switch is
    // off, and nobody remembers turning it off.
    created += sqlx::query!(
        r#"insert into product.notification_settings (user_id, invoice_emails, failed_payment_emails, weekly_digest, product_news)
           values ($1, false, true, true, false) on conflict do nothing"#,
        demo_id("user", "nancy@northwind.test")
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(created)
}
