//! One start-up path, used by `chaperone serve` and by the tests.

use crate::access::guard::guard;
use crate::app::{shell, App};
use crate::clock::Clock;
use crate::config::Config;
use crate::security::{check_origin, header_layers};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
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

/// Shared state handed to handlers, middleware and server functions.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub leptos_options: LeptosOptions,
    pub allowed_origins: Arc<Vec<String>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

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
        let listener = TcpListener::bind(config.bind_addr).await?;
        let address = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name(config.output_name.clone())
            .site_root(config.site_root.clone())
            .site_pkg_dir(config.site_pkg_dir.clone())
            .site_addr(address)
            .build();
        let state = AppState {
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
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        deletion.abort();
        sweeper.abort();
        result
    }
}

fn session_store(pool: PgPool) -> PostgresStore {
    PostgresStore::new(pool)
        .with_schema_name("chaperone")
        .and_then(|s| s.with_table_name("login_sessions"))
        .expect("valid session table name")
}

fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let sessions = SessionManagerLayer::new(session_store(state.pool.clone()))
        .with_name("chaperone_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.sign_in_lifetime_minutes,
        )));

    // Generated once per process: generating renders the app in a special
    // mode, which must not overlap with pages being served (several apps run
    // side by side in the tests).
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            crate::product::export::INVOICES_CSV,
            get(crate::product::export::server::invoices_csv),
        )
        .route(
            crate::product::export::ORDERS_CSV,
            get(crate::product::export::server::orders_csv),
        )
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_origin,
        ))
        .layer(header_layers())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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
