//! Leaf components and URL helpers every layer may use: loading and error
//! states, form outcomes, percent-encoding. Names no domain.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

mod form;
pub use form::{call, posted_error, Flash, PostForm, PostedError, Then};

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

/// Which part of the site a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    StaffSignIn,
    Console,
    CustomerSignIn,
    Product,
    ServerFn,
    Asset,
    Public,
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// Classifies a request path.
pub fn area_of(path: &str) -> Area {
    if under(path, "/console/login") {
        Area::StaffSignIn
    } else if under(path, "/console") {
        Area::Console
    } else if under(path, "/login") {
        Area::CustomerSignIn
    } else if under(path, "/app") {
        Area::Product
    } else if under(path, "/api") {
        Area::ServerFn
    } else if under(path, "/pkg")
        || path == "/favicon.ico"
        || path == "/robots.txt"
        || path.starts_with("/assets/")
    {
        Area::Asset
    } else {
        Area::Public
    }
}

/// The query of an address without a form's error — `__path` and `__err`,
/// however their names are encoded (the page decodes them) — or `None` if
/// it carries none. Only this server may put a form's error in an address
/// (`security::without_foreign_form_error`): any sentence in it would be
/// shown as ours.
pub fn query_without_form_error(query: &str) -> Option<String> {
    let mut found = false;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let raw = pair.split('=').next().unwrap_or("");
            let name = form_urlencoded::parse(raw.as_bytes())
                .next()
                .map(|(name, _)| name.into_owned())
                .unwrap_or_default();
            let error = name == "__path" || name == "__err";
            found |= error;
            !pair.is_empty() && !error
        })
        .collect();
    found.then(|| kept.join("&"))
}

/// Where to go after signing in: the `next` the guard sent, if it is a local
/// path in the right area; the area's home otherwise. Never another origin,
/// and never with a form's error in it (which a link could otherwise carry
/// through the sign-in onto a page of ours).
pub fn safe_next(next: Option<&str>, staff: bool) -> String {
    let home = if staff { "/console" } else { "/app" };
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return home.into();
    };
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    let path = next.split('?').next().unwrap_or("");
    let right_area = match area_of(path) {
        Area::Console => staff,
        Area::Product => !staff,
        _ => false,
    };
    if local && right_area {
        match next.split_once('?') {
            Some((path, query)) => match query_without_form_error(query) {
                Some(rest) if rest.is_empty() => path.to_string(),
                Some(rest) => format!("{path}?{rest}"),
                None => next.to_string(),
            },
            None => next.to_string(),
        }
    } else {
        home.into()
    }
}

/// A route parameter of the page being rendered (`:id`), read once: pages
/// render on the server, and an island gets it as a prop (the browser has
/// no router to ask).
pub fn route_param(name: &str) -> String {
    leptos_router::hooks::use_params_map()
        .read_untracked()
        .get(name)
        .unwrap_or_default()
}

/// A query parameter of the page being rendered (`?next=`), read once.
pub fn query_param(name: &str) -> Option<String> {
    use_query_map().read_untracked().get(name)
}

/// The address's query, each value decoded once. Use this, never
/// `leptos_router::hooks::use_query_map`: leptos_router 0.8 decodes its
/// values twice (a search for the text `%41` became `A`, and `%2500` a NUL
/// that Postgres refused with a 500). Built from the raw query instead.
pub fn use_query_map() -> Memo<leptos_router::params::ParamsMap> {
    let location = leptos_router::hooks::use_location();
    Memo::new(move |_| params_once(&location.search.get()))
}

/// The pairs of a raw query (`a=1&b=%20`), values decoded once.
fn params_once(raw: &str) -> leptos_router::params::ParamsMap {
    let mut map = leptos_router::params::ParamsMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = |text: &str| -> String {
            form_urlencoded::parse(format!("{text}=").as_bytes())
                .next()
                .map(|(t, _)| t.into_owned())
                .unwrap_or_default()
        };
        // Decoded here, once and leniently, then encoded in full:
        // `ParamsMap::insert` decodes what it is given (differently on the
        // server and in the browser), and a fully encoded value decodes to
        // exactly itself on both.
        map.insert(decoded(key), percent_encode(&decoded(value)));
    }
    map
}

/// Runs `f` every `every` in the browser (never during server rendering):
/// what keeps a waiting page or a queue live.
pub fn every(every: std::time::Duration, f: impl Fn() + 'static) {
    let f = std::rc::Rc::new(f);
    Effect::new(move |_| {
        let f = f.clone();
        if let Ok(handle) = set_interval_with_handle(move || f(), every) {
            on_cleanup(move || handle.clear());
        }
    });
}

/// Loads the current address again from the server (in the browser; does
/// nothing on the server): the server then says where to go, and why.
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}

/// Loads `target` in full, so every part of the page starts afresh (after
/// signing in or out, entering or ending a support session).
#[allow(unused_variables)]
pub fn navigate_fully(target: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(target);
    }
}

/// A label in the middle of a sentence: its first letter in lower case,
/// the rest (names, "ID") as written.
pub fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One CSV field: always quoted, quotes doubled, and a leading character a
/// spreadsheet would treat as a formula neutralised with an apostrophe.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

pub fn csv_row(fields: &[&str]) -> String {
    let mut row = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    row.push_str("\r\n");
    row
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
                resource.get().map(move |result| data_or_error(result, &*children))
            }}
        </Transition>
    }
}

