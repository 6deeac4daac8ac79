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
    (HISTORY, "Support history"),
    ("/app/settings/security", "Security"),
];

/// The product's side navigation. `unread`: the reader's unread
/// notifications about support, shown beside "Support history".
#[component]
pub fn ProductNav(unread: Resource<Result<i64, crate::error::AppError>>) -> impl IntoView {
    let links = PRODUCT_PAGES;
    view! {
        <nav class="side" aria-label="Billfold">
            <ul>
                {links.iter().map(|&(href, label)| {
                    let badge = (href == HISTORY).then(|| view! {
                        <Suspense fallback=|| ()>
                            {move || unread.get().and_then(Result::ok).filter(|n| *n > 0).map(|n| view! {
                                " " <span class="badge">{format!("{n} new")}</span>
                            })}
                        </Suspense>
                    });
                    view! { <li><A href=href exact=true>{label}{badge}</A></li> }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// The page that lists the notifications the badge counts.
const HISTORY: &str = "/app/history";
