//! The product's side navigation.

use crate::customers::CustomerRole;
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
    (SECURITY, "Security"),
];

/// Whether the menu offers `href` to someone who sees the product as
/// `role` (`support`: an agent in a session): a link that would only be
/// refused is left out. The pages still check for themselves; an API test
/// holds the menu to what each page answers.
pub fn offered(href: &str, role: CustomerRole, support: bool) -> bool {
    use crate::product::ProductPermission::*;
    match href {
        "/app/billing/payment-methods" => ViewPaymentMethods.allows(role),
        "/app/developers/tokens" => ManageTokens.allows(role),
        "/app/notes" => UseNotes.allows(role),
        HISTORY => !support && crate::history::reads_history(role),
        SECURITY => !support && crate::history::owns_support_access(role),
        _ => true,
    }
}

/// The product's side navigation. `unread`: the reader's unread
/// notifications about support, shown beside "Support history".
#[component]
pub fn ProductNav(unread: Resource<Result<i64, crate::error::AppError>>) -> impl IntoView {
    let me = use_context::<
        Resource<Result<Option<crate::access::signing::Me>, crate::error::AppError>>,
    >();
    let viewer = move || {
        me.and_then(|me| me.get())
            .and_then(Result::ok)
            .flatten()
            .and_then(|me| me.product_role.map(|role| (role, me.in_support_session)))
    };
    view! {
        <nav class="side" aria-label="Billfold">
            <Transition fallback=|| ()>
            <ul>
                {move || PRODUCT_PAGES.iter().filter(|(href, _)| match viewer() {
                    Some((role, support)) => offered(href, role, support),
                    None => true,
                }).map(|&(href, label)| {
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
            </Transition>
        </nav>
    }
}

/// The page that lists the notifications the badge counts.
const HISTORY: &str = "/app/history";
/// The customer's support-access policy.
const SECURITY: &str = "/app/settings/security";
