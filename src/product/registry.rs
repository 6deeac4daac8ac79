//! The product's entries in the server-function registry: every product
//! server function and download, with what it needs and whether it changes
//! state. The guard refuses any path no domain lists.

use crate::access::registry::{entry, in_read_only, Effect, ServerFnEntry, PRODUCT};

/// Sorted by path. Besides server functions (`/api/…`) it lists the
/// plain-HTTP downloads, which are exports: blocked actions, POST only.
pub const PRODUCT_FNS: &[ServerFnEntry] = &[
    entry("/api/add_note", PRODUCT, Effect::Changes),
    entry("/api/change_member_role", PRODUCT, Effect::Changes),
    entry("/api/change_password", PRODUCT, Effect::Changes),
    entry("/api/create_api_token", PRODUCT, Effect::Changes),
    entry("/api/create_invoice", PRODUCT, Effect::Changes),
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
    entry("/api/revoke_api_token", PRODUCT, Effect::Changes),
    entry("/api/set_notification", PRODUCT, Effect::Changes),
    entry("/api/update_profile", PRODUCT, Effect::Changes),
    entry("/api/update_tax_rule", PRODUCT, Effect::Changes),
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
