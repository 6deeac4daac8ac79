//! Every server function, with the access it needs and whether it changes
//! state. The guard middleware refuses a call to any server-function path
//! that is not listed here, and checks the listed access before the function
//! runs; each function also checks for itself. Later work generates its
//! authorisation and leak tests from this table.

use super::Capability;

/// What a caller must be to reach a server function at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in itself, "who am I").
    Anyone,
    /// A signed-in actor holding this capability.
    Needs(Capability),
}

/// Whether a server function only reads or may change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Reads,
    Changes,
}

/// One registered server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerFnEntry {
    pub path: &'static str,
    pub access: Access,
    pub effect: Effect,
    /// A product function that changes state but that an agent in a
    /// read-only support session may still call: the blocked actions that
    /// change nothing in the product (exports), which a one-action approval
    /// governs (the access context spends it). Every other product entry
    /// that `Changes` state is refused by the guard, before it runs, in a
    /// read-only session. (Console functions — ending the session, asking
    /// for an approval, cancelling a request — have their own rules.)
    pub read_only_session: bool,
    /// What a change function changes, in words that follow "tried to
    /// change" in the log ("the tax settings"): what the guard writes when
    /// it refuses the call in a read-only session. Empty for the rest.
    pub changes_what: &'static str,
}

pub const fn entry(path: &'static str, access: Access, effect: Effect) -> ServerFnEntry {
    ServerFnEntry {
        path,
        access,
        effect,
        read_only_session: false,
        changes_what: "",
    }
}

/// An entry callable in a read-only support session although it changes
/// state (see [`ServerFnEntry::read_only_session`]).
pub const fn in_read_only(entry: ServerFnEntry) -> ServerFnEntry {
    ServerFnEntry {
        read_only_session: true,
        ..entry
    }
}

/// A change function, with what it changes in words (see
/// [`ServerFnEntry::changes_what`]).
pub const fn changing(path: &'static str, access: Access, what: &'static str) -> ServerFnEntry {
    ServerFnEntry {
        changes_what: what,
        ..entry(path, access, Effect::Changes)
    }
}

/// What every product function needs.
pub const PRODUCT: Access = Access::Needs(Capability::UseProduct);

/// Access's own entries: the console, signing in and out, and the identity
/// reveal. Each domain lists its own (the product's are in
/// `crate::product::registry`); `startup` puts the lists together. Keep
/// each sorted by path. Every entry that changes state is reached by POST
/// only.
pub const CONSOLE_FNS: &[ServerFnEntry] = &[
    entry(
        "/api/account_summary",
        Access::Needs(Capability::SearchAccounts),
        Effect::Reads,
    ),
    entry(
        "/api/add_staff_member",
        Access::Needs(Capability::ManageStaff),
        Effect::Changes,
    ),
    entry(
        "/api/approval_queue",
        Access::Needs(Capability::DecideRequests),
        Effect::Reads,
    ),
    entry(
        "/api/cancel_request",
        Access::Needs(Capability::UseConsole),
        Effect::Changes,
    ),
    entry(
        "/api/change_own_password",
        Access::Needs(Capability::UseConsole),
        Effect::Changes,
    ),
    entry("/api/customer_sign_in", Access::Anyone, Effect::Changes),
    entry(
        "/api/deactivate_staff",
        Access::Needs(Capability::ManageStaff),
        Effect::Changes,
    ),
    entry(
        "/api/decide_request",
        Access::Needs(Capability::DecideRequests),
        Effect::Changes,
    ),
    entry(
        "/api/denied_attempts",
        Access::Needs(Capability::ReadOwnSessionLogs),
        Effect::Reads,
    ),
    entry(
        "/api/end_support_session",
        Access::Needs(Capability::UseConsole),
        Effect::Changes,
    ),
    entry(
        "/api/enter_support_session",
        Access::Needs(Capability::RequestReadOnlySession),
        Effect::Changes,
    ),
    entry("/api/identity_reveals", PRODUCT, Effect::Reads),
    entry(
        "/api/live_session_elsewhere",
        Access::Needs(Capability::UseConsole),
        Effect::Reads,
    ),
    entry(
        "/api/request_action_approval",
        Access::Needs(Capability::RequestEditSession),
        Effect::Changes,
    ),
    entry(
        "/api/request_identity_reveal",
        Access::Needs(Capability::UseConsole),
        Effect::Changes,
    ),
    entry(
        "/api/request_status",
        Access::Needs(Capability::UseConsole),
        Effect::Reads,
    ),
    entry(
        "/api/request_support_session",
        Access::Needs(Capability::RequestReadOnlySession),
        Effect::Changes,
    ),
    // Showing an approved identity field changes nothing in the product;
    // the approval governs it, in any mode.
    in_read_only(entry("/api/reveal_identity", PRODUCT, Effect::Changes)),
    entry(
        "/api/revoke_note",
        Access::Needs(Capability::UseConsole),
        Effect::Reads,
    ),
    entry(
        "/api/revoke_support_session",
        Access::Needs(Capability::RevokeSession),
        Effect::Changes,
    ),
    entry(
        "/api/search_accounts",
        Access::Needs(Capability::SearchAccounts),
        Effect::Reads,
    ),
    entry(
        "/api/session_log",
        Access::Needs(Capability::ReadOwnSessionLogs),
        Effect::Reads,
    ),
    entry(
        "/api/session_timeline",
        Access::Needs(Capability::ReadOwnSessionLogs),
        Effect::Reads,
    ),
    entry(
        "/api/set_staff_role",
        Access::Needs(Capability::ManageStaff),
        Effect::Changes,
    ),
    entry("/api/set_time_zone", Access::Anyone, Effect::Changes),
    entry("/api/sign_out", Access::Anyone, Effect::Changes),
    entry(
        "/api/staff_directory",
        Access::Needs(Capability::ManageStaff),
        Effect::Reads,
    ),
    entry("/api/staff_sign_in", Access::Anyone, Effect::Changes),
    entry("/api/support_status", Access::Anyone, Effect::Reads),
    entry(
        "/api/unlock_staff",
        Access::Needs(Capability::ManageStaff),
        Effect::Changes,
    ),
    entry("/api/who_am_i", Access::Anyone, Effect::Reads),
    // The log for auditors: POST only, and each export is an event.
    entry(
        "/console/export/events.csv",
        Access::Needs(Capability::ExportEvents),
        Effect::Changes,
    ),
    entry(
        "/console/export/events.jsonl",
        Access::Needs(Capability::ExportEvents),
        Effect::Changes,
    ),
];

/// The whole registry: every domain's list, put together in `startup`. The
/// guard finds it in each request's extensions; a request without it can
/// reach no server function at all.
#[derive(Debug, Clone, Copy)]
pub struct Registry(pub &'static [&'static [ServerFnEntry]]);

impl Registry {
    /// The entry for a path, if some domain lists it.
    pub fn lookup(&self, path: &str) -> Option<&'static ServerFnEntry> {
        self.entries().find(|e| e.path == path)
    }

    /// Every entry of every domain.
    pub fn entries(&self) -> impl Iterator<Item = &'static ServerFnEntry> {
        self.0.iter().flat_map(|list| list.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lists_its_own_entries_sorted_and_once() {
        let paths: Vec<_> = CONSOLE_FNS.iter().map(|e| e.path).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(paths, sorted);
    }
}
