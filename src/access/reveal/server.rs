//! Identity reveals on the server.

use super::*;
use crate::access::actions::{BlockedAction, BlockedAttempt};
use crate::access::approvals::ask_for_one_action;
use crate::access::context::AccessContext;
use crate::access::reason::check_reason;
use crate::access::requests::server::{by_staff, staff_of};
use crate::access::{current_actor, Capability, StaffMember, SupportSession};
use crate::audit::{self, Kind};
use crate::classification::{class_of, DataClass};
use crate::customers::directory::IDENTITY_FIELDS;
use crate::error::parse_id;
use crate::state::{app_state, AppState};
use serde_json::json;
use uuid::Uuid;

/// The one-action object a reveal is bound to: this field of this user.
pub(crate) fn object(field: &str, user_id: Uuid) -> String {
    format!("identity:{field}:{user_id}")
}

fn field_name(field: &str) -> Option<&'static str> {
    IDENTITY_FIELDS
        .iter()
        .find(|(column, _)| *column == field)
        .map(|(_, name)| *name)
}

/// Records a refused reveal request and returns the refusal.
async fn refuse(
    state: &AppState,
    staff: &StaffMember,
    session: &SupportSession,
    field: &str,
    why: &str,
) -> AppError {
    let event = by_staff(
        staff,
        state.clock.now(),
        Kind::RevealRefused,
        session.account_id,
        json!({
            "session_id": session.id,
            "field": field,
            "account": session.account_name,
            "as": session.target_user_name,
            "why": why,
        }),
    );
    audit::refused(&state.pool, event, AppError::Refused(why.to_string())).await
}

pub async fn offers() -> Result<Vec<RevealOffer>, AppError> {
    let ctx = AccessContext::current().await?;
    let Some(session) = ctx.session() else {
        return Ok(Vec::new());
    };
    let state = app_state()?;
    let now = ctx.now();
    let can_ask = ctx.actor().can(Capability::RequestEditSession);
    // The latest request for each field, all in one query.
    let objects: Vec<String> = IDENTITY_FIELDS
        .iter()
        .map(|(field, _)| object(field, session.target_user_id))
        .collect();
    let mut latest: std::collections::HashMap<String, _> = sqlx::query!(
        r#"select distinct on (action_object) action_object as "object!", id, status,
                  approved_until as "approved_until: chrono::DateTime<chrono::Utc>"
           from chaperone.access_requests
           where for_session_id = $1 and action = 'reveal_identity' and action_object = any($2)
           order by action_object, requested_at desc"#,
        session.id,
        &objects
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.object.clone(), r))
    .collect();
    let mut offers = Vec::new();
    for ((field, name), object) in IDENTITY_FIELDS.iter().zip(&objects) {
        let latest = latest.remove(object);
        let state = match latest
            .as_ref()
            .map(|r| (r.status.as_str(), r.approved_until))
        {
            Some(("pending", _)) => RevealState::Waiting,
            Some(("approved", Some(until))) if until > now => RevealState::Approved,
            Some(("used", _)) => RevealState::Shown,
            _ => RevealState::CanAsk,
        };
        offers.push(RevealOffer {
            field: field.to_string(),
            label: format!("{name} of {}", session.target_user_name),
            state,
            request_id: latest.map(|r| r.id.to_string()),
            can_ask,
            user_id: session.target_user_id.to_string(),
        });
    }
    Ok(offers)
}

pub async fn request(field: String, user_id: String, reason: String) -> Result<String, AppError> {
    let actor = current_actor()?;
    let staff = staff_of(&actor)?;
    let session = actor.support_session().cloned().ok_or_else(|| {
        AppError::Invalid("Identity data is revealed only inside a support session.".into())
    })?;
    let state = app_state()?;
    let field = field.trim();
    if !actor.can(Capability::RequestEditSession) {
        return Err(refuse(
            &state,
            &staff,
            &session,
            field,
            "Only senior agents and engineers may ask to reveal identity data; ask one of them to take the case.",
        )
        .await);
    }
    let name = match class_of("users", field) {
        DataClass::Secret => {
            return Err(refuse(
                &state,
                &staff,
                &session,
                field,
                "Secrets are never revealable: not to support, not with any approval.",
            )
            .await)
        }
        DataClass::Identity => field_name(field).ok_or_else(|| {
            AppError::Invalid("That identity field cannot be revealed here.".into())
        })?,
        _ => {
            return Err(AppError::Invalid(
                "Only identity fields (birth date, national or tax ID) are revealed this way; the rest shows as support may see it."
                    .into(),
            ))
        }
    };
    if parse_id(&user_id)? != session.target_user_id {
        return Err(refuse(
            &state,
            &staff,
            &session,
            field,
            "Only the fields of the user you are viewing as can be revealed.",
        )
        .await);
    }
    let reason = check_reason(&reason).map_err(AppError::Invalid)?;
    let attempt = BlockedAttempt {
        action: BlockedAction::RevealIdentity,
        object: object(field, session.target_user_id),
        label: format!("{name} of {}", session.target_user_name),
    };
    ask_for_one_action(&state, &staff, &session, &attempt, &reason).await
}

pub async fn reveal(field: String) -> Result<String, AppError> {
    let ctx = AccessContext::current().await?;
    let Some(session) = ctx.session() else {
        return Err(AppError::Invalid(
            "Identity data is revealed only to support, inside a session; you see your own data on your profile."
                .into(),
        ));
    };
    let field = field.trim();
    let name = field_name(field)
        .ok_or_else(|| AppError::Invalid("That field cannot be revealed.".into()))?;
    let label = format!("{name} of {}", session.target_user_name);
    let value = ctx
        .reveal_once(field, &object(field, session.target_user_id), &label)
        .await?;
    Ok(value.unwrap_or_else(|| "(empty)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classification::PRODUCT_COLUMNS;

    /// Every identity column of a user can be revealed, and nothing else:
    /// a new identity column needs its reveal written before it ships.
    #[test]
    fn the_revealable_fields_are_exactly_the_users_identity_columns() {
        let identity: Vec<&str> = PRODUCT_COLUMNS
            .iter()
            .filter(|(t, _, class)| *t == "users" && *class == DataClass::Identity)
            .map(|(_, c, _)| *c)
            .collect();
        let revealable: Vec<&str> = IDENTITY_FIELDS.iter().map(|(c, _)| *c).collect();
        assert_eq!(identity, revealable);
    }
}
