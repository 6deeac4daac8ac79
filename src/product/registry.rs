//! The product's entries in the server-function registry: every product
//! server function and download, with what it needs and whether it changes
//! state. The guard refuses any path no domain lists.

use crate::access::registry::{changing, entry, in_read_only, Effect, ServerFnEntry, PRODUCT};

/// Sorted by path. Besides server functions (`/api/…`) it lists the
/// plain-HTTP downloads, which are exports: blocked actions, POST only.
pub const PRODUCT_FNS: &[ServerFnEntry] = &[
    changing("/api/add_note", PRODUCT, "the notes"),
    changing("/api/change_member_role", PRODUCT, "a team member's role"),
    changing("/api/change_password", PRODUCT, "the password"),
    changing("/api/create_api_token", PRODUCT, "the API tokens"),
    changing("/api/create_invoice", PRODUCT, "the invoices"),
    changing("/api/invite_member", PRODUCT, "the team"),
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
    changing(
        "/api/regenerate_recovery_codes",
        PRODUCT,
        "the recovery codes",
    ),
    changing("/api/remove_member", PRODUCT, "the team"),
    changing("/api/revoke_api_token", PRODUCT, "the API tokens"),
    changing("/api/set_notification", PRODUCT, "a notification setting"),
    changing("/api/update_profile", PRODUCT, "the profile"),
    changing("/api/update_tax_rule", PRODUCT, "the tax settings"),
    // Exports are blocked actions: POST only, and in a session they need a
    // one-action approval for that export, whatever the mode.
    in_read_only(entry("/app/export/invoices.csv", PRODUCT, Effect::Changes)),
    in_read_only(entry("/app/export/orders.csv", PRODUCT, Effect::Changes)),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_lists_its_entries_sorted_and_once() {
        let paths: Vec<_> = PRODUCT_FNS.iter().map(|e| e.path).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(paths, sorted);
        for e in PRODUCT_FNS {
            assert_eq!(e.access, PRODUCT, "{}", e.path);
        }
    }

    #[test]
    fn every_change_refused_in_a_read_only_session_says_what_it_changes() {
        for e in PRODUCT_FNS {
            if e.effect == Effect::Changes && !e.read_only_session {
                assert!(!e.changes_what.is_empty(), "{} says nothing", e.path);
            }
        }
    }

    #[test]
    fn only_exports_change_anything_in_a_read_only_session() {
        let allowed: Vec<&str> = PRODUCT_FNS
            .iter()
            .filter(|e| e.effect == Effect::Changes && e.read_only_session)
            .map(|e| e.path)
            .collect();
        assert_eq!(
            allowed,
            ["/app/export/invoices.csv", "/app/export/orders.csv"]
        );
    }
}
