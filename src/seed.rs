//! Demo data: the staff and customer accounts the README lists, plus about
//! fifty generated accounts. Idempotent: running it again changes nothing.
//! Every demo login uses the demo-only password [`DEMO_PASSWORD`].

use crate::audit::{self, EventActor, NewEvent};
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
        let name = format!(
            "{} {} {}",
            FIRST[i % FIRST.len()],
            SECOND[(i / FIRST.len()) % SECOND.len()],
            THIRD[(i * 7) % THIRD.len()]
        );
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

    if created > 0 {
        audit::append(
            &mut tx,
            NewEvent {
                occurred_at: Utc::now(),
                kind: "system.demo_data_loaded",
                actor: EventActor::System,
                account_id: None,
                summary: format!("Chaperone loaded the demo data ({created} new records)"),
                detail: json!({ "created": created }),
            },
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
