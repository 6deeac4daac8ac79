//! The access context: the one thing a product server function holds.
//!
//! It knows the actor (a customer user, or a staff member inside a support
//! session), the account and user whose view this is, and the audience for
//! masking. Product code reads and changes data only through it:
//!
//! - [`AccessContext::view`] records the page view *before* any data can be
//!   read (fail closed): in a support session it checks that the session is
//!   live, counts the activity and writes the view event in one write
//!   transaction, then hands out a [`Reader`] on a read-only transaction.
//! - [`AccessContext::change`] opens the change's own transaction and, inside
//!   it, re-checks that the support session is live (its row stays locked
//!   until the change commits, so a revoke or end that commits first wins
//!   and no change can commit after the end event), that the session may
//!   change things, and what the viewed user's role is now.
//! - [`AccessContext::change_blocked`] does the same for an action blocked in
//!   support sessions, and spends the one-action approval for exactly that
//!   object in the change's transaction: a failed action leaves it unspent.
//!
//! Product code never re-implements these rules; a test fails if a product
//! module reaches the pool or the app state itself.

use crate::access::actions::{BlockedAction, BlockedAttempt};
use crate::access::policy::Mode;
use crate::access::{current_actor, sessions, Actor, SupportSession};

mod handles;
mod reveal;
use crate::audit::{self, Kind, NewEvent};
use crate::customers::{directory, CustomerRole};
use crate::error::AppError;
use crate::masking::Audience;
use crate::state::{app_state, AppState};
use chrono::{DateTime, Utc};
pub use handles::{Change, Reader};
use serde_json::{json, Value};
use sqlx::{PgConnection, Postgres, Transaction};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// A permission of the product's own rules, per customer role. The product
/// defines its permissions; the context checks them against the role the
/// viewed user holds now.
pub trait ViewerPermission: Copy + std::fmt::Debug {
    fn allows(self, role: CustomerRole) -> bool;
    /// Why the permission is missing, in words for the person refused.
    fn refusal(self) -> &'static str;
}

/// Whose view of the product this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewed {
    pub user_id: Uuid,
    pub user_name: String,
    pub account_id: Uuid,
    pub account_name: String,
    /// The viewed user's role at the start of this request.
    pub role: CustomerRole,
}

/// The request context of a product server function.
#[derive(Clone)]
pub struct AccessContext {
    actor: Actor,
    viewed: Viewed,
    audience: Audience,
    state: AppState,
}

impl std::fmt::Debug for AccessContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessContext")
            .field("viewed", &self.viewed)
            .field("audience", &self.audience)
            .field("session", &self.session().map(|s| s.id))
            .finish_non_exhaustive()
    }
}

/// A label for a page that needs a lookup first (an invoice's number):
/// runs on the read-only transaction before the view is recorded.
pub type PageLabel<'c> = Pin<Box<dyn Future<Output = Result<String, AppError>> + Send + 'c>>;

impl AccessContext {
    /// The context of the current request.
    pub async fn current() -> Result<AccessContext, AppError> {
        AccessContext::for_actor(current_actor()?, app_state()?).await
    }

    /// The context for an actor; only those who may use the product have
    /// one. In a support session the viewed user's role was read with the
    /// session at the start of this request; the guard ends a session whose
    /// viewed user has been given another role since it was decided.
    pub async fn for_actor(actor: Actor, state: AppState) -> Result<AccessContext, AppError> {
        actor.require(crate::access::Capability::UseProduct)?;
        let (viewed, audience) = match &actor {
            Actor::Customer(c) => (
                Viewed {
                    user_id: c.id,
                    user_name: c.name.clone(),
                    account_id: c.account_id,
                    account_name: c.account_name.clone(),
                    role: c.role,
                },
                Audience::Customer,
            ),
            // The product renders as the target user, with the agent's
            // masking on top; the actor stays the staff member.
            Actor::Support(_, s) => {
                // Read with the session at the start of this request.
                let role = s.viewed_role.ok_or_else(user_gone)?;
                (
                    Viewed {
                        user_id: s.target_user_id,
                        user_name: s.target_user_name.clone(),
                        account_id: s.account_id,
                        account_name: s.account_name.clone(),
                        role,
                    },
                    Audience::Agent,
                )
            }
            Actor::Staff(_) => return Err(AppError::Forbidden),
        };
        Ok(AccessContext {
            actor,
            viewed,
            audience,
            state,
        })
    }

