//! Configuration from the environment (or flags), with defaults that work on
//! a developer's machine.

use secrecy::SecretString;
use std::net::SocketAddr;

/// Everything `chaperone serve` needs to know.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:3000")]
    pub bind_addr: SocketAddr,

    /// Origins browsers may send state-changing requests from, comma
    /// separated (e.g. `https://support.example.com`). Empty: the bind
    /// address as http://, plus http://localhost:<port> when bound to loopback.
    #[arg(
        long,
        env = "PUBLIC_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub public_origins: Vec<String>,

    /// Minutes of inactivity after which a console or product sign-in ends.
    #[arg(long, env = "SIGN_IN_LIFETIME_MINUTES", default_value_t = 480)]
    pub sign_in_lifetime_minutes: i64,

    /// Minutes without activity after which a support session ends.
    #[arg(long, env = "SUPPORT_IDLE_MINUTES", default_value_t = 15)]
    pub support_idle_minutes: i64,

    /// Maximum minutes a support session may last, active or not.
    #[arg(long, env = "SUPPORT_MAX_MINUTES", default_value_t = 60)]
    pub support_max_minutes: i64,

    /// Minutes an undecided support request waits before it expires.
    #[arg(long, env = "REQUEST_EXPIRY_MINUTES", default_value_t = 30)]
    pub request_expiry_minutes: i64,

    /// Minutes an approval stays valid after it is granted (it admits one session).
    #[arg(long, env = "APPROVAL_VALID_MINUTES", default_value_t = 30)]
    pub approval_valid_minutes: i64,

    /// Regular expression a ticket reference must match.
    #[arg(long, env = "TICKET_PATTERN", default_value = crate::access::reason::DEFAULT_TICKET_PATTERN)]
    pub ticket_pattern: String,

    /// Mark the login cookie `Secure` and name it with the `__Host-` prefix.
    /// Unset: on whenever the server listens on anything but a loopback
    /// address; `true` or `false` forces it either way.
    #[arg(long, env = "SECURE_COOKIES", action = clap::ArgAction::Set)]
    pub secure_cookies: Option<bool>,

    /// Take the client address from the last `X-Forwarded-For` hop (only
    /// behind a proxy you trust to set it).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Run migrations (as the owner role) before serving.
    #[arg(long, env = "MIGRATE_ON_START", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate_on_start: bool,

    /// Folder holding the built site (`pkg/` with the WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// Sub-folder of the site root with the built assets.
    #[arg(long, env = "LEPTOS_SITE_PKG_DIR", default_value = "pkg")]
    pub site_pkg_dir: String,

    /// Base name of the built JS/WASM/CSS files.
    #[arg(long, env = "LEPTOS_OUTPUT_NAME", default_value = "chaperone")]
    pub output_name: String,

    #[command(flatten)]
    pub siem: SiemArgs,
}

/// The optional stream of every audit event to a SIEM.
#[derive(Debug, Clone, clap::Args)]
pub struct SiemArgs {
    /// Where to POST each batch of events as JSON (unset: no stream).
    #[arg(long = "siem-webhook-url", env = "SIEM_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// The shared secret for the `X-Chaperone-Signature` HMAC-SHA256.
    #[arg(long = "siem-secret", env = "SIEM_SECRET", hide_env_values = true)]
    pub secret: Option<SecretString>,
    /// How often the deliverer looks for new events, in milliseconds.
    #[arg(long = "siem-every-ms", env = "SIEM_EVERY_MS", default_value_t = 1000)]
    pub every_ms: u64,
}

impl Default for SiemArgs {
    fn default() -> Self {
        SiemArgs {
            webhook_url: None,
            secret: None,
            every_ms: 1000,
        }
    }
}

/// How to reach Postgres.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Postgres URL the server connects as: the runtime role, which owns
    /// nothing and may not change or delete audit events.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: SecretString,

    /// Postgres URL of the owner role that runs migrations. Defaults to
    /// DATABASE_URL (then that role must be allowed to migrate).
    #[arg(long, env = "DATABASE_OWNER_URL", hide_env_values = true)]
    pub database_owner_url: Option<SecretString>,

    /// Maximum connections in the server's pool.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,
}

impl DatabaseArgs {
    pub fn owner_url(&self) -> &SecretString {
        self.database_owner_url
            .as_ref()
            .unwrap_or(&self.database_url)
    }
}

impl Config {
    /// Whether the login cookie is `Secure` (and `__Host-` prefixed): as
    /// configured, or else whenever the server is reachable beyond loopback,
    /// where it must be behind HTTPS.
    pub fn cookies_are_secure(&self) -> bool {
        self.secure_cookies
            .unwrap_or_else(|| !self.bind_addr.ip().is_loopback())
    }

    /// The login cookie's name: `__Host-` prefixed when secure, so browsers
    /// refuse it unless it is `Secure`, host-only and for the whole site.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.cookies_are_secure() {
            "__Host-chaperone_session"
        } else {
            "chaperone_session"
        }
    }

    /// The origins allowed to post, given the address actually bound.
    pub fn allowed_origins(&self, bound: SocketAddr) -> Vec<String> {
        let configured: Vec<String> = self
            .public_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if !configured.is_empty() {
            return configured;
        }
        let mut origins = vec![format!("http://{bound}")];
        if bound.ip().is_loopback() {
            origins.push(format!("http://localhost:{}", bound.port()));
            origins.push(format!("http://127.0.0.1:{}", bound.port()));
        }
        origins.dedup();
        origins
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Config {
        let mut all = vec!["test", "--database-url", "postgres://x@localhost/db"];
        all.extend_from_slice(args);
        Wrapper::parse_from(all).config
    }

    #[test]
    fn defaults_work_locally_and_idle_and_maximum_are_separate() {
        let c = parse(&[]);
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.support_idle_minutes, 15);
        assert_eq!(c.support_max_minutes, 60);
        assert_eq!(c.secure_cookies, None);
        assert!(
            !c.cookies_are_secure(),
            "loopback: plain cookies for local HTTP"
        );
        assert_eq!(c.session_cookie_name(), "chaperone_session");
        let c = parse(&["--bind-addr", "0.0.0.0:8080"]);
        assert!(c.cookies_are_secure(), "reachable from outside: Secure");
        assert_eq!(c.session_cookie_name(), "__Host-chaperone_session");
        let c = parse(&["--bind-addr", "0.0.0.0:8080", "--secure-cookies", "false"]);
        assert!(!c.cookies_are_secure(), "forced off");
        let c = parse(&["--secure-cookies", "true"]);
        assert!(c.cookies_are_secure(), "forced on");
        let c = parse(&["--support-idle-minutes", "5", "--support-max-minutes", "30"]);
        assert_eq!((c.support_idle_minutes, c.support_max_minutes), (5, 30));
    }

    #[test]
    fn origins_default_to_the_bound_address() {
        let c = parse(&[]);
        let origins = c.allowed_origins("127.0.0.1:4000".parse().unwrap());
        assert!(origins.contains(&"http://127.0.0.1:4000".to_string()));
        assert!(origins.contains(&"http://localhost:4000".to_string()));
        let c = parse(&[
            "--public-origins",
            "https://support.example.com/, https://b.example.com",
        ]);
        assert_eq!(
            c.allowed_origins("0.0.0.0:80".parse().unwrap()),
            vec!["https://support.example.com", "https://b.example.com"]
        );
    }
}
