//! Leaf components and URL helpers every layer may use: loading and error
//! states, form outcomes, percent-encoding. Names no domain.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

/// Percent-encodes everything but unreserved characters and `/`, for a value
/// placed in a URL's query (`next=/console/sessions%3Fx%3D1`, `q=…`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

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
