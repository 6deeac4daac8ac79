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
use leptos_router::{path, SsrMode};

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
                <script nonce=leptos::nonce::use_nonce() inner_html=WAIT_FOR_THE_WHOLE_PAGE></script>
                <script nonce=leptos::nonce::use_nonce() inner_html=HOLD_EARLY_SUBMITS></script>
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Leptos's loader hydrates islands when the browser is first idle, and
/// with the WASM cached that can come before the page has finished
/// arriving, and the loader walks the page for islands once: an island
/// further down would never come alive. Idle callbacks asked for while the
/// page is still loading wait for it to be complete.
const WAIT_FOR_THE_WHOLE_PAGE: &str = r#"(function () {
  var idle = "requestIdleCallback" in window
    ? window.requestIdleCallback.bind(window)
    : function (callback) { return setTimeout(callback, 0); };
  window.requestIdleCallback = function (callback, options) {
    if (document.readyState !== "loading") return idle(callback, options);
    document.addEventListener("DOMContentLoaded", function () { idle(callback, options); }, { once: true });
    return 0;
  };
})();"#;

/// Pages load their WASM when the browser is idle. A form submitted in
/// that moment is held (marked busy) until its island is live, so it gets
/// the same answer and confirmation as one submitted later; pressing again
/// while it is held sends nothing more. If the WASM has not come after three
/// seconds the form posts as plain HTML, with the button that was pressed —
/// except a form whose answer is a secret shown once (`data-needs-script`):
/// posted as plain HTML, that secret would be made and never seen, so it
/// waits, saying so beside (never inside) its island, whose HTML must stay
/// as the server sent it until it hydrates.
const HOLD_EARLY_SUBMITS: &str = r#"document.addEventListener("submit", function (e) {
  var form = e.target, body = document.body;
  if (body.hasAttribute("data-hydrated") || !form.closest("leptos-island")) return;
  e.preventDefault();
  if (form.hasAttribute("data-held")) return;
  form.setAttribute("data-held", "");
  form.setAttribute("aria-busy", "true");
  var by = e.submitter, waited = 0, patient = form.hasAttribute("data-needs-script"), note = null;
  var timer = setInterval(function () {
    waited += 50;
    var live = body.hasAttribute("data-hydrated");
    if (!live && patient && !note && waited >= 3000) {
      note = document.createElement("p");
      note.setAttribute("role", "status");
      note.className = "loading";
      note.textContent = "Still loading: this is sent as soon as the page is ready.";
      form.closest("leptos-island").after(note);
    }
    if (!live && (patient || waited < 3000)) return;
    clearInterval(timer);
    if (note) note.remove();
    form.removeAttribute("data-held");
    form.removeAttribute("aria-busy");
    if (live) {
      if (form.requestSubmit) { by ? form.requestSubmit(by) : form.requestSubmit(); }
      else { var button = by || form.querySelector("[type=submit]"); button ? button.click() : form.submit(); }
      return;
    }
    var pressed = null;
    if (by && by.name) {
      pressed = document.createElement("input");
      pressed.type = "hidden"; pressed.name = by.name; pressed.value = by.value;
      form.appendChild(pressed);
    }
    form.submit();
    if (pressed) pressed.remove();
  }, 50);
}, true);"#;

/// Every route renders in `SsrMode::Async`: the server waits for the page's
/// data before it answers, so an unknown id, a missing role or an ended
/// session sets the page's HTTP status (404, 403, 409) reliably, and the
/// first byte a browser or a screen reader gets is the whole page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/chaperone.css" />
        <Title text="Chaperone" />
        <Router>
            <crate::access::pages::SupportBanner />
            <Routes fallback=NotFound>
                <Route ssr=SsrMode::Async path=path!("/") view=Home />
                <Route ssr=SsrMode::Async path=path!("/login") view=CustomerSignInPage />
                <Route ssr=SsrMode::Async path=path!("/console/login") view=StaffSignInPage />
                <ParentRoute ssr=SsrMode::Async path=path!("/console") view=ConsoleLayout>
                    <Route ssr=SsrMode::Async path=path!("") view=ConsoleHome />
                    <Route ssr=SsrMode::Async path=path!("accounts/:id") view=crate::accounts::pages::AccountPage />
                    <Route ssr=SsrMode::Async path=path!("requests/:id") view=crate::access::pages::RequestPage />
                    <Route ssr=SsrMode::Async path=path!("approvals") view=crate::access::approvals::page::ApprovalsPage />
                    <Route ssr=SsrMode::Async path=path!("sessions") view=crate::session_log::SessionsPage />
                    <Route ssr=SsrMode::Async path=path!("sessions/:id") view=crate::session_log::SessionPage />
                    <Route ssr=SsrMode::Async path=path!("denied") view=crate::session_log::DeniedPage />
                    <Route ssr=SsrMode::Async path=path!("review") view=crate::review::page::ReviewPage />
                    <Route ssr=SsrMode::Async path=path!("review/week") view=crate::review::page::WeeklyPage />
                    <Route ssr=SsrMode::Async path=path!("staff") view=crate::access::staff_admin::page::StaffPage />
                    <Route ssr=SsrMode::Async path=path!("password") view=crate::access::signing::pages::StaffAccountPage />
                </ParentRoute>
                <ParentRoute ssr=SsrMode::Async path=path!("/app") view=ProductLayout>
                    <Route ssr=SsrMode::Async path=path!("") view=DashboardPage />
                    <Route ssr=SsrMode::Async path=path!("workspaces") view=WorkspacesPage />
                    <Route ssr=SsrMode::Async path=path!("billing/invoices") view=InvoicesPageView />
                    <Route ssr=SsrMode::Async path=path!("billing/invoices/:id") view=InvoiceDetailPage />
                    <Route ssr=SsrMode::Async path=path!("billing/tax") view=TaxSettingsPageView />
                    <Route ssr=SsrMode::Async path=path!("billing/payment-methods") view=PaymentMethodsPage />
                    <Route ssr=SsrMode::Async path=path!("orders") view=OrdersPageView />
                    <Route ssr=SsrMode::Async path=path!("team") view=TeamPageView />
                    <Route ssr=SsrMode::Async path=path!("settings/notifications") view=NotificationsPage />
                    <Route ssr=SsrMode::Async path=path!("developers/tokens") view=TokensPage />
                    <Route ssr=SsrMode::Async path=path!("profile") view=ProfilePage />
                    <Route ssr=SsrMode::Async path=path!("notes") view=NotesPage />
                    <Route ssr=SsrMode::Async path=path!("search") view=SearchPage />
                    <Route ssr=SsrMode::Async path=path!("history") view=crate::history::page::HistoryPage />
                    <Route ssr=SsrMode::Async path=path!("settings/security") view=crate::history::page::SecurityPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
