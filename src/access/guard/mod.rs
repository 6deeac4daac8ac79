//! The server-side guard in front of every route: it resolves the actor from
//! the login session, hands it on in the request's extensions, sends
//! anonymous visitors of protected pages to the right sign-in page, refuses
//! the wrong kind of user, and checks server-function calls against the
//! registry before they run: the access each needs, POST for everything that
//! changes state, and — in a read-only support session — no function that
//! changes state unless the registry says a read-only session may call it.
//!
//! The guard does not count activity: the access context does, where the
//! product's data is viewed or changed, in the same transaction as the view
//! or change event. The banner and polling therefore never keep a session
//! alive.

use super::actor::{load_actor, Login};
use super::policy::Mode;
use super::registry::{Access, Effect, Registry, ServerFnEntry};
use super::{Actor, CurrentActor};
use crate::access::sessions::{self, EndCause, Loaded, SESSION_KEY};
use crate::auth::session::Principal;
use crate::auth::Side;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::{area_of, Area};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::Method;
use tower_sessions::Session;
use uuid::Uuid;

mod answers;
pub use answers::refusal_page;
use answers::{error_response, fix_error_status, no_store, reply_area, wrong_kind_page};

/// What the guard decides for a page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageDecision {
    Pass,
    Redirect(String),
    /// Signed in, but as the wrong kind of user for this area.
    WrongKind,
}

/// Where someone signed in with a one-time password is sent until they
/// choose their own.
const CHOOSE_PASSWORD: &str = "/console/password";

/// The page guard as a pure function, so it can be tested without a server.
pub fn decide_page(path_and_query: &str, actor: Option<&Actor>) -> PageDecision {
    let path = path_and_query.split('?').next().unwrap_or("/");
    let next = || crate::ui::percent_encode(path_and_query);
    match (area_of(path), actor) {
        (Area::Console, None) => PageDecision::Redirect(format!("/console/login?next={}", next())),
        (Area::Console, Some(Actor::Customer(_))) => PageDecision::WrongKind,
        (Area::Console, Some(Actor::Staff(s) | Actor::Support(s, _)))
            if s.must_change_password && path != CHOOSE_PASSWORD =>
        {
            PageDecision::Redirect(CHOOSE_PASSWORD.into())
        }
        (Area::Product, None) => PageDecision::Redirect(format!("/login?next={}", next())),
        (Area::Product, Some(Actor::Staff(_))) => PageDecision::WrongKind,
        (Area::StaffSignIn, Some(Actor::Staff(_) | Actor::Support(..))) => {
            PageDecision::Redirect("/console".into())
        }
        (Area::CustomerSignIn, Some(Actor::Customer(_))) => PageDecision::Redirect("/app".into()),
        _ => PageDecision::Pass,
    }
}

/// The largest request body accepted: the biggest form is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Axum middleware, outside the session layer: a larger body is refused with
/// a clear 413 before the session store or any function reads it, and text
/// carrying a NUL character (in the address or the body), or a body that is
/// not UTF-8, with a clear 400.
/// Postgres cannot store one, so it either failed deep inside with a bare
/// 500 or, where a library cut the text there, saved less than was sent.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let reply = reply_area(area_of(parts.uri.path()), &parts.headers);
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return error_response(reply, AppError::TooLarge),
    };
    let query = parts.uri.query().unwrap_or("").as_bytes();
    if carries_nul(query) || carries_nul(&bytes) {
        return error_response(
            reply,
            AppError::Invalid(
                "The text sent contains a NUL character (%00), which nothing here can store. Nothing was changed.".into(),
            ),
        );
    }
    // Every body here is a form or JSON, so text: bytes that are not UTF-8
    // failed inside the server function's decoding with a bare 500.
    if std::str::from_utf8(&bytes).is_err() {
        return error_response(
            reply,
            AppError::Invalid(
                "The text sent is not valid UTF-8, so it cannot be read. Nothing was changed."
                    .into(),
            ),
        );
    }
    next.run(Request::from_parts(parts, bytes.into())).await
}

