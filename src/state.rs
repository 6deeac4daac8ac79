//! The state every server-side layer shares: the pool, the configuration and
//! the clock. A leaf module: it names no domain, so any layer may use it
//! without importing from `startup`.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Shared state handed to handlers, middleware and server functions.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub leptos_options: LeptosOptions,
    pub allowed_origins: Arc<Vec<String>>,
    /// Long-lived services the domains start at boot, by type (the access
    /// context's page-view recorder, for one). A type map, so this leaf
    /// names no domain; `startup` fills it, and each domain reads its own.
    pub services: Arc<http::Extensions>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The app state, inside a server function or a server-rendered page.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or(AppError::Internal)
}
