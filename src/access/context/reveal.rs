//! The context's part in revealing one identity field, once.

use super::{user_gone, AccessContext};
use crate::access::actions::{BlockedAction, BlockedAttempt};
use crate::audit::{self, Kind};
use crate::customers::directory;
use crate::error::AppError;
use serde_json::json;

impl AccessContext {
    /// Shows one identity field of the viewed user once: in one transaction
    /// the session is found live, the approval for exactly this field is
    /// spent, the value is read (as the server's own role — the support
    /// roles never may) and the showing is recorded, without the value.
    /// Without an unused approval it is refused, and the refusal recorded.
    pub async fn reveal_once(
        &self,
        field: &str,
        object: &str,
        label: &str,
    ) -> Result<Option<String>, AppError> {
        let session = self.session().ok_or(AppError::Forbidden)?;
        let staff = self.actor.as_staff().ok_or(AppError::Forbidden)?;
        let attempt = BlockedAttempt {
            action: BlockedAction::RevealIdentity,
            object: object.to_string(),
            label: label.to_string(),
        };
        let mut tx = self.state.pool.begin().await?;
        self.touch_live_session(&mut tx, session).await?;
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
            self.record_refusal(json!({
                "attempted": attempt.action.as_str(),
                "object": object,
                "label": label,
                "why": "no_approval",
            }))
            .await?;
            return Err(AppError::Refused(
                "There is no unused approval to show this field: each approval shows it once. Ask again if the case needs it.".into(),
            ));
        }
        let value =
            directory::identity_value(&mut tx, self.viewed.account_id, self.viewed.user_id, field)
                .await?
                .ok_or_else(user_gone)?;
        audit::append(
            &mut tx,
            self.event(
                Kind::IdentityShown,
                json!({ "field": field, "label": label, "ticket": session.ticket }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(value)
    }
}
