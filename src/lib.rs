//! Chaperone: a support-access console. Support staff enter a customer's
//! account and see the product as the customer sees it, never with the
//! customer's password, with every view and change on the record.
//!
//! Organised by domain (see `../shared/STYLE.md`): each module holds its
//! shared types, its server functions and (behind `ssr`) its SQL.
#![recursion_limit = "256"]

pub mod access;
pub mod accounts;
pub mod app;
pub mod auth;
pub mod classification;
pub mod customers;
pub mod error;
pub mod history;
pub mod layout;
pub mod masking;
pub mod product;
pub mod review;
pub mod session_log;
pub mod staff;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;

/// The browser's entry point: hydrate the server-rendered page, then mark
/// the body so tests (and people) can tell the page is live.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Leptos's loader calls this first and then hydrates each island on
    // the same turn (its only awaits are on promises already settled), so
    // the next task runs after every island is live.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
