//! Team: members and their roles, invitations. Owners and admins manage the
//! team; only owners grant or take away the owner role; nobody changes or
//! removes themself here.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDto {
    pub id: String,
    pub name: String,
    pub email: crate::masking::Shown,
    pub role: String,
    pub role_label: String,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDto {
    pub email: crate::masking::Shown,
    pub role_label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<MemberDto>,
    pub invitations: Vec<InvitationDto>,
    pub can_manage: bool,
    pub seats_used: i64,
    pub seat_limit: Option<i64>,
}

#[server(prefix = "/api", endpoint = "product_team")]
pub async fn product_team() -> Result<TeamPage, AppError> {
    crate::error::respond(server::team().await)
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<String, AppError> {
    crate::error::respond(server::invite(email, role).await)
}

#[server(prefix = "/api", endpoint = "change_member_role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<String, AppError> {
    crate::error::respond(server::change_role(user_id, role).await)
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<String, AppError> {
    crate::error::respond(server::remove(user_id).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::access::actions::BlockedAction;
    use crate::access::context::{AccessContext, Change};
    use crate::audit::Kind;
    use crate::customers::CustomerRole;
    use crate::error::parse_id;
    use crate::masking::{recorded, shown};
    use crate::product::dashboard::plan_limits;
    use crate::product::permissions::stored_role;
    use crate::product::ProductPermission;
    use serde_json::json;
    use uuid::Uuid;

    fn parse_role(role: &str) -> Result<CustomerRole, AppError> {
        role.trim().parse().map_err(|_| {
            AppError::Invalid("Choose a role: owner, billing admin, admin or member.".into())
        })
    }

    async fn seats(
        db: &mut sqlx::PgConnection,
        ctx: &AccessContext,
    ) -> Result<(i64, Option<i64>, String), AppError> {
        let row = sqlx::query!(
            r#"select a.plan,
                      (select count(*) from product.users u where u.account_id = a.id)
                    + (select count(*) from product.invitations i where i.account_id = a.id) as "used!"
               from product.accounts a where a.id = $1"#,
            ctx.account_id()
        )
        .fetch_one(db)
        .await?;
        Ok((row.used, plan_limits(&row.plan).seats, row.plan))
    }

    pub async fn team() -> Result<TeamPage, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx.view(ProductPermission::ViewAccount, "Team").await?;
        let members = sqlx::query!(
            "select id, name, email, role from product.users where account_id = $1 order by name",
            ctx.account_id()
        )
        .fetch_all(db.conn())
        .await?
        .into_iter()
        .map(|m| {
            let role = stored_role(&m.role)?;
            Ok(MemberDto {
                id: m.id.to_string(),
                name: m.name,
                email: shown(ctx.audience(), "users", "email", Some(&m.email)),
                role: role.as_str().into(),
                role_label: role.label().into(),
                is_you: m.id == ctx.viewed().user_id,
            })
        })
        .collect::<Result<_, AppError>>()?;
        let invitations = sqlx::query!(
            "select email, role from product.invitations where account_id = $1 order by created_at",
            ctx.account_id()
        )
        .fetch_all(db.conn())
        .await?
        .into_iter()
        .map(|i| {
            Ok(InvitationDto {
                email: shown(ctx.audience(), "invitations", "email", Some(&i.email)),
                role_label: stored_role(&i.role)?.label().into(),
            })
        })
        .collect::<Result<_, AppError>>()?;
        let (seats_used, seat_limit, _) = seats(db.conn(), &ctx).await?;
        Ok(TeamPage {
            members,
            invitations,
            can_manage: ctx.can(ProductPermission::ManageTeam),
            seats_used,
            seat_limit,
        })
    }

    /// Checked against the role the viewed user holds now, inside the change.
    fn check_owner_rule(change: &Change<'_>, roles: &[CustomerRole]) -> Result<(), AppError> {
        if roles.contains(&CustomerRole::Owner) && change.role() != CustomerRole::Owner {
            return Err(AppError::Refused(
                "Only owners can grant or take away the owner role.".into(),
            ));
        }
        Ok(())
    }

    pub async fn invite(email: String, role: String) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ManageTeam)?;
        // Refused before the change opens: nothing to roll back, one connection.
        ctx.refuse_in_session(
            "invite people",
            "an invitation gives lasting access that would outlive the session.",
        )
        .await?;
        let mut change = ctx
            .change(ProductPermission::ManageTeam, "Team (an invitation)")
            .await?;
        let email = email.trim().to_lowercase();
        let valid = email.len() <= 254
            && matches!(email.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@'))
            && !email.chars().any(char::is_whitespace);
        if !valid {
            return Err(AppError::Invalid(
                "Enter the email address of the person to invite.".into(),
            ));
        }
        let role = parse_role(&role)?;
        check_owner_rule(&change, &[role])?;
        let (used, limit, plan) = seats(change.conn(), &ctx).await?;
        if let Some(limit) = limit {
            if used >= limit {
                return Err(AppError::Invalid(format!(
                    "The {plan} plan allows {limit} members and invitations; this account has {used}. Remove someone or upgrade first."
                )));
            }
        }
        let already: bool = sqlx::query_scalar!(
            r#"select exists(select 1 from product.users where account_id = $1 and lower(email) = $2)
                   or exists(select 1 from product.invitations where account_id = $1 and lower(email) = $2) as "x!""#,
            ctx.account_id(),
            email
        )
        .fetch_one(change.conn())
        .await?;
        if already {
            return Err(AppError::Invalid(
                "That person is already a member or already invited.".into(),
            ));
        }
        sqlx::query!(
            "insert into product.invitations (id, account_id, email, role, invited_by) values ($1, $2, $3, $4, $5)",
            Uuid::new_v4(),
            ctx.account_id(),
            email,
            role.as_str(),
            ctx.viewed().user_id
        )
        .execute(change.conn())
        .await?;
        let shown = recorded("invitations", "email", &email);
        change
            .record(
                Kind::MemberInvited,
                json!({ "email": shown, "role": role.as_str() }),
            )
            .await?;
        change.commit().await?;
        Ok(format!("Invitation sent to {email}."))
    }

    async fn target(
        ctx: &AccessContext,
        db: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<(String, CustomerRole), AppError> {
        let row = sqlx::query!(
            "select name, role from product.users where id = $1 and account_id = $2 for update",
            id,
            ctx.account_id()
        )
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
        if id == ctx.viewed().user_id {
            return Err(AppError::Invalid(
                "You cannot change or remove yourself. Ask another owner or admin.".into(),
            ));
        }
        Ok((row.name, stored_role(&row.role)?))
    }

    pub async fn change_role(user_id: String, role: String) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ManageTeam)?;
        // Refused before the change opens: nothing to roll back, one connection.
        ctx.refuse_in_session(
            "change roles",
            "a role change grants or removes access; the account's owners decide that.",
        )
        .await?;
        let mut change = ctx
            .change(ProductPermission::ManageTeam, "Team (a member's role)")
            .await?;
        let new_role = parse_role(&role)?;
        let id = parse_id(&user_id)?;
        let (name, old_role) = target(&ctx, change.conn(), id).await?;
        check_owner_rule(&change, &[old_role, new_role])?;
        if old_role == new_role {
            return Ok(format!(
                "{name} is already {}.",
                new_role.label().to_lowercase()
            ));
        }
        sqlx::query!(
            "update product.users set role = $2, updated_at = now() where id = $1",
            id,
            new_role.as_str()
        )
        .execute(change.conn())
        .await?;
        change.viewed_user_role_changed(id).await?;
        change.record(
            Kind::MemberRoleChanged,
            json!({
                "user_id": id,
                "place": "Team",
                "changes": [{ "field": format!("{name}'s role"), "old": old_role.label(), "new": new_role.label() }],
                "old_role": old_role.as_str(),
                "new_role": new_role.as_str(),
            }),
        )
        .await?;
        change.commit().await?;
        Ok(format!(
            "{name} is now {}.",
            new_role.label().to_lowercase()
        ))
    }

    pub async fn remove(user_id: String) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let id = parse_id(&user_id)?;
        let mut change = ctx
            .change_blocked(
                ProductPermission::ManageTeam,
                "Team (removing a member)",
                BlockedAction::DeleteRecords,
                &format!("member:{id}"),
            )
            .await?;
        let (name, old_role) = target(&ctx, change.conn(), id).await?;
        check_owner_rule(&change, &[old_role])?;
        sqlx::query!(
            "delete from product.users where id = $1 and account_id = $2",
            id,
            ctx.account_id()
        )
        .execute(change.conn())
        .await?;
        change.viewed_user_removed(id).await?;
        change
            .record(
                Kind::MemberRemoved,
                json!({ "user_id": id, "name": name, "role": old_role.as_str() }),
            )
            .await?;
        change.commit().await?;
        Ok(format!("{name} was removed from the team."))
    }
}

