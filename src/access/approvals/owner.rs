//! An owner's decision on a request, when the customer asks to be asked
//! first. With a manager's approval needed too, both are kept, in either
//! order, and the request is approved only when both are there.

use super::server::{asked_for, expire_if_due};
use crate::access::requests::repo;
use crate::access::requests::RequestState;
use crate::audit::{self, Kind, NewEvent};
use crate::error::AppError;
use crate::state::app_state;
use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

/// An owner of the account decides a request that asks the owner first:
/// approving admits that one session once any manager's approval it needs
/// is there too; refusing ends it. Another account's request is not found.
pub(crate) async fn decide_as_owner(
    owner: &crate::access::CustomerUser,
    id: Uuid,
    approve: bool,
    note: String,
) -> Result<String, AppError> {
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        return Err(AppError::Invalid(
            "The note can have at most 500 characters.".into(),
        ));
    }
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut r = repo::load(&mut *tx, id, true)
        .await?
        .filter(|r| r.account_id == owner.account_id)
        .ok_or(AppError::NotFound)?;
    if r.status == RequestState::Pending && r.expires_at.is_some_and(|e| e <= now) {
        tx.rollback().await?;
        expire_if_due(&state.pool, &mut r, now).await?;
        return Err(AppError::Invalid(
            "This request expired before it was decided.".into(),
        ));
    }
    if r.status != RequestState::Pending || !r.needs_owner || r.owner_decided_by_name.is_some() {
        return Err(AppError::Invalid(
            "This request is not waiting for an owner's decision.".into(),
        ));
    }
    let manager_waits = r.needs_manager && r.decided_by.is_none();
    let (status, approved_until) = match (approve, manager_waits) {
        (false, _) => (RequestState::Denied, None),
        (true, true) => (RequestState::Pending, None),
        (true, false) => (
            RequestState::Approved,
            Some(now + Duration::minutes(state.config.approval_valid_minutes)),
        ),
    };
    sqlx::query!(
        r#"update chaperone.access_requests
           set status = $2, owner_decided_by = $3, owner_decided_by_name = $4, owner_decided_at = $5,
               owner_note = $6, approved_until = coalesce($7, approved_until)
           where id = $1"#,
        id,
        status.as_str(),
        owner.id,
        owner.name,
        now as _,
        (!note.is_empty()).then_some(note.clone()),
        approved_until as _
    )
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        NewEvent::new(
            now,
            if approve {
                Kind::OwnerApproved
            } else {
                Kind::OwnerRefused
            },
            &crate::access::Actor::Customer(owner.clone()),
        )
        .about(r.account_id)
        .detail(json!({
            "request_id": id,
            "note": note,
            "requester": r.staff_name,
            "asked": asked_for(&r),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(match (approve, manager_waits) {
        (false, _) => format!("Refused. {} from Support will not enter.", r.staff_name),
        (true, true) => "Approved. The request now also waits for a Chaperone manager.".into(),
        (true, false) => format!(
            "Approved. {} from Support may enter once, within {} minutes.",
            r.staff_name, state.config.approval_valid_minutes
        ),
    })
}
