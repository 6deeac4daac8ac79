//! One form for every server function that answers with a sentence (or a
//! path to open), and the flash that carries that sentence across a reload.
//!
//! Pages render on the server and send no code of their own; a form is the
//! one island they need. Its fields stay server-rendered HTML (the island's
//! children), so the same few kilobytes of WASM serve every form in the app,
//! and without JavaScript the form still posts to its server function, which
//! sends the browser back to the page (showing an error if there was one).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a form does once its server function says yes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Then {
    /// Show the answer below the form; the page stays as it is.
    #[default]
    Show,
    /// Load the page afresh (what it lists has changed), with the answer at
    /// the top of it.
    Reload,
    /// The answer is a local path: open it in full.
    Open,
}

/// A form posting to the server function at `action` (its `PATH`). Answers
/// and errors are announced below it; a second submit while one is on its
/// way is ignored. Posted without JavaScript, it comes back to this page,
/// with its error at the top of it ([`PostedError`]).
///
/// With `confirm` (a question), sending first asks it in place: "Yes" sends,
/// "Cancel" or Escape steps back — for what cannot be taken back. (Posted
/// before the page is live or without script, it is sent as it is.)
#[component]
pub fn PostForm(
    #[prop(into)] action: String,
    #[prop(optional)] then: Option<Then>,
    #[prop(optional, into)] class: Option<String>,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional, into)] confirm: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <PostFormLive action then=then.unwrap_or_default() class label confirm>
            {children()}
        </PostFormLive>
    }
}

/// The error a form posted without JavaScript came back with (in the
/// address, as `__path` and `__err`), taken so that it is shown once. The
/// server drops such an address when it was not reached from this site
/// (`security::without_foreign_form_error`), so its sentence is ours.
///
/// Taken, not just read: Leptos's `ServerAction` picks it up on the server
/// but not in the browser, so an island with an action for the same path
/// would render differently in each and fail to hydrate.
pub fn posted_error() -> Option<AppError> {
    take_context::<leptos::server::ServerActionError>()
        .map(|e| leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(e.err()))
}

/// [`posted_error`] at the top of the page: a page may have one form per
/// row, and the address does not say which row.
#[component]
pub fn PostedError() -> impl IntoView {
    posted_error().map(|error| view! { <super::ErrorNote error /> })
}

#[island]
fn PostFormLive(
    action: String,
    then: Then,
    class: Option<String>,
    label: Option<String>,
    confirm: Option<String>,
    children: Children,
) -> impl IntoView {
    let outcome = RwSignal::new(None::<Result<String, AppError>>);
    let busy = RwSignal::new(false);
    // The body waiting for "Yes", while the question is asked.
    let asking = RwSignal::new(None::<String>);
    let path = StoredValue::new(action.clone());
    let send = move |body: String| {
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = browser::post(&path.get_value(), body).await;
            busy.set(false);
            match (then, result) {
                (Then::Reload, Ok(message)) => browser::reload_with(&message),
                (Then::Open, Ok(target)) => crate::ui::navigate_fully(&target),
                (_, result) => outcome.set(Some(result)),
            }
        });
    };
    let asks = confirm.is_some();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = browser::form_body(&ev);
        if asks {
            asking.set(Some(body));
        } else {
            send(body);
        }
    };
    let yes = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = yes.get() {
            let _ = button.focus();
        }
    });
    let question = confirm.unwrap_or_default();
    view! {
        <form method="post" action=action class=class aria-label=label
            aria-busy=move || busy.get().then_some("true") on:submit=on_submit>
            {children()}
        </form>
        {move || asking.get().map(|_| {
            let (question, name) = (question.clone(), question.clone());
            view! {
                <span class="confirm" role="group" aria-label=name
                    on:keydown=move |e| if e.key() == "Escape" { asking.set(None) }>
                    <span>{question}</span>
                    <button type="button" class="danger" node_ref=yes on:click=move |_| {
                        if let Some(body) = asking.get_untracked() {
                            asking.set(None);
                            send(body);
                        }
                    }>"Yes"</button>
                    <button type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                </span>
            }
        })}
        <super::Outcome value=outcome.into() />
    }
}