/// `/app/team`
#[component]
pub fn TeamPageView() -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    let data = Resource::new(|| (), |_| product_team());
    view! {
        <h1>"Team"</h1>
        <crate::ui::Loaded resource=data let:page>
            <p class="muted">{match page.seat_limit {
                Some(limit) => format!("{} of {limit} seats used (members and invitations).", page.seats_used),
                None => format!("{} seats used.", page.seats_used),
            }}</p>
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>{page.can_manage.then(|| view! { <th scope="col">"Manage"</th> })}</tr></thead>
                <tbody>
                    {page.members.into_iter().map(|m| {
                        let can_manage = page.can_manage && !m.is_you;
                        let role_id = format!("role-{}", m.id);
                        let role_label = format!("Role for {}", m.name);
                        let save_label = format!("Change role of {}", m.name);
                        let remove_label = format!("Remove {}", m.name);
                        let remove_question = format!("Remove {} from the team? They can no longer sign in.", m.name);
                        let (change_id, remove_id, current_role) = (m.id.clone(), m.id.clone(), m.role.clone());
                        view! {
                            <tr>
                                <td>{m.name.clone()}{m.is_you.then_some(" (you)")}</td>
                                <td>{m.email.clone()}</td>
                                <td>{m.role_label.clone()}</td>
                                {page.can_manage.then(|| if can_manage { view! {
                                    <td class="row-actions">
                                        <PostForm action=ChangeMemberRole::PATH then=Then::Reload class="row-form">
                                            <input type="hidden" name="user_id" value=change_id />
                                            <label class="sr-only" for=role_id.clone()>{role_label}</label>
                                            <RoleSelect id=role_id selected=current_role />
                                            <button type="submit" aria-label=save_label>"Change"</button>
                                        </PostForm>
                                        <PostForm action=RemoveMember::PATH then=Then::Reload class="row-form" confirm=remove_question>
                                            <input type="hidden" name="user_id" value=remove_id />
                                            <button type="submit" class="danger" aria-label=remove_label>"Remove"</button>
                                        </PostForm>
                                    </td>
                                }.into_any() } else { view! { <td></td> }.into_any() })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {(!page.invitations.is_empty()).then(|| view! {
                <h2>"Invitations"</h2>
                <ul>{page.invitations.into_iter().map(|i| view! { <li>{format!("{} — {}", i.email, i.role_label)}</li> }).collect_view()}</ul>
            })}
            {page.can_manage.then(|| view! {
                <h2>"Invite someone"</h2>
                <PostForm action=InviteMember::PATH then=Then::Reload class="stack narrow" label="Invite someone">
                    <label for="invite-email">"Email"</label>
                    <input id="invite-email" name="email" type="email" required />
                    <label for="invite-role">"Role"</label>
                    <RoleSelect id="invite-role".to_string() selected="member".to_string() />
                    <button type="submit" class="primary">"Send invitation"</button>
                </PostForm>
            })}
        </crate::ui::Loaded>
    }
}

#[component]
fn RoleSelect(id: String, selected: String) -> impl IntoView {
    use crate::customers::CustomerRole;
    view! {
        <select id=id name="role">
            {CustomerRole::ALL.into_iter().map(|r| view! {
                <option value=r.as_str() selected=r.as_str() == selected>{r.label()}</option>
            }).collect_view()}
        </select>
    }
}
