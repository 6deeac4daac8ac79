//! The root component, the HTML shell and the route table.

use crate::auth::pages::{CustomerSignInPage, StaffSignInPage};
use crate::ui::{ConsoleHome, ConsoleLayout, Home, NotFound, ProductHome, ProductLayout};
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
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home />
                <Route path=path!("/login") view=CustomerSignInPage />
                <Route path=path!("/console/login") view=StaffSignInPage />
                <ParentRoute path=path!("/console") view=ConsoleLayout>
                    <Route path=path!("") view=ConsoleHome />
                </ParentRoute>
                <ParentRoute path=path!("/app") view=ProductLayout>
                    <Route path=path!("") view=ProductHome />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
