//! Who is looking at the product: resolved once per server function from the
//! actor. Today that is a customer user; the support-sessions work adds a
//! staff member viewing as a customer user, with the agent's masking.

use super::ProductPermission;
use crate::access::{current_actor, Actor, Capability};
use crate::customers::CustomerRole;
use crate::error::AppError;
use crate::masking::Audience;
use crate::startup::AppState;
use uuid::Uuid;

/// The person the product renders for, and who sees it.
#[derive(Clone)]
pub struct ProductViewer {
    /// The customer user whose view this is.
    pub user_id: Uuid,
    pub user_name: String,
    pub account_id: Uuid,
    pub account_name: String,
    pub role: CustomerRole,
    /// Who reads what is shown, for masking.
    pub audience: Audience,
    pub actor: Actor,
    state: AppState,
}

impl ProductViewer {
    /// Asks for a product permission; the refusal says why in words.
    pub fn require(&self, permission: ProductPermission) -> Result<(), AppError> {
        if permission.allows(self.role) {
            Ok(())
        } else {
            Err(AppError::Refused(permission.refusal().into()))
        }
    }

    pub fn can(&self, permission: ProductPermission) -> bool {
        permission.allows(self.role)
    }
}

impl std::fmt::Debug for ProductViewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductViewer")
            .field("user_id", &self.user_id)
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// The viewer of the current request, or why there is none.
pub fn product_viewer() -> Result<ProductViewer, AppError> {
    ProductViewer::from_actor(current_actor()?, app_state()?)
}

impl ProductViewer {
    /// The viewer for an actor; only those who may use the product have one.
    pub fn from_actor(actor: Actor, state: AppState) -> Result<ProductViewer, AppError> {
        viewer_for(actor, state)
    }
}

fn viewer_for(actor: Actor, state: AppState) -> Result<ProductViewer, AppError> {
    actor.require(Capability::UseProduct)?;
    match &actor {
        Actor::Customer(c) => Ok(ProductViewer {
            user_id: c.id,
            user_name: c.name.clone(),
            account_id: c.account_id,
            account_name: c.account_name.clone(),
            role: c.role,
            audience: Audience::Customer,
            actor: actor.clone(),
            state,
        }),
        // In a support session the product renders as the target user, with
        // the agent's masking on top; the actor stays the staff member.
        Actor::Support(_, session) => Ok(ProductViewer {
            user_id: session.target_user_id,
            user_name: session.target_user_name.clone(),
            account_id: session.account_id,
            account_name: session.account_name.clone(),
            role: session.target_role,
            audience: Audience::Agent,
            actor: actor.clone(),
            state,
        }),
        Actor::Staff(_) => Err(AppError::Forbidden),
    }
}

/// Actions blocked in every support session unless a manager approved that
/// one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedAction {
    Export,
    ResetLoginDetails,
    DeleteRecords,
    Refund,
}

impl BlockedAction {
    pub const ALL: [BlockedAction; 4] = [
        BlockedAction::Export,
        BlockedAction::ResetLoginDetails,
        BlockedAction::DeleteRecords,
        BlockedAction::Refund,
    ];

    pub fn parse(text: &str) -> Option<BlockedAction> {
        BlockedAction::ALL
            .into_iter()
            .find(|a| a.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BlockedAction::Export => "export",
            BlockedAction::ResetLoginDetails => "reset_login_details",
            BlockedAction::DeleteRecords => "delete_records",
            BlockedAction::Refund => "refund",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockedAction::Export => "Exports and bulk downloads",
            BlockedAction::ResetLoginDetails => "Resetting login details",
            BlockedAction::DeleteRecords => "Deleting records",
            BlockedAction::Refund => "Refunds",
        }
    }
}

impl ProductViewer {
    /// An event about this account, by whoever is acting, at the clock's now.
    pub fn event(
        &self,
        kind: &'static str,
        summary: String,
        detail: serde_json::Value,
    ) -> crate::audit::NewEvent {
        crate::audit::NewEvent {
            occurred_at: self.state.clock.now(),
            kind,
            actor: super::event_actor(self),
            account_id: Some(self.account_id),
            summary,
            detail,
        }
    }

    /// The support session, when an agent is looking.
    pub fn session(&self) -> Option<&crate::access::SupportSession> {
        self.actor.support_session()
    }

    async fn record(
        &self,
        kind: &'static str,
        summary: String,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let mut tx = self.state.pool.begin().await?;
        crate::audit::append(&mut tx, self.event(kind, summary, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// In a support session, records that the agent viewed `page` before its
    /// data is served; if the record cannot be written, nothing is served.
    pub async fn record_view(&self, page: &str) -> Result<(), AppError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        self.record(
            "support.page_viewed",
            format!(
                "{} viewed {} › {page} as {}",
                self.actor.display_name(),
                self.account_name,
                self.user_name
            ),
            serde_json::json!({ "session_id": session.id, "page": page }),
        )
        .await
    }

    /// Asks to change something. A read-only support session refuses, and the
    /// refusal is recorded.
    pub async fn require_change(&self, what: &str) -> Result<(), AppError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        if session.mode == crate::access::policy::Mode::Edit {
            return Ok(());
        }
        self.record(
            "support.blocked",
            format!(
                "{} tried to change {what} in {} as {}; refused because the session is read-only",
                self.actor.display_name(),
                self.account_name,
                self.user_name
            ),
            serde_json::json!({ "session_id": session.id, "attempted": what, "why": "read_only" }),
        )
        .await?;
        Err(AppError::Refused(format!(
            "This support session is read-only, so {what} was not changed. Ask for an edit session if the customer needs the change."
        )))
    }

    /// Refuses, and records, something support never does in a session,
    /// approved or not: `why` says so in words.
    pub async fn refuse_in_session(&self, what: &str, why: &str) -> Result<(), AppError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        self.record(
            "support.blocked",
            format!(
                "{} tried to {what} in {} as {}; refused: support never does this",
                self.actor.display_name(),
                self.account_name,
                self.user_name
            ),
            serde_json::json!({ "session_id": session.id, "attempted": what, "why": "never_in_session" }),
        )
        .await?;
        Err(AppError::Refused(format!(
            "Support cannot {what}: {why} Nothing was changed."
        )))
    }

    /// Asks for an action that is blocked in every support session. Refused
    /// and recorded; a manager can approve it as a one-action request.
    pub async fn require_unblocked(&self, action: BlockedAction) -> Result<(), AppError> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        if let Some(staff) = self.actor.as_staff() {
            if crate::access::requests::use_action_approval(
                &self.state.pool,
                staff,
                session,
                action,
                self.state.clock.now(),
            )
            .await?
            {
                return Ok(());
            }
        }
        self.record(
            "support.blocked",
            format!(
                "{} tried an action blocked in support sessions ({}) in {} as {}; refused",
                self.actor.display_name(),
                action.label().to_lowercase(),
                self.account_name,
                self.user_name
            ),
            serde_json::json!({ "session_id": session.id, "attempted": action.as_str(), "why": "blocked_action" }),
        )
        .await?;
        Err(AppError::Refused(format!(
            "{} are blocked in support sessions. Nothing was done. A senior agent or engineer can ask a manager to approve this one action from the banner.",
            action.label()
        )))
    }
}

/// The app state for server functions.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or(AppError::Internal)
}

/// Parses an id from a URL or form; a malformed id is simply not found.
pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
    text.trim().parse().map_err(|_| AppError::NotFound)
}
