//! The `chaperone` command: serve (default), migrate, seed, create-staff,
//! disable-staff, verify-audit.

use crate::clock::SystemClock;
use crate::config::{Config, DatabaseArgs};
use crate::startup::Application;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "chaperone",
    version,
    about = "Chaperone: support access without passwords, on the record."
)]
pub struct Cli {
    /// Log format: `text` (readable in a terminal) or `json`.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console and the product (the default).
    Serve(Box<Config>),
    /// Run pending database migrations as the owner role.
    Migrate(DatabaseArgs),
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Create a staff member. The password is read from a prompt, or from
    /// standard input when it is not a terminal.
    CreateStaff {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Full name, as it will appear in the log.
        #[arg(long)]
        name: String,
        /// One of: agent, senior_agent, engineer, manager, auditor, admin.
        #[arg(long)]
        role: crate::staff::StaffRole,
    },
    /// Walk the audit log's hash chains and report the first broken link
    /// (exit status 1 when there is one).
    VerifyAudit(DatabaseArgs),
    /// Disable a staff member at once: they are signed out on their next
    /// request, and a live support session of theirs ends now.
    DisableStaff {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Sign-in email of the staff member.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeedWhat {
    /// The demo staff and accounts (idempotent); prints the demo logins.
    Demo(DatabaseArgs),
    /// Generate about COUNT audit events in valid chains: finished support
    /// sessions over the last 90 days (for benchmarks). Runs as the owner
    /// role; run `seed demo` or `seed scale` first.
    Events {
        #[command(flatten)]
        database: DatabaseArgs,
        /// About how many events to generate (whole sessions of ~50).
        #[arg(long, default_value_t = 100_000)]
        count: u64,
    },
    /// Generate many accounts fast (for benchmarks). Runs as the owner role:
    /// it rebuilds indexes after the load.
    Scale {
        #[command(flatten)]
        database: DatabaseArgs,
        /// How many accounts to generate.
        #[arg(long, default_value_t = 10_000)]
        accounts: u64,
    },
}

impl clap::builder::ValueParserFactory for crate::staff::StaffRole {
    type Parser = clap::builder::ValueParser;
    fn value_parser() -> Self::Parser {
        clap::builder::ValueParser::new(|s: &str| s.parse::<crate::staff::StaffRole>())
    }
}

fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs the command line. `serve` is the default when no command is given.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(&cli.log_format);
    let command = match cli.command {
        Some(c) => c,
        // Parse `serve`'s settings from the environment alone.
        None => Cli::parse_from(["chaperone", "serve"])
            .command
            .expect("serve parses"),
    };
    match command {
        Command::Serve(config) => {
            let config = *config;
            if config.migrate_on_start {
                crate::db::migrate(config.database.owner_url()).await?;
            }
            let app = Application::build(config, Arc::new(SystemClock)).await?;
            tracing::info!("Chaperone is listening on http://{}", app.address());
            app.run_until_stopped().await?;
        }
        Command::Migrate(db) => {
            crate::db::migrate(db.owner_url()).await?;
            println!("Migrations are up to date.");
        }
        Command::Seed {
            what: SeedWhat::Demo(db),
        } => {
            let pool = crate::db::connect(&db.database_url, 2).await?;
            let created = crate::seed::seed_demo(&pool).await?;
            println!("Demo data loaded ({created} new records).");
            print!("{}", crate::seed::demo_logins_text());
        }
        Command::Seed {
            what: SeedWhat::Scale { database, accounts },
        } => {
            let pool = crate::db::connect(database.owner_url(), 2).await?;
            let hash =
                crate::auth::password::hash(SecretString::from(crate::seed::DEMO_PASSWORD)).await?;
            let report = crate::seed::scale::seed_scale(
                &pool,
                accounts,
                &hash,
                std::io::stderr().is_terminal(),
            )
            .await?;
            println!(
                "Generated {} accounts ({} rows) in {:.1} s: {:.0} accounts/s.",
                report.accounts,
                report.rows,
                report.elapsed.as_secs_f64(),
                report.accounts_per_second()
            );
        }
        Command::Seed {
            what: SeedWhat::Events { database, count },
        } => {
            let pool = crate::db::connect(database.owner_url(), 2).await?;
            let report =
                crate::seed::events::seed_events(&pool, count, std::io::stderr().is_terminal())
                    .await?;
            println!(
                "Generated {} events in {} sessions in {:.1} s: {:.0} events/s.",
                report.events,
                report.sessions,
                report.elapsed.as_secs_f64(),
                report.events as f64 / report.elapsed.as_secs_f64().max(f64::EPSILON)
            );
        }
        Command::CreateStaff {
            database,
            email,
            name,
            role,
        } => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') || email.len() > 254 {
                anyhow::bail!("--email must be an email address");
            }
            if name.trim().is_empty() || name.len() > 200 {
                anyhow::bail!("--name must be between 1 and 200 characters");
            }
            let password = read_new_password()?;
            let pool = crate::db::connect(&database.database_url, 2).await?;
            let id = crate::staff::repo::create_staff(
                &pool,
                &email,
                name.trim(),
                role,
                password,
                crate::audit::EventActor::System,
            )
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("a staff member with the email {email} already exists")
            })?;
            println!("Created {} ({}) with id {id}.", name.trim(), role.label());
        }
        Command::VerifyAudit(database) => {
            let pool = crate::db::connect(&database.database_url, 2).await?;
            // Each chain's head holds its length: cheaper than counting
            // ten million rows, and only the progress bar's estimate.
            let total: i64 = sqlx::query_scalar(
                "select coalesce(sum(seq), 0)::bigint from chaperone.event_chains",
            )
            .fetch_one(&pool)
            .await?;
            let bar = indicatif::ProgressBar::new(total.max(0) as u64);
            if std::io::stderr().is_terminal() {
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} events  {per_sec}  {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
            } else {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let started = std::time::Instant::now();
            let report = crate::audit::verify::verify(&pool, |n| bar.set_position(n)).await?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            match report.broken {
                None => println!(
                    "The audit log verifies: {} events in {} chains, {:.1} s ({:.0} events/s).",
                    report.events,
                    report.chains,
                    secs,
                    report.events as f64 / secs.max(1e-9)
                ),
                Some(broken) => {
                    eprintln!(
                        "The audit log is broken in chain {} at event {}: {}.",
                        broken.chain,
                        broken
                            .event_id
                            .map(|id| id.to_string())
                            .unwrap_or_else(|| "(none left)".into()),
                        broken.why
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::DisableStaff { database, email } => {
            let pool = crate::db::connect(&database.database_url, 2).await?;
            let Some(staff) = crate::staff::repo::find_active_by_email(&pool, email.trim()).await?
            else {
                anyhow::bail!("no active staff member signs in as {}", email.trim());
            };
            crate::access::staff_changes::disable_staff(
                &pool,
                staff.id,
                crate::audit::EventActor::System,
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "Disabled {}; any live support session of theirs has ended.",
                staff.name
            );
        }
    }
    Ok(())
}

const MIN_PASSWORD_LEN: usize = 12;

fn read_new_password() -> anyhow::Result<SecretString> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            anyhow::bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    let password = SecretString::from(password);
    if password.expose_secret().chars().count() < MIN_PASSWORD_LEN {
        anyhow::bail!("the password must have at least {MIN_PASSWORD_LEN} characters");
    }
    Ok(password)
}
