//! Revealing one identity field for the case: inside a session, a senior
//! agent or engineer asks, with a reason, to see one identity field (a
//! birth date, a national ID) of the user they view as; a manager approves
//! it as a one-action approval; the value is shown once, to that agent, in
//! that session, and never enters the log. Secrets are never revealable.
//! The request, the approval, the showing and every refusal are events.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod server;

/// Where one field's reveal stands for the current session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealState {
    /// Nothing asked yet (or the last one ended): the agent may ask.
    CanAsk,
    /// Asked; waiting for a manager.
    Waiting,
    /// Approved: it can be shown once.
    Approved,
    /// Shown once already.
    Shown,
}

/// One identity field the agent may ask to reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealOffer {
    /// The column (`national_id`).
    pub field: String,
    /// "National or tax ID of Jane Doe".
    pub label: String,
    pub state: RevealState,
    /// The latest request for it, to follow on its page.
    pub request_id: Option<String>,
    /// Whether this agent's role may ask at all.
    pub can_ask: bool,
    /// The user the field belongs to (the one viewed as).
    pub user_id: String,
}

/// The identity fields of the viewed user and where each reveal stands.
/// Empty outside a support session.
#[server(prefix = "/api", endpoint = "identity_reveals")]
pub async fn identity_reveals() -> Result<Vec<RevealOffer>, AppError> {
    crate::error::respond(server::offers().await)
}

/// Asks a manager to approve showing one identity field once. Returns the
/// request's id.
#[server(prefix = "/api", endpoint = "request_identity_reveal")]
pub async fn request_identity_reveal(
    field: String,
    user_id: String,
    reason: String,
) -> Result<String, AppError> {
    crate::error::respond(server::request(field, user_id, reason).await)
}

/// Shows an approved identity field, once. Returns the value.
#[server(prefix = "/api", endpoint = "reveal_identity")]
pub async fn reveal_identity(field: String) -> Result<String, AppError> {
    crate::error::respond(server::reveal(field).await)
}

/// On the viewed user's profile, for an agent in a session: ask to reveal
/// one identity field for the case, follow the request, show it once.
/// Renders nothing for customers.
#[component]
pub fn IdentityRevealPanel() -> impl IntoView {
    let offers = Resource::new(|| (), |_| identity_reveals());
    view! {
        <Suspense fallback=|| ()>
            {move || offers.get().and_then(Result::ok).filter(|o| !o.is_empty()).map(|initial| view! { <IdentityReveal initial /> })}
        </Suspense>
    }
}

#[island]
fn IdentityReveal(initial: Vec<RevealOffer>) -> impl IntoView {
    let ask = ServerAction::<RequestIdentityReveal>::new();
    let show = ServerAction::<RevealIdentity>::new();
    let offers = crate::ui::live(
        Ok(initial),
        move || (ask.version().get(), show.version().get()),
        |_| identity_reveals(),
    );
    // The field being shown, and what came back for it: kept on this page
    // only, never stored or sent again.
    let showing = RwSignal::new(String::new());
    let revealed = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| {
        if let Some(Ok(value)) = show.value().get() {
            revealed.set(Some((showing.get_untracked(), value)));
        }
    });
    view! {
            {move || offers.get().ok().filter(|o| !o.is_empty()).map(|offers| view! {
                <section class="reveal" aria-label="Reveal for this case">
                    <h2>"Reveal for this case"</h2>
                    <p class="muted">"Identity data stays hidden from support. A senior agent or engineer may ask a manager to show one field once, for this case. The value is shown to you only and never written to the log."</p>
                    <ul class="stack">
                        {offers.into_iter().map(|o| {
                            let this_field = o.field.clone();
                            let shown_now = move || revealed.get().filter(|(f, _)| *f == this_field).map(|(_, v)| v);
                            let field = o.field.clone();
                            let what = match o.state {
                                RevealState::CanAsk if o.can_ask => {
                                    let reason_id = format!("reveal-reason-{}", o.field);
                                    let button = format!("Ask to reveal {}", o.label);
                                    let form_name = button.clone();
                                    let reason_label = format!("Why the case needs the {}", crate::ui::lower_first(&o.label));
                                    let (f, u) = (o.field.clone(), o.user_id.clone());
                                    view! {
                                        <ActionForm action=ask attr:class="stack narrow" attr:aria-label=form_name>
                                            <input type="hidden" name="field" value=f.clone() />
                                            <input type="hidden" name="user_id" value=u.clone() />
                                            <label for=reason_id.clone()>{reason_label.clone()}</label>
                                            <input id=reason_id.clone() name="reason" type="text" required maxlength="1000" />
                                            <button type="submit">{button.clone()}</button>
                                        </ActionForm>
                                    }.into_any()
                                }
                                RevealState::CanAsk => view! { <p class="muted">"Only senior agents and engineers may ask to reveal it."</p> }.into_any(),
                                RevealState::Waiting => view! {
                                    <p role="status">"Waiting for a manager's approval. "
                                        {o.request_id.clone().map(|id| view! { <a href=format!("/console/requests/{id}")>"Follow the request"</a> })}
                                    </p>
                                }.into_any(),
                                RevealState::Approved => view! {
                                    <button type="button" on:click=move |_| {
                                        showing.set(field.clone());
                                        show.dispatch(RevealIdentity { field: field.clone() });
                                    }>
                                        {format!("Show {} once", o.label)}
                                    </button>
                                }.into_any(),
                                RevealState::Shown => view! { <p class="muted">"Shown once for this case."</p> }.into_any(),
                            };
                            view! {
                                <li>
                                    <strong>{o.label.clone()}</strong>
                                    {what}
                                    {move || shown_now().map(|v| view! { <p role="status" class="revealed"><output>{v}</output></p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {move || ask.value().get().and_then(Result::err).map(|error| view! { <crate::ui::ErrorNote error /> })}
                    {move || show.value().get().and_then(Result::err).map(|error| view! { <crate::ui::ErrorNote error /> })}
                </section>
            })}
    }
}
