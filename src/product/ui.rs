//! The product's side navigation.

use leptos::prelude::*;
use leptos_router::components::A;

/// Every page in the side navigation, in order.
pub const PRODUCT_PAGES: &[(&str, &str)] = &[
    ("/app", "Dashboard"),
    ("/app/workspaces", "Workspaces"),
    ("/app/billing/invoices", "Invoices"),
    ("/app/billing/tax", "Tax settings"),
    ("/app/billing/payment-methods", "Payment methods"),
    ("/app/orders", "Orders"),
    ("/app/team", "Team"),
    ("/app/settings/notifications", "Notifications"),
    ("/app/developers/tokens", "API tokens"),
    ("/app/profile", "Profile"),
    ("/app/notes", "Private notes"),
    ("/app/search", "Search"),
    ("/app/history", "Support history"),
    ("/app/settings/security", "Security"),
];

/// The product's side navigation.
#[component]
pub fn ProductNav() -> impl IntoView {
    let links = PRODUCT_PAGES;
    view! {
        <nav class="side" aria-label="Billfold">
            <ul>
                {links.iter().map(|&(href, label)| view! { <li><A href=href exact=true>{label}</A></li> }).collect_view()}
            </ul>
        </nav>
    }
}