/// Calls the server function at `path` with these fields, as a form would:
/// for an island whose control is not a form (a switch that saves itself).
pub async fn call(path: &str, fields: &[(&str, &str)]) -> Result<String, AppError> {
    browser::post(path, browser::encode(fields)).await
}

/// The answer of a form that reloaded its page, shown once at the top of
/// the page that came back. It lives in the tab's `sessionStorage` only:
/// nothing a link could forge, nothing kept on the server.
#[island]
pub fn Flash() -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let shown = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| message.set(browser::take_flash()));
    // The page came back scrolled where the form was: bring the answer
    // into view and to the screen reader.
    Effect::new(move |_| {
        if let Some(p) = shown.get() {
            let _ = p.focus();
        }
    });
    move || {
        message
            .get()
            .map(|m| view! { <p class="ok" role="status" tabindex="-1" node_ref=shown>{m}</p> })
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::error::AppError;
    use wasm_bindgen::JsCast;

    const FLASH: &str = "chaperone.flash";

    /// The form's fields, with the button that submitted it, URL-encoded as
    /// a browser would post them.
    pub fn form_body(ev: &leptos::ev::SubmitEvent) -> String {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return String::new();
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return String::new();
        };
        if let Some(button) = ev
            .submitter()
            .and_then(|s| s.dyn_into::<web_sys::HtmlButtonElement>().ok())
        {
            if !button.name().is_empty() {
                let _ = data.append_with_str(&button.name(), &button.value());
            }
        }
        web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
            .map(|p| String::from(p.to_string()))
            .unwrap_or_default()
    }

    pub fn encode(fields: &[(&str, &str)]) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return String::new();
        };
        for (k, v) in fields {
            params.append(k, v);
        }
        params.to_string().into()
    }

    /// Posts to a server function and reads its answer: a JSON string, or
    /// the error it sent.
    pub async fn post(path: &str, body: String) -> Result<String, AppError> {
        let response = gloo_net::http::Request::post(path)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .map_err(|_| AppError::Transport)?
            .send()
            .await
            .map_err(|_| AppError::Transport)?;
        let text = response.text().await.map_err(|_| AppError::Transport)?;
        if response.ok() {
            serde_json::from_str(&text).map_err(|_| AppError::Transport)
        } else {
            Err(serde_json::from_str(&text).unwrap_or(AppError::Transport))
        }
    }

    fn storage() -> Option<web_sys::Storage> {
        leptos::prelude::window().session_storage().ok().flatten()
    }

    /// Loads the page afresh with `message` at its top. An error a
    /// plain-HTML post left in the address (`__path`, `__err`) is dropped,
    /// so the page that comes back does not show it again.
    pub fn reload_with(message: &str) {
        if let Some(s) = storage() {
            let _ = s.set_item(FLASH, message);
        }
        let location = leptos::prelude::window().location();
        let url = location
            .href()
            .ok()
            .and_then(|href| web_sys::Url::new(&href).ok());
        match url {
            Some(url) => {
                let params = url.search_params();
                params.delete("__path");
                params.delete("__err");
                url.set_hash("");
                let _ = location.replace(&url.href());
            }
            None => {
                let _ = location.reload();
            }
        }
    }

    pub fn take_flash() -> Option<String> {
        let s = storage()?;
        let message = s.get_item(FLASH).ok().flatten();
        let _ = s.remove_item(FLASH);
        message.filter(|m| !m.is_empty())
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    use crate::error::AppError;

    pub fn form_body(_: &leptos::ev::SubmitEvent) -> String {
        String::new()
    }
    pub fn encode(_: &[(&str, &str)]) -> String {
        String::new()
    }
    pub async fn post(_: &str, _: String) -> Result<String, AppError> {
        Err(AppError::Transport)
    }
    pub fn reload_with(_: &str) {}
    pub fn take_flash() -> Option<String> {
        None
    }
}