/// Whether `text` (an address's query or a request body, as sent) carries a
/// NUL character: raw, percent-encoded, or escaped in JSON.
fn carries_nul(text: &[u8]) -> bool {
    text.contains(&0)
        || text.windows(3).any(|w| w == b"%00")
        || text.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

/// Axum middleware: resolve the actor and apply the guard.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let area = area_of(&path);
    if area == Area::Asset {
        return next.run(req).await;
    }
    let reply = reply_area(area, req.headers());

    let session = req.extensions().get::<Session>().cloned();
    let (actor, ended) = match resolve(&state, session.clone()).await {
        Ok(resolved) => resolved,
        Err(err) => return error_response(reply, err),
    };
    // An ended session is forgotten by the next page load, which tells the
    // agent why; calls in between (the banner's polling) leave it for that.
    // (A login signed out meanwhile was forgotten in `resolve`.)
    if let (Some(cause), Some(session), Some(_)) = (ended, &session, &actor) {
        if area != Area::ServerFn {
            if let Err(err) = sessions::forget(session, cause, state.clock.now()).await {
                return error_response(reply, err.into());
            }
        }
    }
    req.extensions_mut().insert(CurrentActor(actor.clone()));

    // A support session that ended (timeout, revoke, sweeper) sends the agent
    // back to the console, told why.
    if let (Some(cause), Area::Product | Area::Console) = (ended, area) {
        return no_store(
            Redirect::to(&format!("/console?ended={}", cause.as_str())).into_response(),
        );
    }

    if area != Area::ServerFn {
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or(path.clone());
        // A product page after the agent's support session ended (a tab
        // left open, Back, or a login signed out under it): to the console,
        // told why, and not recorded as a visit through the wrong door.
        if area == Area::Product && matches!(actor, None | Some(Actor::Staff(_))) {
            if let Some(session) = &session {
                match sessions::last_ended(session, state.clock.now()).await {
                    Ok(Some(cause)) => {
                        return no_store(
                            Redirect::to(&format!("/console?ended={}", cause.as_str()))
                                .into_response(),
                        )
                    }
                    Ok(None) => {}
                    Err(err) => return error_response(reply, err.into()),
                }
            }
        }
        match decide_page(&path_and_query, actor.as_ref()) {
            PageDecision::Pass => {}
            PageDecision::Redirect(to) => return no_store(Redirect::to(&to).into_response()),
            PageDecision::WrongKind => {
                // A visit through the wrong door is a denied attempt too.
                if let Err(err) = record_wrong_door(&state, actor.as_ref(), &path).await {
                    return error_response(reply, err);
                }
                return no_store(wrong_kind_page(area, actor.as_ref()));
            }
        }
    }
    // Server functions, and the plain-HTTP routes the registry lists
    // (exports), meet the registry's rules before they run.
    // Without the registry nothing is registered: every call is refused.
    let registry = req
        .extensions()
        .get::<Registry>()
        .copied()
        .unwrap_or(Registry(&[]));
    let entry = registry.lookup(&path);
    // A product function called after the agent's session ended (revoked,
    // timed out): say so, and the page takes them back to the console.
    if let (Some(cause), Some(e)) = (ended, entry) {
        if area == Area::ServerFn && e.access == Access::Needs(super::Capability::UseProduct) {
            return error_response(reply, AppError::SessionEnded(cause.explanation().into()));
        }
    }
    if area == Area::ServerFn || entry.is_some() {
        if let Err(err) = check_server_fn(&registry, &path, req.method(), actor.as_ref()) {
            let recorded = match (&err, entry) {
                (AppError::Refused(_), Some(entry)) => {
                    record_read_only_refusal(&state, actor.as_ref(), entry).await
                }
                (AppError::Forbidden, Some(entry)) => {
                    record_role_refusal(&state, actor.as_ref(), entry).await
                }
                _ => Ok(()),
            };
            if let Err(err) = recorded {
                return error_response(reply, err);
            }
            return error_response(reply, err);
        }
    }
    if area == Area::ServerFn {
        return no_store(fix_error_status(next.run(req).await).await);
    }
    no_store(next.run(req).await)
}

/// Records a change refused at the guard because the session is read-only.
async fn record_read_only_refusal(
    state: &AppState,
    actor: Option<&Actor>,
    entry: &ServerFnEntry,
) -> Result<(), AppError> {
    let Some(actor @ Actor::Support(_, session)) = actor else {
        return Ok(());
    };
    let function = entry.path.rsplit('/').next().unwrap_or(entry.path);
    crate::audit::record(
        &state.pool,
        crate::audit::NewEvent::new(state.clock.now(), crate::audit::Kind::Blocked, actor)
            .about(session.account_id)
            .detail(serde_json::json!({
                "session_id": session.id,
                // "Sarah Lee tried to change the profile …": the registry's
                // words, or the function's name where it has none.
                "attempted": if entry.changes_what.is_empty() { function.replace('_', " ") } else { entry.changes_what.to_string() },
                "function": function,
                "why": "read_only",
                "account": session.account_name,
                "as": session.target_user_name,
            })),
    )
    .await?;
    Ok(())
}

