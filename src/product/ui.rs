//! Small pieces every product page uses: loading, errors, action results,
//! and the side navigation.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;
use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

/// Shows a loading state, then the data (through `children`), or the error;
/// while reloading after a change, the previous data stays on screen.
#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                resource.get().map(move |result| match result {
                    Ok(data) => children(data).into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })
            }}
        </Transition>
    }
}

/// An error as a sentence, with a way back in when the sign-in expired.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { " " <a href="/login">"Sign in again"</a> });
    view! { <p class="form-error" role="alert">{error.to_string()}{sign_in}</p> }
}

/// The outcome of the latest submission of a form: a confirmation or an error.
#[component]
pub fn Outcome(value: Signal<Option<Result<String, AppError>>>) -> impl IntoView {
    move || {
        value.get().map(|result| match result {
            Ok(message) => view! { <p class="ok" role="status">{message}</p> }.into_any(),
            Err(error) => view! { <ErrorNote error /> }.into_any(),
        })
    }
}

/// The product's side navigation.
#[component]
pub fn ProductNav() -> impl IntoView {
    let links = [
        ("/app", "Dashboard"),
        ("/app/workspaces", "Workspaces"),
        ("/app/billing/invoices", "Invoices"),
        ("/app/billing/tax", "Tax settings"),
        ("/app/billing/payment-methods", "Payment methods"),
        ("/app/orders", "Orders"),
        ("/app/team", "Team"),
        ("/app/settings/notifications", "Notifications"),
        ("/app/developers/tokens", "API tokens"),
        ("/app/profile", "Profile"),
        ("/app/notes", "Private notes"),
        ("/app/search", "Search"),
    ];
    view! {
        <nav class="side" aria-label="Billfold">
            <ul>
                {links.into_iter().map(|(href, label)| view! { <li><A href=href exact=true>{label}</A></li> }).collect_view()}
            </ul>
        </nav>
    }
}
