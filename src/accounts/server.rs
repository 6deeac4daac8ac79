use super::*;
use crate::access::policy::is_sensitive;
use crate::access::{current_actor, Capability};
use crate::customers::directory;
use crate::error::parse_id;
use crate::masking::{shown, Audience};
use crate::state::app_state;

const PAGE_SIZE: i64 = 20;

pub async fn search(q: String, page: u32) -> Result<SearchResults, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::SearchAccounts)?;
    let q = q.trim().to_string();
    if q.chars().count() < 2 {
        return Err(AppError::Invalid(
            "Type at least two characters: a name, a domain, an account id or a user's email."
                .into(),
        ));
    }
    if q.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Searches can be at most 200 characters.".into(),
        ));
    }
    let page = page.clamp(1, 500);
    let offset = i64::from(page - 1) * PAGE_SIZE;
    let state = app_state()?;
    let rows = directory::search(&state.pool, &q, PAGE_SIZE + 1, offset).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let hits = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| AccountHit {
            id: r.id.to_string(),
            name: r.name,
            domain: r.domain,
            plan: r.plan,
            owner_contact: shown(Audience::Agent, "users", "email", r.owner_email.as_deref())
                .into(),
            sensitive: r.sensitive,
            support_access: r.support_access.words().into(),
        })
        .collect();
    Ok(SearchResults {
        hits,
        page,
        has_more,
    })
}

pub async fn summary(id: String) -> Result<AccountOverview, AppError> {
    let actor = current_actor()?;
    actor.require(Capability::SearchAccounts)?;
    let id = parse_id(&id)?;
    let state = app_state()?;
    let a = directory::account(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let users = directory::users_of(&state.pool, id)
        .await?
        .into_iter()
        .map(|u| AccountUser {
            id: u.id.to_string(),
            name: u.name,
            email: shown(Audience::Agent, "users", "email", Some(&u.email)).into(),
            role: u.role.as_str().into(),
            role_label: u.role.label().into(),
            sensitive: is_sensitive(a.sensitive, u.role),
        })
        .collect();
    Ok(AccountOverview {
        id: id.to_string(),
        name: a.name,
        domain: a.domain,
        plan: a.plan,
        region: a.region.to_uppercase(),
        marked_sensitive: a.sensitive,
        support_access: a.support_access.words().into(),
        support_access_code: a.support_access.as_str().into(),
        users,
        can_request: actor.can(Capability::RequestReadOnlySession),
        can_request_edit: actor.can(Capability::RequestEditSession),
        can_break_glass: actor.can(Capability::BreakGlass),
    })
}
