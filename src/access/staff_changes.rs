//! Changes to staff that take access away: disabling someone or changing
//! their role ends their live support session at once, in the same
//! transaction, with that cause — a person who may no longer do something
//! does not keep doing it until a timeout. (The staff admin pages call
//! these; so does `chaperone disable-staff`.)

use super::sessions::{self, EndCause};
use crate::audit::{self, EventActor, Kind, NewEvent};
use crate::staff::StaffRole;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Ends the staff member's live support session, if any, for `cause`.
pub(crate) async fn end_live_session(
    tx: &mut Transaction<'_, Postgres>,
    staff_id: Uuid,
    now: DateTime<Utc>,
    cause: EndCause,
) -> Result<bool, sqlx::Error> {
    let live = sqlx::query_scalar!(
        "select id from chaperone.support_sessions where staff_id = $1 and ended_at is null for update",
        staff_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    match live {
        Some(id) => sessions::end(tx, id, now, cause).await,
        None => Ok(false),
    }
}

/// Disables a staff member: they are signed out on their next request and
/// their live support session ends now. Returns false if there was no such
/// active staff member.
pub async fn disable_staff(
    pool: &PgPool,
    staff_id: Uuid,
    by: EventActor,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(name) = sqlx::query_scalar!(
        "update chaperone.staff set disabled_at = $2, updated_at = $2 where id = $1 and disabled_at is null returning name",
        staff_id,
        now as _
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::StaffDisabled, by)
            .detail(json!({ "staff_id": staff_id, "name": name })),
    )
    .await?;
    end_live_session(&mut tx, staff_id, now, EndCause::StaffDisabled).await?;
    tx.commit().await?;
    Ok(true)
}

/// Changes a staff member's role; their live support session ends now (it
/// was granted under the old role). Returns false if nothing changed.
pub async fn change_staff_role(
    pool: &PgPool,
    staff_id: Uuid,
    role: StaffRole,
    by: EventActor,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(r) = sqlx::query!(
        r#"update chaperone.staff s set role = $2, updated_at = $3
           from (select id, role as old_role from chaperone.staff where id = $1 for update) old
           where s.id = old.id and s.role <> $2
           returning s.name, old.old_role"#,
        staff_id,
        role.as_str(),
        now as _
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::StaffRoleChanged, by).detail(json!({
            "staff_id": staff_id,
            "name": r.name,
            "old": r.old_role,
            "new": role.as_str(),
        })),
    )
    .await?;
    end_live_session(&mut tx, staff_id, now, EndCause::StaffRoleChanged).await?;
    tx.commit().await?;
    Ok(true)
}
