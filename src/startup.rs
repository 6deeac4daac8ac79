//! One start-up path, used by `chaperone serve` and by the tests.

use crate::access::guard::guard;
use crate::app::{shell, App};
use crate::clock::Clock;
use crate::config::Config;
use crate::security::{check_origin, header_layers};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Every server function and registered download, each domain's list put
/// together: what the guard checks every call against.
pub const SERVER_FNS: crate::access::registry::Registry = crate::access::registry::Registry(&[
    crate::access::registry::CONSOLE_FNS,
    crate::product::registry::PRODUCT_FNS,
    crate::review::REVIEW_FNS,
    crate::history::HISTORY_FNS,
]);

/// A built server, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    address: SocketAddr,
}

impl Application {
    /// Connects to Postgres, binds the address (port 0 picks a free one) and
    /// builds the router. Does not run migrations.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let pool =
            crate::db::connect(&config.database.database_url, config.database.db_pool_size).await?;
        crate::db::check_serving_role(&pool).await?;
        crate::db::check_support_roles(&pool).await?;
        let listener = TcpListener::bind(config.bind_addr).await?;
        let address = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name(config.output_name.clone())
            .site_root(config.site_root.clone())
            .site_pkg_dir(config.site_pkg_dir.clone())
            .site_addr(address)
            .build();
        let mut services = http::Extensions::new();
        services.insert(crate::access::sessions::ViewRecorder::start(pool.clone()));
        let state = AppState {
            services: Arc::new(services),
            pool,
            allowed_origins: Arc::new(config.allowed_origins(address)),
            config: Arc::new(config),
            clock,
            leptos_options,
        };
        let router = router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn pool(&self) -> &PgPool {
        &self.state.pool
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let deletion = tokio::spawn(delete_expired_sign_ins(self.state.pool.clone()));
        let sweeper = tokio::spawn(crate::access::sessions::run_sweeper(
            self.state.pool.clone(),
            self.state.clock.clone(),
            std::time::Duration::from_secs(30),
        ));
        let siem = tokio::spawn(crate::audit::siem::run(
            self.state.pool.clone(),
            self.state.clock.clone(),
            self.state.config.siem.clone(),
        ));
        // Pages are written in several pieces: without TCP_NODELAY, Nagle's
        // algorithm holds a later piece until the client acknowledges the
        // first, which a client delaying its ACKs does after 40 ms.
        let listener = self.listener.tap_io(|stream| {
            if let Err(err) = stream.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY not set on a connection: {err}");
            }
        });
        let result = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        deletion.abort();
        sweeper.abort();
        siem.abort();
        result
    }
}

fn session_store(pool: PgPool) -> PostgresStore {
    PostgresStore::new(pool)
        .with_schema_name("chaperone")
        .and_then(|s| s.with_table_name("login_sessions"))
        .expect("valid session table name")
}

/// Every page route of the app. Generated once per process: generating
/// renders the app in a special mode, which must not overlap with pages
/// being served (several apps run side by side in the tests). The tests'
/// authorisation matrix walks this list.
pub fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let sessions = SessionManagerLayer::new(session_store(state.pool.clone()))
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.cookies_are_secure())
        // The store moves a login's expiry only when it saves the login,
        // which it does when the login changes (signing in, entering or
        // leaving a support session): so a sign-in lasts this long from its
        // last change. Saving on every request would add a durable write to
        // every page.
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.sign_in_lifetime_minutes,
        )));

    let routes = page_routes();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::product::export::server::routes())
        .merge(crate::session_log::export::routes())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(axum::Extension(SERVER_FNS))
        .layer(sessions)
        .layer(axum::middleware::from_fn(crate::access::guard::limit_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_origin,
        ))
        .layer(header_layers())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span each request is logged under: method and path only. Query
/// strings (search terms, `next=` targets) and bodies (passwords, reasons)
/// never reach the logs, at any level.
fn request_span<B>(req: &http::Request<B>) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
}

/// Answers 200 when the database does, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Removes expired sign-ins from the store every minute. Safe to run on
/// every server: deleting what is already gone is a no-op.
async fn delete_expired_sign_ins(pool: PgPool) {
    use tower_sessions::ExpiredDeletion;
    let store = session_store(pool);
    if let Err(err) = store
        .continuously_delete_expired(tokio::time::Duration::from_secs(60))
        .await
    {
        tracing::error!(error = %err, "expired sign-in cleanup stopped");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::registry::Effect;
    use std::collections::BTreeSet;

    #[test]
    fn every_server_function_is_registered_once_and_every_entry_exists() {
        let served: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _method)| path.to_string())
            .collect();
        let all: Vec<&str> = SERVER_FNS.entries().map(|e| e.path).collect();
        let listed: BTreeSet<String> = all
            .iter()
            .filter(|p| p.starts_with("/api/"))
            .map(|p| p.to_string())
            .collect();
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a path is listed twice");
        let missing: Vec<_> = served.difference(&listed).collect();
        let stale: Vec<_> = listed.difference(&served).collect();
        assert!(
            missing.is_empty(),
            "server functions without a registry entry: {missing:?}"
        );
        assert!(
            stale.is_empty(),
            "registry entries without a server function: {stale:?}"
        );
    }

    #[test]
    fn only_exports_and_reveals_are_callable_in_a_read_only_session() {
        let allowed: BTreeSet<&str> = SERVER_FNS
            .entries()
            .filter(|e| e.effect == Effect::Changes && e.read_only_session)
            .map(|e| e.path)
            .collect();
        assert_eq!(
            allowed,
            BTreeSet::from([
                "/api/reveal_identity",
                "/app/export/invoices.csv",
                "/app/export/orders.csv"
            ])
        );
    }

    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn request_logs_carry_the_path_but_never_the_query() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let req = http::Request::get("/console?q=jane%40acme.test&next=/app")
                .body(())
                .unwrap();
            let span = request_span(&req);
            let _entered = span.enter();
            tracing::error!("served");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("path=/console"), "{text}");
        assert!(!text.contains("jane"), "{text}");
        assert!(!text.contains("q="), "{text}");
    }
}