/// Records a console function refused because the caller's role does not
/// allow it (a customer or agent at a manager's function, say): a denied
/// attempt like any other. Product functions refused outside a session are
/// the wrong door, recorded when the page is visited.
async fn record_role_refusal(
    state: &AppState,
    actor: Option<&Actor>,
    entry: &ServerFnEntry,
) -> Result<(), AppError> {
    let (Some(actor), Access::Needs(cap)) = (actor, entry.access) else {
        return Ok(());
    };
    if cap == super::Capability::UseProduct {
        return Ok(());
    }
    let function = entry.path.rsplit('/').next().unwrap_or(entry.path);
    crate::audit::record(
        &state.pool,
        crate::audit::NewEvent::new(state.clock.now(), crate::audit::Kind::RoleRefused, actor)
            .detail(serde_json::json!({ "function": function, "needs": format!("{cap:?}") })),
    )
    .await?;
    Ok(())
}

/// Whether the staff member's role, as it is now, still allows the session.
fn role_still_allows(staff: &super::StaffMember, session: &super::SupportSession) -> bool {
    use super::Capability::{RequestEditSession, RequestReadOnlySession};
    let grants = |cap| super::staff_role_grants(staff.role, cap);
    grants(RequestReadOnlySession) && (session.mode == Mode::ReadOnly || grants(RequestEditSession))
}

/// The actor, and the cause if a support session named in the login session
/// has ended since the last request.
async fn resolve(
    state: &AppState,
    session: Option<Session>,
) -> Result<(Option<Actor>, Option<EndCause>), AppError> {
    let Some(session) = session else {
        return Ok((None, None));
    };
    let Some(principal) = session.get::<Principal>(Principal::KEY).await? else {
        return Ok((None, None));
    };
    let support_id = match principal.side {
        Side::Staff => session.get::<Uuid>(SESSION_KEY).await?,
        Side::Customer => None,
    };
    let now = state.clock.now();
    let (actor, loaded) = match load_actor(&state.pool, &principal, support_id, now).await? {
        Login::Valid(valid) => *valid,
        // Removed or disabled since signing in, or signed in with a password
        // changed since: signed out, and a support session this login was
        // in ends now, with that cause.
        gone_or_outdated => {
            let Some(support_id) = support_id else {
                session.flush().await?;
                return Ok((None, None));
            };
            let cause = match gone_or_outdated {
                Login::Outdated => EndCause::PasswordChanged,
                _ => EndCause::StaffDisabled,
            };
            sessions::end_alone(&state.pool, support_id, now, cause).await?;
            // Signed out, but the login remembers why its session ended: the
            // agent's product tabs go to the console (and from there to the
            // staff sign-in), told why, not to the customers' sign-in.
            session.remove::<Principal>(Principal::KEY).await?;
            sessions::forget(&session, cause, now).await?;
            session.cycle_id().await?;
            return Ok((None, Some(cause)));
        }
    };
    let (Actor::Staff(staff), Some(loaded)) = (&actor, loaded) else {
        return Ok((Some(actor), None));
    };
    match loaded {
        Loaded::Live(s) if !role_still_allows(staff, &s) => {
            // The role changed some other way than through staff_changes:
            // the session was granted under a role that no longer may.
            sessions::end_alone(&state.pool, s.id, now, EndCause::StaffRoleChanged).await?;
            Ok((Some(actor), Some(EndCause::StaffRoleChanged)))
        }
        Loaded::Live(s) if s.viewed_role.is_none() => {
            // The customer removed the user it views as: nothing is left to
            // show, and the session should not linger "in progress".
            sessions::end_alone(&state.pool, s.id, now, EndCause::ViewedUserRemoved).await?;
            Ok((Some(actor), Some(EndCause::ViewedUserRemoved)))
        }
        Loaded::Live(s) if s.viewed_role.is_some_and(|role| role != s.target_role) => {
            // The customer gave the viewed user another role: the request
            // was decided for the role they had. A promotion would show more
            // than anyone agreed to, so any change ends the session.
            sessions::end_alone(&state.pool, s.id, now, EndCause::ViewedRoleChanged).await?;
            Ok((Some(actor), Some(EndCause::ViewedRoleChanged)))
        }
        Loaded::Live(s) => Ok((Some(Actor::Support(staff.clone(), s)), None)),
        Loaded::Ended(cause) => Ok((Some(actor), Some(cause))),
        Loaded::Missing => {
            session.remove::<Uuid>(SESSION_KEY).await?;
            Ok((Some(actor), None))
        }
    }
}

/// The registry's rules for one call, before the function runs.
fn check_server_fn(
    registry: &Registry,
    path: &str,
    method: &Method,
    actor: Option<&Actor>,
) -> Result<(), AppError> {
    let entry = registry.lookup(path).ok_or(AppError::NotFound)?;
    if let Access::Needs(cap) = entry.access {
        actor.ok_or(AppError::Unauthenticated)?.require(cap)?;
    }
    if entry.effect == Effect::Changes {
        // A link or an image on another site can make a browser GET; only a
        // POST (which the origin check guards) may change anything.
        if method != Method::POST {
            return Err(AppError::Invalid(
                "This action must be sent as a form (POST); nothing was changed.".into(),
            ));
        }
        let product = entry.access == Access::Needs(super::Capability::UseProduct);
        if let Some(Actor::Support(_, session)) = actor {
            if product && session.mode == Mode::ReadOnly && !entry.read_only_session {
                return Err(AppError::Refused(
                    "This support session is read-only, so nothing was changed. Ask for an edit session if the customer needs the change."
                        .into(),
                ));
            }
        }
    }
    Ok(())
}

