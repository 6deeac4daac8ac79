//! One error type for everything a server function can answer with.
//!
//! Messages are written for the person in front of the screen and never carry
//! internal detail (SQL, stack traces, ids of other tenants). The server logs
//! the detail; the browser gets the sentence.

use leptos::server_fn;
use serde::{Deserialize, Serialize};
use server_fn::{codec::JsonEncoding, error::ServerFnErrorErr};

/// The errors Chaperone's server functions return. On the wire each is
/// `{"error": "<Kind>", "message": "<the sentence shown to people>"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "ErrorBody", try_from = "ErrorBody")]
pub enum AppError {
    /// No signed-in user, or the sign-in expired.
    #[error("Your sign-in has expired or you are not signed in. Please sign in again.")]
    Unauthenticated,
    /// Signed in, but this actor may not do this.
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// The input was understood but is not acceptable; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// Signed in, but this actor may not do this; the text says why.
    #[error("{0}")]
    Refused(String),
    /// The support session the agent was in has ended (revoked, timed
    /// out); the text says why. The page takes them back to the console.
    #[error("{0}")]
    SessionEnded(String),
    /// Nothing with that id exists for this actor. Deliberately says nothing
    /// about whether it exists for someone else.
    #[error("That could not be found.")]
    NotFound,
    /// Sign-in refused: wrong email or password. Same text for both.
    #[error("That email and password do not match. Check them and try again.")]
    BadCredentials,
    /// Sign-in refused because of too many recent failures.
    #[error("Too many wrong passwords in a row. Please wait 15 minutes and try again.")]
    TooManyAttempts,
    /// The request body is larger than any form of Chaperone needs; refused
    /// before anything reads it.
    #[error("This form is too large to accept (the limit is 64 KB). Nothing was changed; shorten the text and try again.")]
    TooLarge,
    /// The database (or another dependency) cannot be reached right now.
    #[error("Chaperone cannot reach its database right now. Nothing was changed; please try again in a moment.")]
    Unavailable,
    /// A bug or an unexpected failure; details are in the server log.
    #[error("Something went wrong on our side. Nothing was changed; please try again.")]
    Internal,
    /// The request never reached the server, or its answer could not be read.
    #[error("Chaperone could not be reached. Check your connection and try again.")]
    Transport,
}

/// The wire form of [`AppError`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

impl From<AppError> for ErrorBody {
    fn from(e: AppError) -> Self {
        let kind = match &e {
            AppError::Unauthenticated => "Unauthenticated",
            AppError::Forbidden => "Forbidden",
            AppError::Invalid(_) => "Invalid",
            AppError::Refused(_) => "Refused",
            AppError::SessionEnded(_) => "SessionEnded",
            AppError::NotFound => "NotFound",
            AppError::BadCredentials => "BadCredentials",
            AppError::TooManyAttempts => "TooManyAttempts",
            AppError::TooLarge => "TooLarge",
            AppError::Unavailable => "Unavailable",
            AppError::Internal => "Internal",
            AppError::Transport => "Transport",
        };
        ErrorBody {
            error: kind.into(),
            message: e.to_string(),
        }
    }
}

impl TryFrom<ErrorBody> for AppError {
    type Error = String;

    fn try_from(b: ErrorBody) -> Result<Self, Self::Error> {
        Ok(match b.error.as_str() {
            "Unauthenticated" => AppError::Unauthenticated,
            "Forbidden" => AppError::Forbidden,
            "Invalid" => AppError::Invalid(b.message),
            "Refused" => AppError::Refused(b.message),
            "SessionEnded" => AppError::SessionEnded(b.message),
            "NotFound" => AppError::NotFound,
            "BadCredentials" => AppError::BadCredentials,
            "TooManyAttempts" => AppError::TooManyAttempts,
            "TooLarge" => AppError::TooLarge,
            "Unavailable" => AppError::Unavailable,
            "Internal" => AppError::Internal,
            "Transport" => AppError::Transport,
            other => return Err(format!("unknown error kind {other:?}")),
        })
    }
}

impl server_fn::error::FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::Invalid(
                "The form was incomplete or malformed. Please fill it in again.".into(),
            ),
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Deserialization(_) => {
                AppError::Transport
            }
            _ => AppError::Internal,
        }
    }
}

