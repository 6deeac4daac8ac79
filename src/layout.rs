//! The page frames: the console's and the product's layouts, the start
//! page and the not-found page. They sit on top, beside the route table,
//! because they put several domains on one screen.

use crate::access::signing::pages::SignOutButton;
use crate::access::signing::{who_am_i, Me};
use crate::access::Capability;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// Loads who is signed in, once per full page load.
fn use_me() -> Resource<Result<Option<Me>, crate::error::AppError>> {
    Resource::new_blocking(|| (), |_| who_am_i())
}

/// The console's frame: header with the signed-in staff member, then the page.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let me = use_me();
    provide_context(me);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar console">
            <A href="/console" attr:class="brand">"Chaperone"</A>
            <nav aria-label="Console">
                <ul class="inline-list">
                    <li><A href="/console" exact=true>"Home"</A></li>
                    <Transition fallback=|| ()>
                        {move || me.get().and_then(Result::ok).flatten().map(|me| console_links(&me.capabilities))}
                    </Transition>
                </ul>
            </nav>
            <Transition fallback=|| ()>
                {move || me.get().map(|r| view! { <WhoBox me=r.ok().flatten() /> })}
            </Transition>
        </header>
        <main class="page" id="main">
            <Transition fallback=|| ()>
                {move || me.get().and_then(Result::ok).flatten().filter(|m| m.temporary_login).map(|_| view! {
                    <p class="notice-bar" role="status">
                        "You are signed in with a one-time password. "
                        <A href="/console/password">"Choose your own password"</A>
                    </p>
                })}
            </Transition>
            <crate::ui::Flash /><crate::ui::PostedError />
            <Outlet />
        </main>
    }
}

/// The console pages a staff member's role opens, as list items.
fn console_links(caps: &[Capability]) -> impl IntoView {
    [
        (
            Capability::DecideRequests,
            "/console/approvals",
            "Approvals",
        ),
        (Capability::ReviewSessions, "/console/review", "Review"),
        (
            Capability::ReadOwnSessionLogs,
            "/console/sessions",
            "Sessions",
        ),
        (
            Capability::ReadOwnSessionLogs,
            "/console/denied",
            "Denied attempts",
        ),
        (Capability::ManageStaff, "/console/staff", "Staff"),
        (Capability::UseConsole, "/console/password", "Your account"),
    ]
    .into_iter()
    .filter(|(cap, ..)| caps.contains(cap))
    .map(|(_, href, label)| view! { <li><A href=href>{label}</A></li> })
    .collect_view()
}

/// The product's frame (the support banner joins it in the root layout).
#[component]
pub fn ProductLayout() -> impl IntoView {
    let me = use_me();
    provide_context(me);
    // Asked again on every page, so the count is right after reading them.
    let path = leptos_router::hooks::use_location().pathname;
    let unread = Resource::new(
        move || path.get(),
        |_| crate::history::unread_notifications(),
    );
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar product">
            <A href="/app" attr:class="brand">"Billfold"</A>
            <form method="get" action="/app/search" role="search" class="top-search">
                <label class="sr-only" for="top-q">"Search"</label>
                <input id="top-q" name="q" type="search" placeholder="Search…" minlength="2" maxlength="100" />
            </form>
            <Transition fallback=|| ()>
                {move || me.get().map(|r| view! { <WhoBox me=r.ok().flatten() /> })}
            </Transition>
        </header>
        <div class="with-side">
            <crate::product::ui::ProductNav unread />
            <main class="page" id="main"><crate::ui::Flash /><crate::ui::PostedError /><Outlet /></main>
        </div>
    }
}

#[component]
fn WhoBox(me: Option<Me>) -> impl IntoView {
    me.map(|me| {
        let place = me
            .account_name
            .clone()
            .map(|a| format!(" · {a}"))
            .unwrap_or_default();
        view! {
            <div class="who">
                <span>
                    <strong>{me.name.clone()}</strong>
                    <span class="muted">{format!(" · {}{place}", me.role_label)}</span>
                </span>
                <SignOutButton />
            </div>
        }
    })
}