/// For a page whose interactive part is an island: the server reads
/// `resource` and hands the answer (data or error) to `children`, which pass
/// it to the island as a prop.
///
/// Islands never hold a `Resource` (the architecture tests refuse one). A
/// resource's serialised value is matched to the island by a counter that
/// the server advances for whichever resources happen to be created while an
/// island renders, so with several islands and resources on one page an
/// island could hydrate with another's data: an intermittent hydration
/// panic. A prop is serialised on the island itself and cannot be mixed up.
#[component]
pub fn Preload<T, V, F>(resource: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(Result<T, AppError>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                resource.get().map(move |result| children(result))
            }}
        </Suspense>
    }
}

/// An island's live copy of server data: it starts from what the server
/// rendered (`initial`, a prop) and, in the browser, fetches afresh whenever
/// `source` changes. The latest fetch wins; an answer that arrives after a
/// newer one was asked for is dropped. An unchanged answer changes nothing
/// on screen (no flicker, no live region announced again).
pub fn live<S, T, Fut>(
    initial: Result<T, AppError>,
    source: impl Fn() -> S + 'static,
    fetch: impl Fn(S) -> Fut + 'static,
) -> RwSignal<Result<T, AppError>>
where
    S: 'static,
    T: PartialEq + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + 'static,
{
    let value = RwSignal::new(initial);
    let asked = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let fetch = std::rc::Rc::new(fetch);
    Effect::new(move |first: Option<()>| {
        let s = source();
        // The first run is the value the server rendered.
        if first.is_none() {
            return;
        }
        let n = asked.get() + 1;
        asked.set(n);
        let (asked, fetch) = (asked.clone(), fetch.clone());
        leptos::task::spawn_local(async move {
            let latest = fetch(s).await;
            if asked.get() == n && value.with_untracked(|v| *v != latest) {
                value.set(latest);
            }
        });
    });
    value
}

/// The data (through `children`) or the error, for an island's value.
#[component]
pub fn Shown<T, V, F>(
    #[prop(into)] value: Signal<Result<T, AppError>>,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || data_or_error(value.get(), &children)
}

/// What `Loaded` and `Shown` render for an answer: the data through
/// `children`, or the error as a sentence.
fn data_or_error<T, V: IntoView + 'static>(
    result: Result<T, AppError>,
    children: &impl Fn(T) -> V,
) -> AnyView {
    match result {
        Ok(data) => children(data).into_any(),
        Err(error) => view! { <ErrorNote error /> }.into_any(),
    }
}

/// An error as a sentence, with a way back in when the sign-in expired.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { " " <a href="/login">"Sign in again"</a> });
    // The support session ended elsewhere: back to the console, which says why.
    if matches!(error, AppError::SessionEnded(_)) {
        Effect::new(move |_| navigate_fully("/console"));
    }
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

#[cfg(test)]
mod query_tests {
    use super::params_once;

    #[test]
    fn query_values_are_decoded_once() {
        let map = params_once("q=%2541cme&name=Jane+Doe&x=%25&empty=&caf%C3%A9=%C3%A9");
        assert_eq!(map.get("q").as_deref(), Some("%41cme"));
        assert_eq!(map.get("name").as_deref(), Some("Jane Doe"));
        assert_eq!(map.get("x").as_deref(), Some("%"));
        assert_eq!(map.get("empty").as_deref(), Some(""));
        assert_eq!(map.get("café").as_deref(), Some("é"));
        assert_eq!(
            params_once("q=ab%2500cd").get("q").as_deref(),
            Some("ab%00cd")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Acme \"Co\""), "\"Acme \"\"Co\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "\"'-5\"");
        assert_eq!(csv_row(&["a", "b"]), "\"a\",\"b\"\r\n");
    }

    #[test]
    fn areas() {
        assert_eq!(area_of("/console"), Area::Console);
        assert_eq!(area_of("/console/"), Area::Console);
        assert_eq!(area_of("/console/login"), Area::StaffSignIn);
        assert_eq!(area_of("/consoles"), Area::Public);
        assert_eq!(area_of("/app/billing/tax"), Area::Product);
        assert_eq!(area_of("/apples"), Area::Public);
        assert_eq!(area_of("/login"), Area::CustomerSignIn);
        assert_eq!(area_of("/api/who_am_i"), Area::ServerFn);
        assert_eq!(area_of("/pkg/chaperone.wasm"), Area::Asset);
    }

    #[test]
    fn next_is_local_and_in_the_right_area() {
        assert_eq!(
            safe_next(Some("/console/sessions"), true),
            "/console/sessions"
        );
        assert_eq!(safe_next(Some("/app/team"), true), "/console");
        assert_eq!(safe_next(Some("//evil.example/console"), true), "/console");
        assert_eq!(
            safe_next(Some("https://evil.example/console"), true),
            "/console"
        );
        assert_eq!(safe_next(Some("/\\evil.example"), false), "/app");
        assert_eq!(
            safe_next(Some("/app/billing/tax?ws=1"), false),
            "/app/billing/tax?ws=1"
        );
        // A form's error cannot ride through the sign-in onto a page.
        assert_eq!(
            safe_next(Some("/app/billing/tax?ws=1&%5F%5Ferr=x&__path=y"), false),
            "/app/billing/tax?ws=1"
        );
        assert_eq!(safe_next(Some("/console?__err=x"), true), "/console");
        assert_eq!(safe_next(None, false), "/app");
        assert_eq!(safe_next(Some(""), true), "/console");
    }
}
