//! The two sign-in pages. Both post to their own server function; they share
//! the form's fields, its error display and what happens after success.

use super::{CustomerSignIn, SignOut, StaffSignIn};
use crate::auth::Side;
use crate::error::AppError;
use crate::ui::navigate_fully;
use leptos::prelude::*;

/// `/console/login`: staff sign in to the console.
#[component]
pub fn StaffSignInPage() -> impl IntoView {
    let next = crate::ui::query_param("next").unwrap_or_default();
    let error = crate::ui::posted_error();
    view! { <StaffSignInForm next error /> }
}

#[island]
fn StaffSignInForm(next: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<StaffSignIn>::new();
    // Until it is sent again, the error a plain post came back with.
    let value = Signal::derive(move || action.value().get().or_else(|| error.clone().map(Err)));
    let pending = Signal::derive(move || action.pending().get());
    go_on_success(value);
    view! {
        <SignInFrame side=Side::Staff>
            <ActionForm action=action attr:class="stack" attr:aria-label="Staff sign-in">
                <SignInFields value pending next=next.clone() />
            </ActionForm>
        </SignInFrame>
    }
}

/// `/login`: customers sign in to the product.
#[component]
pub fn CustomerSignInPage() -> impl IntoView {
    let next = crate::ui::query_param("next").unwrap_or_default();
    let error = crate::ui::posted_error();
    view! { <CustomerSignInForm next error /> }
}

#[island]
fn CustomerSignInForm(next: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<CustomerSignIn>::new();
    // Until it is sent again, the error a plain post came back with.
    let value = Signal::derive(move || action.value().get().or_else(|| error.clone().map(Err)));
    let pending = Signal::derive(move || action.pending().get());
    go_on_success(value);
    view! {
        <SignInFrame side=Side::Customer>
            <ActionForm action=action attr:class="stack" attr:aria-label="Sign-in">
                <SignInFields value pending next=next.clone() />
            </ActionForm>
        </SignInFrame>
    }
}

#[component]
fn SignInFrame(side: Side, children: Children) -> impl IntoView {
    let (title, subtitle, other) = match side {
        Side::Staff => (
            "Chaperone console",
            "Sign in with your staff account.",
            view! { <a href="/login">"Customer sign-in"</a> },
        ),
        Side::Customer => (
            "Billfold",
            "Sign in to your account.",
            view! { <a href="/console/login">"Staff sign-in"</a> },
        ),
    };
    view! {
        <main class="sign-in">
            <section class="card">
                <h1>{title}</h1>
                <p class="muted">{subtitle}</p>
                {children()}
                <p class="muted small">{other}</p>
            </section>
        </main>
    }
}

#[component]
fn SignInFields(
    value: Signal<Option<Result<String, AppError>>>,
    pending: Signal<bool>,
    next: String,
) -> impl IntoView {
    let time_zone = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(tz) = browser_time_zone() {
            time_zone.set(tz);
        }
    });
    let error = move || {
        value.get().and_then(Result::err).map(|e| {
            view! { <p class="form-error" role="alert">{e.to_string()}</p> }
        })
    };
    view! {
        <label for="email">"Email"</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus />
        <label for="password">"Password"</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <input type="hidden" name="time_zone" prop:value=move || time_zone.get() />
        <input type="hidden" name="next" value=next />
        {error}
        <button type="submit" class="primary" disabled=move || pending.get()>
            "Sign in"
        </button>
        <p class="muted small" aria-live="polite">
            {move || pending.get().then_some("Signing in…")}
        </p>
    }
}

/// After a successful sign-in or sign-out, load the target page in full so
/// every part of the page starts from the new sign-in.
fn go_on_success(value: Signal<Option<Result<String, AppError>>>) {
    Effect::new(move |_| {
        if let Some(Ok(target)) = value.get() {
            navigate_fully(&target);
        }
    });
}

fn browser_time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The sign-out button used in both headers.
#[island]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    go_on_success(Signal::derive(move || action.value().get()));
    view! {
        <ActionForm action=action attr:class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </ActionForm>
    }
}

/// `/console/password`: a staff member's own account — their password (the
/// one-time password an admin gave them is replaced here) and time zone.
#[component]
pub fn StaffAccountPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| super::who_am_i());
    view! {
        <StaffPasswordForm />
        <crate::ui::Loaded resource=me let:me>
            {me.map(|me| view! { <TimeZoneForm current=me.time_zone /> })}
        </crate::ui::Loaded>
    }
}

#[island]
fn StaffPasswordForm() -> impl IntoView {
    let action = ServerAction::<super::ChangeOwnPassword>::new();
    view! {
        <h1>"Your password"</h1>
        <p class="muted">"At least 12 characters. It replaces the one-time password an admin gave you, and anywhere else you are signed in is signed out."</p>
        <ActionForm action=action attr:class="stack narrow" attr:aria-label="Change your password">
            <label for="pw-current">"Current password"</label>
            <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
            <label for="pw-new">"New password"</label>
            <input id="pw-new" name="new_password" type="password" autocomplete="new-password" minlength="12" required />
            <label for="pw-confirm">"New password again"</label>
            <input id="pw-confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
            <button type="submit" class="primary">"Change password"</button>
        </ActionForm>
        <crate::ui::Outcome value=Signal::derive(move || action.value().get()) />
    }
}

/// The signed-in person's time zone, which every page's times are shown
/// in: taken from the browser at the first sign-in, changed here.
#[component]
pub fn TimeZoneForm(current: String) -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    view! {
        <h2>"Time zone"</h2>
        <PostForm action=super::SetTimeZone::PATH then=Then::Reload class="stack narrow" label="Time zone">
            <label for="tz">"Show times in"</label>
            <select id="tz" name="time_zone">
                {zone_names().into_iter().map(|zone| view! {
                    <option value=zone selected=zone == current>{zone}</option>
                }).collect_view()}
            </select>
            <button type="submit">"Save time zone"</button>
        </PostForm>
    }
}

/// Every IANA time zone name (rendered on the server only).
#[cfg(feature = "ssr")]
fn zone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}
#[cfg(not(feature = "ssr"))]
fn zone_names() -> Vec<&'static str> {
    Vec::new()
}