    pub fn viewed(&self) -> &Viewed {
        &self.viewed
    }

    pub fn account_id(&self) -> Uuid {
        self.viewed.account_id
    }

    pub fn account_name(&self) -> &str {
        &self.viewed.account_name
    }

    /// The reader's time zone: the customer's own, or, in a support
    /// session, the agent's (an unknown zone reads as UTC).
    pub fn zone(&self) -> chrono_tz::Tz {
        let name = match &self.actor {
            Actor::Customer(c) => c.time_zone.as_str(),
            Actor::Support(s, _) | Actor::Staff(s) => s.time_zone.as_str(),
        };
        crate::clock::zone(name)
    }

    /// `26 Nov 2026 14:11 CET`: a moment as the reader reads it.
    pub fn when(&self, at: DateTime<Utc>) -> String {
        crate::clock::when(at, self.zone())
    }

    /// `26 Nov 2026`: the day a moment fell on, for the reader.
    pub fn day(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone())
            .format("%-d %b %Y")
            .to_string()
    }

    /// The viewed user's role at the start of this request.
    pub fn role(&self) -> CustomerRole {
        self.viewed.role
    }

    /// Who reads what is shown, for masking.
    pub fn audience(&self) -> Audience {
        self.audience
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The name events carry for whoever acts (the staff member in a session).
    pub fn actor_name(&self) -> &str {
        self.actor.display_name()
    }

    /// The support session, when an agent is looking.
    pub fn session(&self) -> Option<&SupportSession> {
        self.actor.support_session()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Whether the viewed user's role holds a permission (for what pages
    /// offer; the functions that act check again).
    pub fn can(&self, permission: impl ViewerPermission) -> bool {
        permission.allows(self.viewed.role)
    }

    /// Asks for a permission; the refusal says why in words.
    pub fn require(&self, permission: impl ViewerPermission) -> Result<(), AppError> {
        require(permission, self.viewed.role)
    }

    /// An event by whoever acts, about this account, at the clock's now.
    /// Its facts carry the account's and the viewed user's names as they
    /// are now, and the support session when an agent acts.
    pub fn event(&self, kind: Kind, detail: Value) -> NewEvent {
        let mut facts = match detail {
            Value::Object(map) => map,
            Value::Null => Default::default(),
            other => [("detail".to_string(), other)].into_iter().collect(),
        };
        facts.insert("account".into(), json!(self.viewed.account_name));
        facts.insert("as".into(), json!(self.viewed.user_name));
        if let Some(s) = self.session() {
            facts.insert("session_id".into(), json!(s.id));
        }
        NewEvent::new(self.now(), kind, &self.actor)
            .about(self.viewed.account_id)
            .detail(Value::Object(facts))
    }

    /// Records that `page` was viewed and opens a read-only transaction for
    /// its data. In a support session nothing can be read unless the view
    /// event committed first, in the same write transaction that found the
    /// session live and counted the activity.
    pub async fn view(
        &self,
        permission: impl ViewerPermission,
        page: &str,
    ) -> Result<Reader, AppError> {
        self.require(permission)?;
        self.record_view(page).await?;
        Reader::open(&self.state, self.session().map(|s| s.account_id)).await
    }

    /// Like [`AccessContext::view`] for a page whose name needs a lookup
    /// (an invoice's number). In a support session the lookup runs inside
    /// the view's own write transaction, as the support read role, so the
    /// name recorded can only come from what support may see; for a customer
    /// nothing is recorded and the lookup is skipped.
    pub async fn view_named<F>(
        &self,
        permission: impl ViewerPermission,
        label: F,
    ) -> Result<Reader, AppError>
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> PageLabel<'c>,
    {
        self.require(permission)?;
        if let Some(session) = self.session() {
            let mut tx = self.state.pool.begin().await?;
            self.touch_live_session(&mut tx, session).await?;
            let set_role = crate::db::as_support_reader(session.account_id);
            sqlx::Executor::execute(&mut *tx, set_role.as_str()).await?;
            let page = label(&mut tx).await?;
            audit::append(&mut tx, self.view_event(&page)).await?;
            tx.commit().await?;
        }
        Reader::open(&self.state, self.session().map(|s| s.account_id)).await
    }

    /// In a support session: the session is found live, the activity
    /// counted and the view event written, committed together before this
    /// returns (with other requests' views, in one statement: see
    /// [`sessions::ViewRecorder`]).
    async fn record_view(&self, page: &str) -> Result<(), AppError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        self.state
            .services
            .get::<sessions::ViewRecorder>()
            .ok_or(AppError::Internal)?
            .record(
                session.id,
                self.state.config.support_idle_minutes,
                self.view_event(page),
            )
            .await?
            .ok_or_else(session_over)?;
        Ok(())
    }

    fn view_event(&self, page: &str) -> NewEvent {
        self.event(Kind::PageViewed, json!({ "page": page }))
    }

    /// Checks the password the signed-in customer typed to change their own
    /// login details, throttled per person
    /// ([`crate::auth::sign_in::check_own_password`]). Call it before
    /// opening the change: the hash check takes a while, and no connection
    /// is held meanwhile (parallel guesses once held the pool's connections
    /// and starved everyone else). Customers only.
    pub async fn check_own_password(&self, typed: String) -> Result<(), AppError> {
        let Actor::Customer(c) = &self.actor else {
            return Err(AppError::Forbidden);
        };
        let stored = crate::customers::repo::find_by_id(&self.state.pool, c.id)
            .await?
            .ok_or(AppError::NotFound)?
            .password_hash;
        let key =
            crate::auth::sign_in::check_own_password(&self.state, c.id, typed, stored).await?;
        let mut tx = self.state.pool.begin().await?;
        crate::auth::lockout::succeeded(&mut tx, &key).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a change: `what` names it for the record ("Tax rate"). Refused,
    /// and the refusal recorded, in a read-only support session; refused when
    /// the session has ended or the viewed user's role no longer allows it.
    pub async fn change(
        &self,
        permission: impl ViewerPermission,
        what: &str,
    ) -> Result<Change<'_>, AppError> {
        self.require(permission)?;
        if let Some(s) = self.session() {
            if s.mode == Mode::ReadOnly {
                return Err(self.refuse_read_only(what).await);
            }
        }
        let mut tx = self.state.pool.begin().await?;
        if let Some(s) = self.session() {
            if self.touch_live_session(&mut tx, s).await? == Mode::ReadOnly {
                tx.rollback().await?;
                return Err(self.refuse_read_only(what).await);
            }
        }
        self.opened(tx, permission).await
    }

    /// Opens a change that is an action blocked in support sessions, aimed at
    /// one object. Outside sessions it is [`AccessContext::change`]. Inside,
    /// it spends an approved one-action approval for exactly this action and
    /// object in the change's own transaction (so a failed action leaves it
    /// unspent); without one it is refused and the attempt recorded, and the
    /// banner then offers to ask a manager for it.
    pub async fn change_blocked(
        &self,
        permission: impl ViewerPermission,
        what: &str,
        action: BlockedAction,
        object: &str,
    ) -> Result<Change<'_>, AppError> {
        let Some(session) = self.session() else {
            return self.change(permission, what).await;
        };
        self.require(permission)?;
        let mut tx = self.state.pool.begin().await?;
        let mode = self.touch_live_session(&mut tx, session).await?;
        if mode == Mode::ReadOnly && action.changes_product() {
            tx.rollback().await?;
            return Err(self.refuse_read_only(what).await);
        }
        let attempt = BlockedAttempt {
            action,
            object: object.to_string(),
            label: crate::access::approvals::describe_object(
                &mut tx,
                self.viewed.account_id,
                object,
            )
            .await?,
        };
        let staff = self.actor.as_staff().ok_or(AppError::Forbidden)?;
        let spent = crate::access::approvals::spend_action_approval(
            &mut tx,
            staff,
            session,
            &attempt,
            self.now(),
        )
        .await?;
        if !spent {
            tx.rollback().await?;
            return Err(self.refuse_blocked(&attempt).await);
        }
        self.opened(tx, permission).await
    }

    /// The last step of opening a change, inside its transaction: the viewed
    /// user's role now (their row locked), and the permission checked
    /// against it.
    async fn opened(
        &self,
        mut tx: Transaction<'static, Postgres>,
        permission: impl ViewerPermission,
    ) -> Result<Change<'_>, AppError> {
        let role = directory::lock_role(&mut tx, self.viewed.account_id, self.viewed.user_id)
            .await?
            .ok_or_else(user_gone)?;
        if let Some(session) = self.session().filter(|s| s.target_role != role) {
            // Given another role since this request began (the guard ends
            // the session when it sees it first).
            tx.rollback().await?;
            let cause = sessions::EndCause::ViewedRoleChanged;
            sessions::end_alone(&self.state.pool, session.id, self.now(), cause).await?;
            return Err(AppError::SessionEnded(cause.explanation().into()));
        }
        require(permission, role)?;
        // From here on, in a support session, Postgres itself refuses what
        // support may never read, and every write in a read-only session.
        if let Some(session) = self.session() {
            let set_role = match session.mode {
                Mode::Edit => crate::db::as_support_writer(session.account_id),
                Mode::ReadOnly => crate::db::as_support_reader(session.account_id),
            };
            sqlx::Executor::execute(&mut *tx, set_role.as_str()).await?;
        }
        Ok(Change {
            ctx: self,
            tx,
            role,
        })
    }

    /// Refuses, and records, something support never does in a session,
    /// approved or not: `why` says so in words. Does nothing outside sessions.
    pub async fn refuse_in_session(&self, what: &str, why: &str) -> Result<(), AppError> {
        if self.session().is_none() {
            return Ok(());
        }
        self.record_refusal(json!({ "attempted": what, "why": "never_in_session" }))
            .await?;
        Err(AppError::Refused(format!(
            "Support cannot {what}: {why} Nothing was changed."
        )))
    }

    /// In a support session: finds the session live, counts the activity and
    /// keeps the session's row locked until `tx` ends. Returns the mode.
    async fn touch_live_session(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        session: &SupportSession,
    ) -> Result<Mode, AppError> {
        sessions::touch_live(
            tx,
            session.id,
            self.now(),
            self.state.config.support_idle_minutes,
        )
        .await?
        .ok_or_else(session_over)
    }

    async fn refuse_read_only(&self, what: &str) -> AppError {
        let recorded = self
            .record_refusal(json!({ "attempted": what, "why": "read_only" }))
            .await;
        match recorded {
            Ok(()) => AppError::Refused(format!(
                "This support session is read-only, so {what} was not changed. Ask for an edit session if the customer needs the change."
            )),
            Err(err) => err,
        }
    }

    async fn refuse_blocked(&self, attempt: &BlockedAttempt) -> AppError {
        let recorded = self
            .record_refusal(json!({
                "attempted": attempt.action.as_str(),
                "object": attempt.object,
                "object_label": attempt.label,
                "why": "blocked_action",
            }))
            .await;
        match recorded {
            Ok(()) => AppError::Refused(format!(
                "{} are blocked in support sessions, so nothing was done. A senior agent or engineer can ask a manager to approve this one action from the banner.",
                attempt.action.label()
            )),
            Err(err) => err,
        }
    }

    async fn record_refusal(&self, detail: Value) -> Result<(), AppError> {
        audit::record(&self.state.pool, self.event(Kind::Blocked, detail)).await?;
        Ok(())
    }
}

fn require(permission: impl ViewerPermission, role: CustomerRole) -> Result<(), AppError> {
    if permission.allows(role) {
        Ok(())
    } else {
        Err(AppError::Refused(permission.refusal().into()))
    }
}

fn session_over() -> AppError {
    AppError::Refused(
        "Your support session has ended, so nothing was shown or changed. You are back in the console."
            .into(),
    )
}

fn user_gone() -> AppError {
    AppError::Refused(
        "The user this view belongs to is no longer in the account, so nothing was shown or changed."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy)]
    struct OwnersOnly;

    impl ViewerPermission for OwnersOnly {
        fn allows(self, role: CustomerRole) -> bool {
            role == CustomerRole::Owner
        }
        fn refusal(self) -> &'static str {
            "Only owners can do this."
        }
    }

    #[test]
    fn a_missing_permission_is_refused_in_words() {
        assert_eq!(require(OwnersOnly, CustomerRole::Owner), Ok(()));
        assert_eq!(
            require(OwnersOnly, CustomerRole::Admin),
            Err(AppError::Refused("Only owners can do this.".into()))
        );
    }
}
