//! Spawns a Chaperone server for one test, on its own fresh database.
//!
//! `TEST_DATABASE_URL` must point at a Postgres superuser (`make test` starts
//! a private cluster and sets it). Migrations run once into a template
//! database named after their checksums; each test copies the template.

use chaperone::clock::ManualClock;
use chaperone::config::{Config, DatabaseArgs};
use chaperone::startup::Application;
use chrono::{TimeZone, Utc};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, PgPool};
use std::sync::Arc;
use url::Url;
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    /// Connected as the runtime role, like the server.
    pub pool: PgPool,
    pub clock: ManualClock,
    pub db_name: String,
    admin_url: Url,
}

fn admin_url() -> Url {
    let raw = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL is not set: run the tests with `make test` (or `make unit`)");
    Url::parse(&raw).expect("TEST_DATABASE_URL is a URL")
}

/// The same server as `admin`, as another user and database.
pub fn url_for(admin: &Url, user: &str, db: &str) -> String {
    let mut url = admin.clone();
    url.set_username(user).expect("set user");
    url.set_path(&format!("/{db}"));
    url.to_string()
}

fn template_name() -> String {
    let mut hasher = Sha256::new();
    for m in chaperone::db::MIGRATOR.iter() {
        hasher.update(m.version.to_le_bytes());
        hasher.update(&*m.checksum);
    }
    // The support roles' grants are generated from the registry at migrate.
    hasher.update(chaperone::db::support_grants_sql().as_bytes());
    format!("chaperone_tpl_{}", &hex::encode(hasher.finalize())[..16])
}