/// `/console`: the staff member's home.
#[component]
pub fn ConsoleHome() -> impl IntoView {
    let me = expect_context::<Resource<Result<Option<Me>, crate::error::AppError>>>();
    let results = crate::accounts::pages::search_results();
    // Made where the page starts, not inside the view that re-renders once
    // the signed-in person has loaded (which would ask again).
    let live = Resource::new(|| (), |_| crate::access::sessions::live_session_elsewhere());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || me.get().map(|r| match r {
                Ok(Some(me)) => view! {
                    <crate::access::pages::EndedNotice />
                    <LiveElsewhere live />
                    <h1>{format!("Welcome, {}", me.name)}</h1>
                    <p>{format!("You are signed in as {}.", me.role_label)}</p>
                    {me.capabilities.contains(&Capability::SearchAccounts).then(|| view! { <crate::accounts::pages::AccountSearch results /> })}
                    <h2>"What you can do"</h2>
                    <ul class="capabilities">
                        {me.capabilities.iter().filter_map(|c| capability_text(*c)).map(|t| view! { <li>{t}</li> }).collect_view()}
                    </ul>
                }.into_any(),
                Ok(None) => view! { <p role="alert">"Your sign-in has expired. " <a href="/console/login">"Sign in again"</a></p> }.into_any(),
                Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// A support session of the caller's left live in another sign-in (a
/// browser that lost its cookie, another device): said, with a way to end
/// it, or it would hold the account open until it idled out.
#[component]
fn LiveElsewhere(live: Resource<Result<Option<String>, crate::error::AppError>>) -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    view! {
        <Suspense fallback=|| ()>
            {move || live.get().and_then(|r| r.ok().flatten()).map(|what| view! {
                <section class="panel" role="status" aria-label="Support session in another sign-in">
                    <p>{format!("You have a support session open in another sign-in: {what}. A new request waits until it ends.")}</p>
                    <PostForm action=crate::access::sessions::EndSupportSession::PATH then=Then::Open label="End that session">
                        <button type="submit" class="danger">"End that session"</button>
                    </PostForm>
                </section>
            })}
        </Suspense>
    }
}

fn capability_text(c: Capability) -> Option<&'static str> {
    Some(match c {
        Capability::SearchAccounts => "Search customer accounts and see their masked summary",
        Capability::RequestReadOnlySession => "Ask for a read-only support session",
        Capability::RequestEditSession => "Ask for edit access or for one blocked action",
        Capability::BreakGlass => "Enter without waiting for approval during an incident",
        Capability::DecideRequests => "Approve or deny other people's requests",
        Capability::RevokeSession => "End a live support session",
        Capability::ReadAllSessionLogs => "Read every session log and denied attempt",
        Capability::ReadOwnSessionLogs => "Read the logs of your own sessions",
        Capability::ReviewSessions => "Review sessions and flag misuse",
        Capability::ExportEvents => "Export audit events",
        Capability::ManageStaff => "Manage staff roles and unlock sign-ins",
        Capability::UseConsole | Capability::UseProduct | Capability::OwnSupportAccess => {
            return None
        }
    })
}

/// `/`: pick a door.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <main class="sign-in">
            <section class="card">
                <h1>"Chaperone"</h1>
                <p>"Support access without passwords: every visit has a reason, every view and change is on the record, and customers can see it."</p>
                <ul class="doors">
                    <li><a href="/login">"Customer sign-in (Billfold)"</a></li>
                    <li><a href="/console/login">"Staff console sign-in"</a></li>
                </ul>
            </section>
        </main>
    }
}

/// Unknown paths.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="sign-in">
            <section class="card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <p><a href="/">"Go to the start page"</a></p>
            </section>
        </main>
    }
}
