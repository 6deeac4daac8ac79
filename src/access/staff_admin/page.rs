//! `/console/staff`: the admin's staff list and its actions.

use super::{
    staff_directory, AddStaffMember, DeactivateStaff, SetStaffRole, StaffEntry, UnlockStaff,
};
use crate::access::sessions::RevokeSupportSession;
use crate::error::AppError;
use crate::staff::StaffRole;
use crate::ui::{live, ErrorNote, Outcome, Preload, Shown};
use leptos::prelude::*;

#[component]
pub fn StaffPage() -> impl IntoView {
    let staff = Resource::new(|| (), |_| staff_directory());
    view! {
        <Preload resource=staff let:initial>
            <StaffPanel initial />
        </Preload>
    }
}

#[island]
fn StaffPanel(initial: Result<Vec<StaffEntry>, AppError>) -> impl IntoView {
    let add = ServerAction::<AddStaffMember>::new();
    let role = ServerAction::<SetStaffRole>::new();
    let deactivate = ServerAction::<DeactivateStaff>::new();
    let unlock = ServerAction::<UnlockStaff>::new();
    let revoke = ServerAction::<RevokeSupportSession>::new();
    let staff = live(
        initial,
        move || {
            (
                add.version().get(),
                role.version().get(),
                deactivate.version().get(),
                unlock.version().get(),
                revoke.version().get(),
            )
        },
        |_| staff_directory(),
    );
    view! {
        <h1>"Staff"</h1>
        <p class="muted">"Who works in the console and what their role lets them do. Changes take effect on the person's next request; taking access away ends a support session they are in."</p>
        <section aria-label="Add a staff member">
            <h2>"Add a staff member"</h2>
            <ActionForm action=add attr:class="filters" attr:data-needs-script="">
                <label for="new-name">"Full name"</label>
                <input id="new-name" name="name" type="text" maxlength="200" required />
                <label for="new-email">"Work email"</label>
                <input id="new-email" name="email" type="email" maxlength="254" required />
                <label for="new-role">"Role"</label>
                <select id="new-role" name="role">
                    {StaffRole::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                </select>
                <button type="submit" class="primary">"Add"</button>
            </ActionForm>
            {move || add.value().get().map(|r| match r {
                Ok(added) => view! {
                    <div class="ok" role="status">
                        <p>{format!("{} can now sign in as {} with this one-time password:", added.name, added.email)}</p>
                        <p><code class="secret-once">{added.password}</code></p>
                        <p class="muted">"Hand it over in person. It is shown only now and is not stored anywhere in clear."</p>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </section>
        <Outcome value=Signal::derive(move || role.value().get()) />
        <Outcome value=Signal::derive(move || deactivate.value().get()) />
        <Outcome value=Signal::derive(move || unlock.value().get()) />
        <Outcome value=Signal::derive(move || revoke.value().get()) />
        <Shown value=staff let:people>
            <table>
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                    <th scope="col">"Status"</th><th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {people.into_iter().map(|p| view! { <StaffRow p role deactivate unlock revoke /> }).collect_view()}
                </tbody>
            </table>
        </Shown>
    }
}

#[component]
fn StaffRow(
    p: StaffEntry,
    role: ServerAction<SetStaffRole>,
    deactivate: ServerAction<DeactivateStaff>,
    unlock: ServerAction<UnlockStaff>,
    revoke: ServerAction<RevokeSupportSession>,
) -> impl IntoView {
    let mut status = vec![if p.active { "Active" } else { "Deactivated" }.to_string()];
    if let Some(until) = &p.locked_until {
        status.push(format!("sign-in locked until {until}"));
    }
    if p.live_session.is_some() {
        status.push("in a support session".into());
    }
    let select_id = format!("role-{}", p.id);
    let actions = if p.is_self {
        view! { <span class="muted">"You (another admin changes your account)"</span> }.into_any()
    } else if !p.active {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        let (id_role, id_off, id_unlock) = (p.id.clone(), p.id.clone(), p.id.clone());
        let locked = p.locked_until.is_some();
        let name = p.name.clone();
        let (role_label, change_label, off_label, unlock_label) = (
            format!("Role for {name}"),
            format!("Change {name}'s role"),
            format!("Deactivate {name}"),
            format!("Unlock {name}'s sign-in"),
        );
        view! {
            <ActionForm action=role attr:class="inline">
                <input type="hidden" name="id" value=id_role />
                <label class="sr-only" for=select_id.clone()>{role_label}</label>
                <select id=select_id name="role">
                    {StaffRole::ALL.into_iter().map(|r| view! {
                        <option value=r.as_str() selected=r == p.role>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" aria-label=change_label>"Change role"</button>
            </ActionForm>
            " "
            <DeactivateButton deactivate id=id_off name=name.clone() label=off_label />
            {locked.then(move || view! {
                " "
                <ActionForm action=unlock attr:class="inline">
                    <input type="hidden" name="id" value=id_unlock />
                    <button type="submit" aria-label=unlock_label>"Unlock"</button>
                </ActionForm>
            })}
            {p.live_session.clone().map(|session| {
                let note_id = format!("end-note-{}", p.id);
                view! {
                    " "
                    <ActionForm action=revoke attr:class="inline">
                        <input type="hidden" name="session_id" value=session />
                        <label for=note_id.clone()>{format!("Why end {name}'s session")}</label>
                        <input id=note_id name="note" type="text" required maxlength="500" />
                        <button type="submit" class="danger">"End session"</button>
                    </ActionForm>
                }
            })}
        }
        .into_any()
    };
    view! {
        <tr class:inactive=!p.active>
            <td>{p.name.clone()}</td>
            <td>{p.email.clone()}</td>
            <td>{p.role.label()}</td>
            <td>{status.join(", ")}</td>
            <td>{actions}</td>
        </tr>
    }
}

/// "Deactivate" asks before it acts: deactivating signs the person out at
/// once and ends any session they are in, and one stray click should not
/// do that. Escape or "Cancel" steps back; the question takes the focus.
#[component]
fn DeactivateButton(
    deactivate: ServerAction<DeactivateStaff>,
    id: String,
    name: String,
    label: String,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let yes = NodeRef::<leptos::html::Button>::new();
    let again = NodeRef::<leptos::html::Button>::new();
    let stepped_back = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(button) = yes.get() {
            let _ = button.focus();
        }
    });
    Effect::new(move |_| {
        if let (true, Some(button)) = (stepped_back.get(), again.get()) {
            let _ = button.focus();
        }
    });
    let back = move || {
        asking.set(false);
        stepped_back.set(true);
    };
    move || {
        if asking.get() {
            let question = format!("Sign {name} out now and end their access?");
            let id = id.clone();
            let (group, confirm) = (
                format!("Deactivate {name}?"),
                format!("Yes, deactivate {name}"),
            );
            view! {
                <span
                    class="confirm"
                    role="group"
                    aria-label=group
                    on:keydown=move |e| {
                        if e.key() == "Escape" {
                            back();
                        }
                    }
                >
                    <span>{question}</span>
                    " "
                    <ActionForm action=deactivate attr:class="inline">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="danger" node_ref=yes>{confirm}</button>
                    </ActionForm>
                    " "
                    <button type="button" on:click=move |_| back()>"Cancel"</button>
                </span>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="danger" aria-label=label.clone() node_ref=again on:click=move |_| asking.set(true)>
                    "Deactivate…"
                </button>
            }
            .into_any()
        }
    }
}