async fn ensure_template(admin: &Url) -> String {
    let mut conn = PgConnection::connect(admin.as_str())
        .await
        .expect("connect as the test superuser");
    // One process at a time prepares roles and the template.
    sqlx::query("select pg_advisory_lock(727274)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(
        r#"do $$ begin
             if not exists (select from pg_roles where rolname = 'chaperone_owner') then
               create role chaperone_owner login createdb; end if;
             if not exists (select from pg_roles where rolname = 'chaperone_runtime') then
               create role chaperone_runtime nologin; end if;
             if not exists (select from pg_roles where rolname = 'chaperone_app') then
               create role chaperone_app login in role chaperone_runtime; end if;
             if not exists (select from pg_roles where rolname = 'chaperone_support_ro') then
               create role chaperone_support_ro nologin; end if;
             if not exists (select from pg_roles where rolname = 'chaperone_support_rw') then
               create role chaperone_support_rw nologin; end if;
             if not pg_has_role('chaperone_runtime', 'chaperone_support_ro', 'member') then
               grant chaperone_support_ro to chaperone_runtime; end if;
             if not pg_has_role('chaperone_runtime', 'chaperone_support_rw', 'member') then
               grant chaperone_support_rw to chaperone_runtime; end if;
           end $$;"#,
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let tpl = template_name();
    let exists: Option<i32> = sqlx::query_scalar("select 1 from pg_database where datname = $1")
        .bind(&tpl)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    if exists.is_none() {
        sqlx::raw_sql(&format!(r#"create database "{tpl}" owner chaperone_owner"#))
            .execute(&mut conn)
            .await
            .unwrap();
        let owner = SecretString::from(url_for(admin, "chaperone_owner", &tpl));
        chaperone::db::migrate(&owner)
            .await
            .expect("migrate the template");
    }
    sqlx::query("select pg_advisory_unlock(727274)")
        .execute(&mut conn)
        .await
        .unwrap();
    tpl
}

#[derive(Default)]
pub struct Options {
    pub trust_forwarded_for: bool,
    /// Where to listen (default: a free loopback port).
    pub bind_addr: Option<std::net::SocketAddr>,
    /// `SECURE_COOKIES` (default: unset).
    pub secure_cookies: Option<bool>,
    /// Serve as the owner role instead of the runtime login (refused).
    pub serve_as_owner: bool,
    /// Stream the log to this webhook with this secret.
    pub siem: Option<(String, String)>,
    /// Serve an existing test database (a second server, or a restart)
    /// instead of a fresh one.
    pub database: Option<String>,
    /// A superuser URL of another Postgres to serve from (the fault tests'
    /// own cluster) instead of `TEST_DATABASE_URL`.
    pub admin_url: Option<String>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    try_spawn_app_with(options).await.expect("build the app")
}

/// Like [`spawn_app_with`], with the error if the server refuses to start.
pub async fn try_spawn_app_with(options: Options) -> anyhow::Result<TestApp> {
    let admin = match &options.admin_url {
        Some(url) => Url::parse(url).expect("a superuser URL"),
        None => admin_url(),
    };
    let tpl = ensure_template(&admin).await;
    let db_name = match &options.database {
        Some(existing) => existing.clone(),
        None => {
            let db_name = format!("t_{}", Uuid::new_v4().simple());
            let mut conn = PgConnection::connect(admin.as_str()).await.unwrap();
            sqlx::raw_sql(&format!(
                r#"create database "{db_name}" template "{tpl}" owner chaperone_owner"#
            ))
            .execute(&mut conn)
            .await
            .expect("create the test database");
            conn.close().await.ok();
            db_name
        }
    };

    let serving_role = if options.serve_as_owner {
        "chaperone_owner"
    } else {
        "chaperone_app"
    };
    let runtime_url = url_for(&admin, serving_role, &db_name);
    let config = Config {
        database: DatabaseArgs {
            database_url: SecretString::from(runtime_url.clone()),
            database_owner_url: None,
            db_pool_size: 5,
        },
        bind_addr: options.bind_addr.unwrap_or("127.0.0.1:0".parse().unwrap()),
        public_origins: vec![],
        sign_in_lifetime_minutes: 480,
        support_idle_minutes: 15,
        support_max_minutes: 60,
        request_expiry_minutes: 30,
        approval_valid_minutes: 30,
        ticket_pattern: chaperone::access::reason::DEFAULT_TICKET_PATTERN.into(),
        secure_cookies: options.secure_cookies,
        trust_forwarded_for: options.trust_forwarded_for,
        migrate_on_start: false,
        site_root: "target/site".into(),
        site_pkg_dir: "pkg".into(),
        output_name: "chaperone".into(),
        siem: chaperone::config::SiemArgs {
            webhook_url: options.siem.as_ref().map(|(url, _)| url.clone()),
            secret: options
                .siem
                .as_ref()
                .map(|(_, s)| SecretString::from(s.clone())),
            every_ms: 100,
        },
    };
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap());
    let app = Application::build(config, Arc::new(clock.clone())).await?;
    // Reach the server on loopback even when it listens on every address.
    let base = format!("http://127.0.0.1:{}", app.address().port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());

    Ok(TestApp {
        base,
        pool,
        clock,
        db_name,
        admin_url: admin,
    })
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A server that stops answering fails the test instead of hanging CI.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

pub const PASSWORD: &str = "a-long-test-password";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The HTML of a page, as this client sees it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Creates a staff member with [`PASSWORD`].
    pub async fn add_staff(
        &self,
        name: &str,
        email: &str,
        role: chaperone::staff::StaffRole,
    ) -> Uuid {
        chaperone::staff::repo::create_staff(
            &self.pool,
            email,
            name,
            role,
            SecretString::from(PASSWORD),
            chaperone::audit::EventActor::System,
        )
        .await
        .unwrap()
        .expect("a new email")
    }

    /// Creates an account with one customer user holding [`PASSWORD`].
    pub async fn add_customer(&self, account: &str, name: &str, email: &str, role: &str) -> Uuid {
        let hash = chaperone::auth::password::hash(SecretString::from(PASSWORD))
            .await
            .unwrap();
        let account_id = Uuid::new_v4();
        sqlx::query("insert into product.accounts (id, name) values ($1, $2)")
            .bind(account_id)
            .bind(account)
            .execute(&self.pool)
            .await
            .unwrap();
        let id = Uuid::new_v4();
        sqlx::query(
            "insert into product.users (id, account_id, email, name, role, password_hash) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(account_id)
        .bind(email)
        .bind(name)
        .bind(role)
        .bind(&hash.0)
        .execute(&self.pool)
        .await
        .unwrap();
        id
    }

    /// Posts a form to a server function the way the hydrated app does.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("Origin", &self.base)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts to a plain-HTTP product route (an export) as a form would.
    pub async fn post(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("Origin", &self.base)
            .send()
            .await
            .unwrap()
    }

    pub async fn staff_sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "staff_sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn customer_sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "customer_sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn event_count(&self, kind: &str) -> i64 {
        sqlx::query_scalar("select count(*) from chaperone.events where kind = $1")
            .bind(kind)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// A pool connected as the owner role, for what only migrations and
    /// bulk loads may do.
    pub async fn owner_pool(&self) -> PgPool {
        PgPool::connect(&url_for(&self.admin_url, "chaperone_owner", &self.db_name))
            .await
            .unwrap()
    }

    /// A superuser connection to this test's database, for tampering the
    /// way only a database administrator could.
    pub async fn superuser_pool(&self) -> PgPool {
        let mut url = self.admin_url.clone();
        url.set_path(&format!("/{}", self.db_name));
        PgPool::connect(url.as_str()).await.unwrap()
    }

    /// Removes this test's database while the server is running: the
    /// Postgres the server knew has gone away.
    pub async fn drop_database(&self) {
        let mut conn = PgConnection::connect(self.admin_url.as_str())
            .await
            .unwrap();
        sqlx::raw_sql(&format!(r#"drop database "{}" with (force)"#, self.db_name))
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

/// The value of the session cookie a response set, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chaperone_session="))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap()
                .trim_start_matches("chaperone_session=")
                .to_string()
        })
}
