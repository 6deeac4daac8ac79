//! What the access context hands out: a [`Reader`] for a page's data and a
//! [`Change`] for one change. Only the context makes them.

use super::AccessContext;
use crate::access::sessions::{self, EndCause};
use crate::audit::{self, Kind};
use crate::customers::CustomerRole;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::Value;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// A read-only transaction for a page's data, handed out only after the view
/// was recorded. Postgres refuses any write made through it; in a support
/// session it also runs as the support read role, so a column support may
/// not see cannot be read through it either.
pub struct Reader {
    tx: Transaction<'static, Postgres>,
}

impl Reader {
    /// `support`: the session's account, which is all the support role
    /// will see.
    pub(super) async fn open(state: &AppState, support: Option<Uuid>) -> Result<Reader, AppError> {
        // One round trip: the role and account are set in the same simple
        // query that begins the transaction.
        let tx = match support {
            Some(account) => {
                state
                    .pool
                    .begin_with(crate::db::begin_read_as_support(account))
                    .await?
            }
            None => state.pool.begin_with("begin read only").await?,
        };
        Ok(Reader { tx })
    }

    /// The connection to read through.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// A change in progress: its own transaction, in which the session was found
/// live and the viewed user's role read (and locked) now. Dropping it without
/// [`Change::commit`] changes nothing.
pub struct Change<'a> {
    pub(super) ctx: &'a AccessContext,
    pub(super) tx: Transaction<'static, Postgres>,
    pub(super) role: CustomerRole,
}

impl Change<'_> {
    /// The connection to change through.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The viewed user's role now, inside this transaction.
    pub fn role(&self) -> CustomerRole {
        self.role
    }

    /// Writes the change's event in the change's transaction.
    pub async fn record(&mut self, kind: Kind, detail: Value) -> Result<(), AppError> {
        audit::append(&mut self.tx, self.ctx.event(kind, detail)).await?;
        Ok(())
    }

    /// This change gave a user of the account another role: a support
    /// session viewing as them ends now, with the change, since it was
    /// decided for the role they had (the guard would otherwise end it only
    /// at the agent's next request, leaving it "in progress" meanwhile).
    pub async fn viewed_user_role_changed(&mut self, user_id: Uuid) -> Result<(), AppError> {
        self.end_sessions_viewing(user_id, EndCause::ViewedRoleChanged)
            .await
    }

    /// This change removed a user from the account: a support session
    /// viewing as them ends now, with the change.
    pub async fn viewed_user_removed(&mut self, user_id: Uuid) -> Result<(), AppError> {
        self.end_sessions_viewing(user_id, EndCause::ViewedUserRemoved)
            .await
    }

    async fn end_sessions_viewing(
        &mut self,
        user_id: Uuid,
        cause: EndCause,
    ) -> Result<(), AppError> {
        // A change made in a support session runs as a support role, which
        // Postgres does not let touch sessions (as it should stay). Such a
        // change (an approved removal) leaves another agent's session as
        // that user to the guard, which ends it at their next request or
        // the idle timeout.
        if self.ctx.session().is_some() {
            return Ok(());
        }
        // In id order, so two such changes at once lock in the same order.
        let live = sqlx::query_scalar!(
            "select id from chaperone.support_sessions
             where target_user_id = $1 and ended_at is null order by id for update",
            user_id
        )
        .fetch_all(&mut *self.tx)
        .await?;
        let now = self.ctx.now();
        for id in live {
            sessions::end(&mut self.tx, id, now, cause).await?;
        }
        Ok(())
    }

    /// Commits the change and its events together.
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}
