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
}

const fn entry(path: &'static str, access: Access, effect: Effect) -> ServerFnEntry {
    ServerFnEntry {
        path,
        access,
        effect,
        read_only_session: false,
    }
}

/// An entry callable in a read-only support session although it changes
/// state (see [`ServerFnEntry::read_only_session`]).
const fn in_read_only(entry: ServerFnEntry) -> ServerFnEntry {
    ServerFnEntry {
        read_only_session: true,
        ..entry
    }
}

const PRODUCT: Access = Access::Needs(Capability::UseProduct);

/// The registry. Keep it sorted by path. Besides server functions (`/api/…`)
/// it lists the product's plain-HTTP downloads, which are exports. Every
/// entry that changes state is reached by POST only.
pub const SERVER_FNS: &[ServerFnEntry] = &[
    entry(
        "/api/account_summary",
        Access::Needs(Capability::SearchAccounts),
        Effect::Reads,
    ),
    entry("/api/add_note", PRODUCT, Effect::Changes),
    entry(
        "/api/cancel_request",
        Access::Needs(Capability::UseConsole),
        Effect::Changes,
    ),
    entry("/api/change_member_role", PRODUCT, Effect::Changes),
    entry("/api/change_password", PRODUCT, Effect::Changes),
    entry("/api/create_api_token", PRODUCT, Effect::Changes),
    entry("/api/create_invoice", PRODUCT, Effect::Changes),
    entry("/api/customer_sign_in", Access::Anyone, Effect::Changes),
    entry(
        "/api/decide_request",
        Access::Needs(Capability::DecideRequests),
        Effect::Changes,
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
    entry("/api/invite_member", PRODUCT, Effect::Changes),
    entry("/api/product_dashboard", PRODUCT, Effect::Reads),
    entry("/api/product_invoice", PRODUCT, Effect::Reads),
    entry("/api/product_invoices", PRODUCT, Effect::Reads),
    entry("/api/product_notes", PRODUCT, Effect::Reads),
    entry("/api/product_notifications", PRODUCT, Effect::Reads),
    entry("/api/product_orders", PRODUCT, Effect::Reads),
    entry("/api/product_payment_methods", PRODUCT, Effect::Reads),
    entry("/api/product_profile", PRODUCT, Effect::Reads),
    entry("/api/product_search", PRODUCT, Effect::Reads),
    entry("/api/product_tax_settings", PRODUCT, Effect::Reads),
    entry("/api/product_team", PRODUCT, Effect::Reads),
    entry("/api/product_tokens", PRODUCT, Effect::Reads),
    entry("/api/product_workspaces", PRODUCT, Effect::Reads),
    entry("/api/regenerate_recovery_codes", PRODUCT, Effect::Changes),
    entry("/api/remove_member", PRODUCT, Effect::Changes),
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
    entry("/api/revoke_api_token", PRODUCT, Effect::Changes),
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
    entry("/api/set_notification", PRODUCT, Effect::Changes),
    entry("/api/sign_out", Access::Anyone, Effect::Changes),
    entry("/api/staff_sign_in", Access::Anyone, Effect::Changes),
    entry("/api/support_status", Access::Anyone, Effect::Reads),
    entry("/api/update_profile", PRODUCT, Effect::Changes),
    entry("/api/update_tax_rule", PRODUCT, Effect::Changes),
    entry("/api/who_am_i", Access::Anyone, Effect::Reads),
    // Exports are blocked actions: POST only, and in a session they need a
    // one-action approval for that export, whatever the mode.
    in_read_only(entry("/app/export/invoices.csv", PRODUCT, Effect::Changes)),
    in_read_only(entry("/app/export/orders.csv", PRODUCT, Effect::Changes)),
];

/// The entry for a server-function path, if it is registered.
pub fn lookup(path: &str) -> Option<&'static ServerFnEntry> {
    SERVER_FNS.iter().find(|e| e.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_server_function_is_registered_and_every_entry_exists() {
        let served: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _method)| path.to_string())
            .collect();
        let listed: BTreeSet<String> = SERVER_FNS
            .iter()
            .filter(|e| e.path.starts_with("/api/"))
            .map(|e| e.path.to_string())
            .collect();
        let missing: Vec<_> = served.difference(&listed).collect();
        let stale: Vec<_> = listed.difference(&served).collect();
        assert!(
            missing.is_empty(),
            "server functions without a registry entry: {missing:?}"
        );
        assert!(
            stale.is_empty(),
            "registry entries without a server function: {stale:?}"
        );
    }

    #[test]
    fn only_exports_and_reveals_are_callable_in_a_read_only_session() {
        let allowed: BTreeSet<&str> = SERVER_FNS
            .iter()
            .filter(|e| e.effect == Effect::Changes && e.read_only_session)
            .map(|e| e.path)
            .collect();
        assert_eq!(
            allowed,
            BTreeSet::from([
                "/api/reveal_identity",
                "/app/export/invoices.csv",
                "/app/export/orders.csv"
            ])
        );
        for e in SERVER_FNS.iter().filter(|e| e.read_only_session) {
            assert_eq!(e.access, PRODUCT, "{}: only product entries", e.path);
        }
    }

    #[test]
    fn registry_is_sorted_and_has_no_duplicates() {
        let paths: Vec<_> = SERVER_FNS.iter().map(|e| e.path).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(paths, sorted);
    }
}
