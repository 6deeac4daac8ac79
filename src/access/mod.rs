//! Who may do what: capabilities, the actor asking for them, the registry of
//! server functions with the capability each one needs, and the support
//! flow — requests, policy, approvals, sessions — with the access context
//! that every product server function holds.
//!
//! Access reads customer accounts and users only through
//! `crate::customers::directory`, and never names the product: a test fails
//! if it does.

use crate::staff::StaffRole;
use serde::{Deserialize, Serialize};

pub mod actions;
#[cfg(feature = "ssr")]
mod actor;
pub mod approvals;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod pages;
pub mod policy;
pub mod reason;
#[cfg(feature = "ssr")]
pub mod registry;
pub mod requests;
pub mod reveal;
pub mod sessions;
pub mod signing;
pub mod staff_admin;
#[cfg(feature = "ssr")]
pub mod staff_changes;

#[cfg(feature = "ssr")]
pub use actor::{current_actor, Actor, CurrentActor, CustomerUser, StaffMember, SupportSession};

/// Something an actor may be allowed to do. Server functions ask for one of
/// these before doing anything; hiding a button is only a courtesy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Capability {
    /// Use the console at all (every staff role).
    UseConsole,
    /// Search accounts and see their masked summary.
    SearchAccounts,
    /// Ask for a read-only support session.
    RequestReadOnlySession,
    /// Ask for an edit session, or for one otherwise blocked action.
    RequestEditSession,
    /// Enter without approval during an incident.
    BreakGlass,
    /// Approve or deny other people's requests.
    DecideRequests,
    /// End someone's live support session.
    RevokeSession,
    /// Read the logs of one's own sessions and denied attempts.
    ReadOwnSessionLogs,
    /// Read everyone's session logs and denied attempts.
    ReadAllSessionLogs,
    /// Mark sessions as fine or flagged.
    ReviewSessions,
    /// Export audit events.
    ExportEvents,
    /// Change staff roles and unlock logins.
    ManageStaff,
    /// Use the product as a customer user.
    UseProduct,
    /// See support's visits to one's own account and choose whether support
    /// may enter: customers only, never support inside a session.
    OwnSupportAccess,
}

impl Capability {
    /// What the capability lets one do, as the end of "tried to …" in the
    /// log ("tried to approve or deny requests").
    pub fn action_words(self) -> &'static str {
        match self {
            Capability::UseConsole => "use the staff console",
            Capability::SearchAccounts => "search customer accounts",
            Capability::RequestReadOnlySession => "ask for a read-only support session",
            Capability::RequestEditSession => "ask for edit access or a blocked action",
            Capability::BreakGlass => "enter an account without approval",
            Capability::DecideRequests => "approve or deny requests",
            Capability::RevokeSession => "end someone's support session",
            Capability::ReadOwnSessionLogs => "read session logs",
            Capability::ReadAllSessionLogs => "read everyone's session logs",
            Capability::ReviewSessions => "review sessions",
            Capability::ExportEvents => "export audit events",
            Capability::ManageStaff => "manage staff",
            Capability::UseProduct => "use the product as a customer",
            Capability::OwnSupportAccess => "manage an account's support access",
        }
    }

    /// The capability a stored name (`DecideRequests`) stands for.
    pub fn parse(name: &str) -> Option<Capability> {
        Capability::ALL
            .into_iter()
            .find(|c| format!("{c:?}") == name)
    }

    pub const ALL: [Capability; 14] = [
        Capability::UseConsole,
        Capability::SearchAccounts,
        Capability::RequestReadOnlySession,
        Capability::RequestEditSession,
        Capability::BreakGlass,
        Capability::DecideRequests,
        Capability::RevokeSession,
        Capability::ReadOwnSessionLogs,
        Capability::ReadAllSessionLogs,
        Capability::ReviewSessions,
        Capability::ExportEvents,
        Capability::ManageStaff,
        Capability::OwnSupportAccess,
        Capability::UseProduct,
    ];
}

/// Whether a staff role holds a capability: DESIGN.md's "Who may do what"
/// table, as one match so that reading it is reading the table.
pub fn staff_role_grants(role: StaffRole, capability: Capability) -> bool {
    use Capability::*;
    use StaffRole::*;
    match capability {
        UseConsole => true,
        SearchAccounts => matches!(role, Agent | SeniorAgent | Engineer | Manager | Auditor),
        RequestReadOnlySession => matches!(role, Agent | SeniorAgent | Engineer | Manager),
        RequestEditSession => matches!(role, SeniorAgent | Engineer),
        BreakGlass => matches!(role, Engineer),
        DecideRequests => matches!(role, Manager),
        RevokeSession => matches!(role, Manager | Admin),
        ReadOwnSessionLogs => matches!(role, Agent | SeniorAgent | Engineer | Manager | Auditor),
        ReadAllSessionLogs => matches!(role, Manager | Auditor),
        ReviewSessions => matches!(role, Manager),
        ExportEvents => matches!(role, Manager | Auditor),
        ManageStaff => matches!(role, Admin),
        // Staff never use the product as themselves; a support session is
        // the only way in, and it brings its own rules.
        UseProduct => false,
        // Only the customer: never staff, never support in a session.
        OwnSupportAccess => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;
    use StaffRole::*;

    #[test]
    fn capabilities_are_found_by_their_stored_names_and_have_words() {
        for c in Capability::ALL {
            assert_eq!(Capability::parse(&format!("{c:?}")), Some(c));
            assert!(!c.action_words().is_empty());
        }
        assert_eq!(Capability::parse("Anything"), None);
    }

    /// The table from DESIGN.md written out cell by cell, independently of
    /// the match above, so a change to either shows up here.
    #[test]
    fn staff_capabilities_match_the_design_table() {
        let table: &[(Capability, [bool; 6])] = &[
            //                       agent  senior engineer manager auditor admin
            (SearchAccounts, [true, true, true, true, true, false]),
            (
                RequestReadOnlySession,
                [true, true, true, true, false, false],
            ),
            (RequestEditSession, [false, true, true, false, false, false]),
            (BreakGlass, [false, false, true, false, false, false]),
            (DecideRequests, [false, false, false, true, false, false]),
            (RevokeSession, [false, false, false, true, false, true]),
            (ReadOwnSessionLogs, [true, true, true, true, true, false]),
            (ReadAllSessionLogs, [false, false, false, true, true, false]),
            (ReviewSessions, [false, false, false, true, false, false]),
            (ExportEvents, [false, false, false, true, true, false]),
            (ManageStaff, [false, false, false, false, false, true]),
            (UseConsole, [true; 6]),
            (UseProduct, [false; 6]),
            (OwnSupportAccess, [false; 6]),
        ];
        assert_eq!(
            table.len(),
            Capability::ALL.len(),
            "every capability has a row"
        );
        for (cap, row) in table {
            for (role, expected) in StaffRole::ALL.iter().zip(row) {
                assert_eq!(
                    staff_role_grants(*role, *cap),
                    *expected,
                    "{role:?} / {cap:?}"
                );
            }
        }
    }

    #[test]
    fn only_admins_manage_staff_and_admins_cannot_search() {
        assert!(staff_role_grants(Admin, ManageStaff));
        assert!(!staff_role_grants(Admin, SearchAccounts));
        assert!(!staff_role_grants(Manager, ManageStaff));
    }
}
