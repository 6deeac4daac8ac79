//! Response headers every answer carries, and the refusal of state-changing
//! requests from foreign origins.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for anything that is not an HTML page: nothing may run.
pub const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy for an HTML page whose hydration script carries `nonce`.
/// `'wasm-unsafe-eval'` lets the WASM compile; nothing else may be evaluated.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while rendering the HTML shell: sets this page's CSP with its nonce.
pub fn set_page_csp() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce)) {
            res.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// One fixed response header.
type HeaderLayer = SetResponseHeaderLayer<HeaderValue>;

/// Header layers applied to every response.
pub fn header_layers() -> (
    HeaderLayer,
    HeaderLayer,
    HeaderLayer,
    HeaderLayer,
    HeaderLayer,
) {
    (
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        ),
        SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ),
        SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    )
}

/// Whether a request may change state, judged by where the browser says it
/// comes from. Requests without `Origin` fall back to `Referer` (a page on
/// another site is refused) and `Sec-Fetch-Site`; a client that sends none
/// of them is an old browser or not a browser, allowed.
pub fn origin_allowed(
    method: &Method,
    origin: Option<&str>,
    referer: Option<&str>,
    fetch_site: Option<&str>,
    allowed: &[String],
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let ours = |origin: &str| {
        allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(origin.trim_end_matches('/')))
    };
    match origin {
        Some(origin) => ours(origin),
        None => {
            referer.is_none_or(|r| origin_of(r).is_some_and(ours))
                && !matches!(fetch_site, Some("cross-site") | Some("same-site"))
        }
    }
}

/// The origin (`scheme://host[:port]`) of an absolute address.
fn origin_of(address: &str) -> Option<&str> {
    let (_, rest) = address.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&address[..address.len() - rest.len() + end])
}

/// A page address carrying a form's error (`__path` and `__err`, what a
/// plain-HTML post that failed comes back with), reached other than from
/// this site: anyone can write such a link, with any sentence in it, and
/// the page would show it as our error. Returns the address without them.
/// A browser that does not say where a request comes from is an old one,
/// trusted as for posts.
pub fn without_foreign_form_error(
    method: &Method,
    path_and_query: &str,
    fetch_site: Option<&str>,
) -> Option<String> {
    if !matches!(*method, Method::GET | Method::HEAD)
        || matches!(fetch_site, None | Some("same-origin"))
    {
        return None;
    }
    let (path, query) = path_and_query.split_once('?')?;
    // Never another site: `//host` and `/\host` are read by browsers as
    // addresses on another host.
    let path = if path.starts_with("//") || path.starts_with("/\\") {
        "/"
    } else {
        path
    };
    let rest = crate::ui::query_without_form_error(query)?;
    Some(if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{rest}")
    })
}

fn header_text(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Axum middleware refusing state-changing requests from foreign origins,
/// and a form's error in a link from elsewhere.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = header_text(&req, "origin");
    let referer = header_text(&req, "referer");
    let fetch_site = header_text(&req, "sec-fetch-site");
    let allowed = origin_allowed(
        req.method(),
        origin.as_deref(),
        referer.as_deref(),
        fetch_site.as_deref(),
        &state.allowed_origins,
    );
    let forged = req.uri().path_and_query().and_then(|pq| {
        without_foreign_form_error(req.method(), pq.as_str(), fetch_site.as_deref())
    });
    if let Some(clean) = forged {
        axum::response::Redirect::to(&clean).into_response()
    } else if allowed {
        next.run(req).await
    } else {
        tracing::warn!(origin = ?origin, path = %req.uri().path(), "refused a request from a foreign origin");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This request came from another site and was refused. Nothing was changed.",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["http://127.0.0.1:3000".into()]
    }

    #[test]
    fn a_form_error_in_a_link_from_elsewhere_is_dropped() {
        let link = "/console/login?next=%2Fconsole&__path=%2Fapi%2Fx&__err=eyJ9";
        for site in ["cross-site", "same-site", "none"] {
            assert_eq!(
                without_foreign_form_error(&Method::GET, link, Some(site)).as_deref(),
                Some("/console/login?next=%2Fconsole"),
                "{site}"
            );
        }
        assert_eq!(
            without_foreign_form_error(&Method::GET, "/app?__err=x", Some("cross-site")).as_deref(),
            Some("/app")
        );
        // However the names are written: the page decodes them.
        for link in [
            "/app?%5F%5Ferr=x",
            "/app?_%5Ferr=x&__err=y",
            "/app?__%70ath=p&%5f%5ferr=x",
        ] {
            assert_eq!(
                without_foreign_form_error(&Method::GET, link, Some("cross-site")).as_deref(),
                Some("/app"),
                "{link}"
            );
        }
        // Our own redirect after a failed post, an old browser, and links
        // without a form error are left alone.
        assert_eq!(
            without_foreign_form_error(&Method::GET, link, Some("same-origin")),
            None
        );
        assert_eq!(without_foreign_form_error(&Method::GET, link, None), None);
        assert_eq!(
            without_foreign_form_error(&Method::GET, "/console?q=__err", Some("cross-site")),
            None
        );
        assert_eq!(
            without_foreign_form_error(&Method::GET, "/console", Some("none")),
            None
        );
        // The way back never leads to another site.
        for link in ["//evil.example/x?__err=e", "/\\evil.example?__err=e"] {
            assert_eq!(
                without_foreign_form_error(&Method::GET, link, Some("cross-site")).as_deref(),
                Some("/"),
                "{link}"
            );
        }
        assert_eq!(
            without_foreign_form_error(&Method::POST, link, Some("cross-site")),
            None
        );
    }

    #[test]
    fn reads_are_always_allowed() {
        assert!(origin_allowed(
            &Method::GET,
            Some("https://evil.example"),
            None,
            Some("cross-site"),
            &allowed()
        ));
    }

    #[test]
    fn foreign_origins_cannot_change_state() {
        assert!(!origin_allowed(
            &Method::POST,
            Some("https://evil.example"),
            None,
            None,
            &allowed()
        ));
        assert!(!origin_allowed(
            &Method::POST,
            Some("null"),
            None,
            None,
            &allowed()
        ));
        assert!(origin_allowed(
            &Method::POST,
            Some("http://127.0.0.1:3000"),
            None,
            None,
            &allowed()
        ));
        assert!(!origin_allowed(
            &Method::DELETE,
            None,
            None,
            Some("cross-site"),
            &allowed()
        ));
        assert!(origin_allowed(&Method::POST, None, None, None, &allowed()));
    }

    #[test]
    fn without_origin_a_page_on_another_site_is_refused() {
        let post = |referer| origin_allowed(&Method::POST, None, Some(referer), None, &allowed());
        assert!(post("http://127.0.0.1:3000/app/notes?x=1"));
        assert!(post("http://127.0.0.1:3000"));
        for foreign in [
            "http://evil.example/x",
            "http://127.0.0.1:3000.evil.example/x",
            "http://127.0.0.1:30001/",
            "https://127.0.0.1:3000/",
            "not an address",
        ] {
            assert!(!post(foreign), "{foreign}");
        }
        assert_eq!(
            origin_of("http://a.example:8/p?q#f"),
            Some("http://a.example:8")
        );
        assert_eq!(origin_of("http://a.example?q"), Some("http://a.example"));
    }

    #[test]
    fn the_page_policy_names_its_nonce_and_forbids_framing() {
        let csp = page_csp("abc123");
        assert!(csp.contains("'nonce-abc123'"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
