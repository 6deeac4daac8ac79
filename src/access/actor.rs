//! The actor: who is making this request, resolved once per request by the
//! guard middleware and handed on in the request's extensions.

use super::{staff_role_grants, Capability};
use crate::auth::session::Principal;
use crate::auth::Side;
use crate::customers::CustomerRole;
use crate::error::AppError;
use crate::staff::StaffRole;
use sqlx::PgPool;
use uuid::Uuid;

/// A staff member signed in to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
    pub time_zone: String,
    /// Signed in with a temporary password an admin set: the console asks
    /// for a new one before anything else.
    pub must_change_password: bool,
}

/// A customer user signed in to the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerUser {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub name: String,
    pub email: String,
    pub role: CustomerRole,
    pub time_zone: String,
}

/// A live support session, as an attribute of the staff member's own login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportSession {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub target_user_id: Uuid,
    pub target_user_name: String,
    pub target_role: CustomerRole,
    pub mode: super::policy::Mode,
    pub reason: String,
    pub ticket: String,
    pub idle_deadline: chrono::DateTime<chrono::Utc>,
    pub max_deadline: chrono::DateTime<chrono::Utc>,
    /// The viewed user's role when this request began (read with the
    /// session); `None` when they are no longer in the account. When it is
    /// not `target_role` the guard ends the session.
    pub viewed_role: Option<CustomerRole>,
    /// How many refusals the session has recorded so far; only a session
    /// with some can have blocked actions to ask a manager about.
    pub refusals: i32,
}

impl SupportSession {
    /// The earlier of the idle and maximum deadlines.
    pub fn deadline(&self) -> chrono::DateTime<chrono::Utc> {
        self.idle_deadline.min(self.max_deadline)
    }
}

/// Who is acting. The actor is always a real person signed in as themself:
/// in a support session it is the staff member, carrying the session — never
/// a customer login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff(StaffMember),
    Customer(CustomerUser),
    Support(StaffMember, SupportSession),
}

impl Actor {
    /// Whether this actor holds the capability.
    pub fn can(&self, capability: Capability) -> bool {
        match self {
            // A one-time password was made by an admin, who knows it: until
            // its holder chooses their own, it opens the console's password
            // page and nothing else, so nobody acts under another's name.
            Actor::Staff(staff) | Actor::Support(staff, _) if staff.must_change_password => {
                capability == Capability::UseConsole
            }
            Actor::Staff(staff) => staff_role_grants(staff.role, capability),
            Actor::Customer(_) => matches!(
                capability,
                Capability::UseProduct | Capability::OwnSupportAccess
            ),
            Actor::Support(staff, _) => {
                capability == Capability::UseProduct || staff_role_grants(staff.role, capability)
            }
        }
    }

    /// Asks for a capability; `Forbidden` when the actor lacks it.
    pub fn require(&self, capability: Capability) -> Result<(), AppError> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The name written into events, as it is now.
    pub fn display_name(&self) -> &str {
        match self {
            Actor::Staff(s) | Actor::Support(s, _) => &s.name,
            Actor::Customer(c) => &c.name,
        }
    }

    pub fn as_staff(&self) -> Option<&StaffMember> {
        match self {
            Actor::Staff(s) | Actor::Support(s, _) => Some(s),
            Actor::Customer(_) => None,
        }
    }

    /// The support session, when the actor is inside one.
    pub fn support_session(&self) -> Option<&SupportSession> {
        match self {
            Actor::Support(_, session) => Some(session),
            _ => None,
        }
    }

    pub fn as_customer(&self) -> Option<&CustomerUser> {
        match self {
            Actor::Customer(c) => Some(c),
            Actor::Staff(_) | Actor::Support(..) => None,
        }
    }
}

/// The request extension the guard middleware inserts: the actor, if anyone
/// is signed in.
#[derive(Debug, Clone, Default)]
pub struct CurrentActor(pub Option<Actor>);

/// The actor of the request being served (inside a server function or SSR).
pub fn current_actor() -> Result<Actor, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentActor>().cloned())
        .and_then(|current| current.0)
        .ok_or(AppError::Unauthenticated)
}

/// What a login session's principal turned out to be on this request.
pub enum Login {
    /// Signed in; for staff, with the state of the support session their
    /// login names.
    Valid(Box<(Actor, Option<super::sessions::Loaded>)>),
    /// The person no longer exists or was disabled.
    Gone,
    /// The login was made with a password they have changed since: it is
    /// signed out (the person is still there).
    Outdated,
}

/// Loads the actor for a principal, in one round trip; for staff, with the
/// state of the support session their login names (`support_id`).
pub async fn load_actor(
    pool: &PgPool,
    principal: &Principal,
    support_id: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Login, sqlx::Error> {
    Ok(match principal.side {
        Side::Staff => {
            match super::sessions::load_staff(pool, principal.id, support_id, now).await? {
                None => Login::Gone,
                Some((_, hash, _)) if !principal.made_with(&hash) => Login::Outdated,
                Some((staff, _, session)) => Login::Valid(Box::new((Actor::Staff(staff), session))),
            }
        }
        Side::Customer => match crate::customers::repo::find_by_id(pool, principal.id).await? {
            None => Login::Gone,
            Some(c) if !principal.made_with(&c.password_hash.0) => Login::Outdated,
            Some(c) => Login::Valid(Box::new((
                Actor::Customer(CustomerUser {
                    id: c.id,
                    account_id: c.account_id,
                    account_name: c.account_name,
                    name: c.name,
                    email: c.email,
                    role: c.role,
                    time_zone: c.time_zone.unwrap_or_else(|| "UTC".into()),
                }),
                None,
            ))),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Jane Doe, owner of Acme Co (shared with the guard's tests).
    pub(crate) fn customer() -> Actor {
        Actor::Customer(CustomerUser {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            account_name: "Acme Co".into(),
            name: "Jane Doe".into(),
            email: "jane@acme.test".into(),
            role: CustomerRole::Owner,
            time_zone: "UTC".into(),
        })
    }

    #[test]
    fn customers_use_the_product_and_nothing_in_the_console() {
        let c = customer();
        assert!(c.require(Capability::UseProduct).is_ok());
        assert!(c.require(Capability::OwnSupportAccess).is_ok());
        for cap in Capability::ALL
            .into_iter()
            .filter(|c| !matches!(c, Capability::UseProduct | Capability::OwnSupportAccess))
        {
            assert_eq!(c.require(cap), Err(AppError::Forbidden), "{cap:?}");
        }
    }
}
