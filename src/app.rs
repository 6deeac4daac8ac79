//! The root component, the HTML shell and the route table.

use crate::access::signing::pages::{CustomerSignInPage, StaffSignInPage};
use crate::layout::{ConsoleHome, ConsoleLayout, Home, NotFound, ProductLayout};
use crate::product::{
    dashboard::DashboardPage, invoices::InvoiceDetailPage, invoices::InvoicesPageView,
    notes::NotesPage, notifications::NotificationsPage, orders::OrdersPageView,
    payments::PaymentMethodsPage, profile::ProfilePage, search::SearchPage, team::TeamPageView,
    tokens::TokensPage, workspaces::TaxSettingsPageView, workspaces::WorkspacesPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app. On the server it also sets this page's
/// Content-Security-Policy with the nonce of its hydration script.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::security::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/chaperone.css" />
        <Title text="Chaperone" />
        <Router>
            <crate::access::pages::SupportBanner />
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home />
                <Route path=path!("/login") view=CustomerSignInPage />
                <Route path=path!("/console/login") view=StaffSignInPage />
                <ParentRoute path=path!("/console") view=ConsoleLayout>
                    <Route path=path!("") view=ConsoleHome />
                    <Route path=path!("accounts/:id") view=crate::accounts::pages::AccountPage />
                    <Route path=path!("requests/:id") view=crate::access::pages::RequestPage />
                    <Route path=path!("approvals") view=crate::access::approvals::page::ApprovalsPage />
                    <Route path=path!("sessions") view=crate::session_log::SessionsPage />
                    <Route path=path!("sessions/:id") view=crate::session_log::SessionPage />
                    <Route path=path!("denied") view=crate::session_log::DeniedPage />
                    <Route path=path!("review") view=crate::review::page::ReviewPage />
                    <Route path=path!("review/week") view=crate::review::page::WeeklyPage />
                    <Route path=path!("staff") view=crate::access::staff_admin::page::StaffPage />
                    <Route path=path!("password") view=crate::access::signing::pages::StaffPasswordPage />
                </ParentRoute>
                <ParentRoute path=path!("/app") view=ProductLayout>
                    <Route path=path!("") view=DashboardPage />
                    <Route path=path!("workspaces") view=WorkspacesPage />
                    <Route path=path!("billing/invoices") view=InvoicesPageView />
                    <Route path=path!("billing/invoices/:id") view=InvoiceDetailPage />
                    <Route path=path!("billing/tax") view=TaxSettingsPageView />
                    <Route path=path!("billing/payment-methods") view=PaymentMethodsPage />
                    <Route path=path!("orders") view=OrdersPageView />
                    <Route path=path!("team") view=TeamPageView />
                    <Route path=path!("settings/notifications") view=NotificationsPage />
                    <Route path=path!("developers/tokens") view=TokensPage />
                    <Route path=path!("profile") view=ProfilePage />
                    <Route path=path!("notes") view=NotesPage />
                    <Route path=path!("search") view=SearchPage />
                    <Route path=path!("history") view=crate::history::page::HistoryPage />
                    <Route path=path!("settings/security") view=crate::history::page::SecurityPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