impl AppError {
    /// HTTP status that goes with this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden | AppError::Refused(_) => 403,
            AppError::Invalid(_) => 400,
            AppError::NotFound => 404,
            AppError::SessionEnded(_) => 409,
            AppError::TooLarge => 413,
            AppError::TooManyAttempts => 429,
            AppError::Unavailable => 503,
            AppError::Internal | AppError::Transport => 500,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match &err {
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_) => {
                    tracing::warn!(error = %err, "database unavailable");
                    AppError::Unavailable
                }
                sqlx::Error::RowNotFound => AppError::NotFound,
                sqlx::Error::Database(db) if is_unavailable(db.code().as_deref()) => {
                    tracing::warn!(error = %err, "database unavailable");
                    AppError::Unavailable
                }
                _ => {
                    tracing::error!(error = %err, "database error");
                    AppError::Internal
                }
            }
        }
    }

    /// SQLSTATEs that mean "the database is not there right now": connection
    /// exceptions (08…), shutdown and start-up (57P01–57P03), and a database
    /// that no longer exists (3D000).
    fn is_unavailable(code: Option<&str>) -> bool {
        matches!(code, Some(c) if c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03" | "3D000"))
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(err: tower_sessions::session::Error) -> Self {
            tracing::error!(error = %err, "session store error");
            AppError::Unavailable
        }
    }

    impl From<anyhow::Error> for AppError {
        fn from(err: anyhow::Error) -> Self {
            tracing::error!(error = %err, "internal error");
            AppError::Internal
        }
    }
}

/// Finishes a server function: on error, sets the HTTP status that matches
/// it. Not for a form posted without JavaScript (submitted before the page
/// came alive, say): that gets the redirect back to its page, which shows
/// the error, instead of an error status that would make the browser show
/// the raw error body.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if plain_form() {
            return result;
        }
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                res.set_status(status);
            }
        }
    }
    result
}

/// Whether this server function was called by a plain HTML form (the
/// browser asks for a page back), not by the live app (which asks for
/// JSON). Such a caller must get a redirect, never a JSON body.
#[cfg(feature = "ssr")]
pub fn plain_form() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|p| accepts_html(&p.headers))
}

/// For a server function whose answer is a secret shown once (recovery
/// codes, a new API token, a new staff member's password): posted by a
/// plain HTML form, the answer could not be shown, so the secret would be
/// made — replacing recovery codes that worked — and never seen. Refused
/// before anything is read or changed.
#[cfg(feature = "ssr")]
pub fn shown_once() -> Result<(), AppError> {
    if plain_form() {
        return Err(AppError::Invalid(
            "This needs JavaScript: what it makes is shown only once, on the page that asked for it. Nothing was changed.".into(),
        ));
    }
    Ok(())
}

/// Whether a request asks for a page back (a browser's own form post or
/// navigation) rather than JSON (the live app's calls).
#[cfg(feature = "ssr")]
pub fn accepts_html(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Parses an id from a URL or a form; a malformed id is simply not found,
/// like an id that belongs to someone else.
pub fn parse_id(text: &str) -> Result<uuid::Uuid, AppError> {
    text.trim().parse().map_err(|_| AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_credentials_and_unknown_email_share_one_message() {
        // Both failures are reported through the same variant, so the text
        // cannot differ; this pins the text so nobody adds detail to it.
        assert_eq!(
            AppError::BadCredentials.to_string(),
            "That email and password do not match. Check them and try again."
        );
    }

    #[test]
    fn errors_travel_with_their_message_and_come_back_whole() {
        for e in [
            AppError::Invalid("Reason too short".into()),
            AppError::TooManyAttempts,
            AppError::NotFound,
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert!(json.contains(&e.to_string()), "{json}");
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
        }
    }

    #[test]
    fn internal_messages_reveal_nothing() {
        for e in [AppError::Internal, AppError::Unavailable] {
            let text = e.to_string().to_lowercase();
            assert!(
                !text.contains("sql") && !text.contains("postgres"),
                "{text}"
            );
        }
    }
}
