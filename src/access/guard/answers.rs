//! How the guard answers what it refuses: a JSON error the live app can
//! decode, or a plain page (for page requests, and for forms a browser
//! posted by itself), each with its status, no caching, and a strict CSP.

use super::Actor;
use crate::error::AppError;
use crate::ui::Area;
use axum::body::Body;
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

/// Errors raised before a server function's body runs (a malformed form,
/// say) leave the framework's generic 500; give every error its own status.
pub(super) async fn fix_error_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return error_response(Area::ServerFn, AppError::Internal);
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// How to answer a refusal: a server function called by a form posted
/// without JavaScript (before the page came alive) gets a page, like a page
/// request, never a JSON body the browser would show raw.
pub(super) fn reply_area(area: Area, headers: &http::HeaderMap) -> Area {
    if area == Area::ServerFn && crate::error::accepts_html(headers) {
        Area::Public
    } else {
        area
    }
}

pub(super) fn error_response(area: Area, err: AppError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = if area == Area::ServerFn {
        let body = serde_json::to_string(&err).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else {
        with_plain_csp(
            (
                status,
                Html(plain_page(
                    "Chaperone",
                    &err.to_string(),
                    "<p>Use your browser's Back button to return to the form, or go to <a href=\"/\">the start page</a>.</p>",
                )),
            )
                .into_response(),
        )
    };
    if area == Area::ServerFn {
        // Tells the server-function client to decode the body as our error.
        res.headers_mut()
            .insert("serverfnerror", HeaderValue::from_static("1"));
    }
    no_store(res)
}

pub(super) fn wrong_kind_page(area: Area, actor: Option<&Actor>) -> Response {
    let (message, home) = match (area, actor) {
        (Area::Console, Some(Actor::Customer(c))) => (
            format!(
                "The console is for Chaperone staff. You are signed in as {} of {}.",
                c.name, c.account_name
            ),
            "<a href=\"/app\">Go to your account</a>",
        ),
        (_, Some(Actor::Staff(s) | Actor::Support(s, _))) => (
            format!(
                "The product pages are for customers. You are signed in to the console as {}. \
                 Staff see a customer's account only through a support session.",
                s.name
            ),
            "<a href=\"/console\">Back to the console</a>",
        ),
        _ => (
            "You do not have access to this page.".to_string(),
            "<a href=\"/\">Home</a>",
        ),
    };
    let actions = format!(
        "<p>{home}</p><form method=\"post\" action=\"/api/sign_out\"><button type=\"submit\">Sign out</button></form>"
    );
    with_plain_csp(
        (
            StatusCode::FORBIDDEN,
            Html(plain_page("Not for this sign-in", &message, &actions)),
        )
            .into_response(),
    )
}

/// A refusal as a small page of its own, for plain-HTTP routes a browser
/// navigates to (an export form): the sentence, and a way back.
pub fn refusal_page(err: &AppError, back_href: &str, back_label: &str) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let back = format!(
        "<p><a href=\"{}\">{}</a></p>",
        html_escape(back_href),
        html_escape(back_label)
    );
    no_store(with_plain_csp(
        (
            status,
            Html(plain_page("Not done", &err.to_string(), &back)),
        )
            .into_response(),
    ))
}

/// A small server-rendered page for answers given before Leptos runs.
pub(super) fn plain_page(title: &str, message: &str, extra_html: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
         <title>{title} · Chaperone</title><link rel=\"stylesheet\" href=\"/pkg/chaperone.css\"/></head>\
         <body><main class=\"notice\"><h1>{title}</h1><p role=\"alert\">{message}</p>{extra_html}</main></body></html>",
        title = html_escape(title),
        message = html_escape(message),
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Plain pages load only our stylesheet and may post only to us.
const PLAIN_PAGE_CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(super) fn with_plain_csp(mut res: Response<Body>) -> Response<Body> {
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PLAIN_PAGE_CSP),
    );
    res
}

pub(super) fn no_store(mut res: Response<Body>) -> Response<Body> {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped() {
        assert!(!plain_page("<x>", "<script>", "").contains("<script>"));
    }

    #[test]
    fn a_form_the_browser_posted_is_answered_with_a_page() {
        let mut html = http::HeaderMap::new();
        html.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        let mut json = http::HeaderMap::new();
        json.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert_eq!(reply_area(Area::ServerFn, &html), Area::Public);
        assert_eq!(reply_area(Area::ServerFn, &json), Area::ServerFn);
        assert_eq!(
            reply_area(Area::ServerFn, &http::HeaderMap::new()),
            Area::ServerFn
        );
        assert_eq!(reply_area(Area::Console, &html), Area::Console);
    }
}