async fn record_wrong_door(
    state: &AppState,
    actor: Option<&Actor>,
    path: &str,
) -> Result<(), AppError> {
    let Some(actor) = actor else {
        return Ok(());
    };
    // The path is the visitor's own text: keep only a bounded piece of it.
    let path: String = path.chars().take(200).collect();
    let door = match actor {
        Actor::Customer(_) => "console",
        Actor::Staff(_) | Actor::Support(..) => "product",
    };
    crate::audit::record(
        &state.pool,
        crate::audit::NewEvent::new(state.clock.now(), crate::audit::Kind::WrongDoor, actor)
            .detail(serde_json::json!({ "path": path, "door": door })),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::actor::tests::customer;
    use crate::access::{Capability, StaffMember};
    use crate::staff::StaffRole;
    use uuid::Uuid;

    fn staff() -> Actor {
        Actor::Staff(StaffMember {
            id: Uuid::nil(),
            name: "Sarah Lee".into(),
            email: "sarah.lee@chaperone.test".into(),
            role: StaffRole::Agent,
            time_zone: "UTC".into(),
            must_change_password: false,
        })
    }

    #[test]
    fn anonymous_visitors_are_sent_to_the_right_sign_in() {
        assert_eq!(
            decide_page("/console/sessions?x=1", None),
            PageDecision::Redirect("/console/login?next=/console/sessions%3Fx%3D1".into())
        );
        assert_eq!(
            decide_page("/app", None),
            PageDecision::Redirect("/login?next=/app".into())
        );
        assert_eq!(decide_page("/", None), PageDecision::Pass);
        assert_eq!(decide_page("/login", None), PageDecision::Pass);
        assert_eq!(decide_page("/console/login", None), PageDecision::Pass);
    }

    #[test]
    fn the_wrong_kind_of_user_is_refused() {
        assert_eq!(
            decide_page("/console", Some(&customer())),
            PageDecision::WrongKind
        );
        assert_eq!(
            decide_page("/app/team", Some(&staff())),
            PageDecision::WrongKind
        );
        assert_eq!(decide_page("/console", Some(&staff())), PageDecision::Pass);
        assert_eq!(decide_page("/app", Some(&customer())), PageDecision::Pass);
    }

    #[test]
    fn a_one_time_password_opens_only_the_password_page() {
        let Actor::Staff(mut member) = staff() else {
            unreachable!()
        };
        member.must_change_password = true;
        let temporary = Actor::Staff(member);
        for page in ["/console", "/console/approvals", "/console/accounts/x?y=1"] {
            assert_eq!(
                decide_page(page, Some(&temporary)),
                PageDecision::Redirect("/console/password".into()),
                "{page}"
            );
        }
        assert_eq!(
            decide_page("/console/password", Some(&temporary)),
            PageDecision::Pass
        );
        assert!(temporary.can(Capability::UseConsole));
        assert!(!temporary.can(Capability::SearchAccounts));
        assert!(!temporary.can(Capability::RequestReadOnlySession));
        assert!(staff().can(Capability::RequestReadOnlySession));
    }

    #[test]
    fn nul_characters_are_found_however_they_are_written() {
        for text in [
            &b"q=%00ab"[..],
            b"a\0b",
            br#"{"name":"a\u0000b"}"#,
            br#"{"n":"\U0000"}"#,
        ] {
            assert!(carries_nul(text), "{}", String::from_utf8_lossy(text));
        }
        for text in [&b"q=%2500"[..], b"rate=100&region=EU", b"%0", b""] {
            assert!(!carries_nul(text), "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn signed_in_users_skip_their_sign_in_page() {
        assert_eq!(
            decide_page("/console/login", Some(&staff())),
            PageDecision::Redirect("/console".into())
        );
        assert_eq!(
            decide_page("/login", Some(&customer())),
            PageDecision::Redirect("/app".into())
        );
    }

    const CONSOLE: Registry = Registry(&[crate::access::registry::CONSOLE_FNS]);

    #[test]
    fn unregistered_server_functions_are_refused() {
        assert_eq!(
            check_server_fn(&CONSOLE, "/api/not_a_function", &Method::POST, None),
            Err(AppError::NotFound)
        );
        assert_eq!(
            check_server_fn(&CONSOLE, "/api/who_am_i", &Method::POST, None),
            Ok(())
        );
    }
}
