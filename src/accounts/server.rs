use super::*;
use crate::access::policy::is_sensitive;
use crate::access::{current_actor, Capability};
use crate::customers::CustomerRole;
use crate::masking::mask_email;
use crate::product::viewer::{app_state, parse_id};
use uuid::Uuid;

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
    let by_id = q.parse::<Uuid>().ok();
    let email = q.contains('@').then(|| q.to_lowercase());
    let pattern = crate::product::search::like_pattern(&q.to_lowercase());
    let rows = sqlx::query!(
        r#"select a.id, a.name, coalesce(a.domain, '') as "domain!", a.plan, a.sensitive, a.support_access,
                  (select u.email from product.users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email
           from product.accounts a
           where ($1::uuid is not null and a.id = $1)
              or ($2::text is not null and a.id in (select u.account_id from product.users u where lower(u.email) = $2))
              or ($1::uuid is null and $2::text is null and (
                    lower(a.name) like $3 or lower(a.name) operator(public.%) lower($4) or lower(a.domain) = lower($4)))
           order by (lower(a.name) = lower($4)) desc, public.similarity(lower(a.name), lower($4)) desc, a.name
           limit $5 offset $6"#,
        by_id,
        email,
        pattern,
        q,
        PAGE_SIZE + 1,
        offset
    )
    .fetch_all(&state.pool)
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let hits = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| AccountHit {
            id: r.id.to_string(),
            name: r.name,
            domain: r.domain,
            plan: r.plan,
            owner_contact: r.owner_email.as_deref().map(mask_email).unwrap_or_default(),
            sensitive: r.sensitive,
            support_access: support_access_words(&r.support_access).into(),
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
    let a = sqlx::query!(
        "select name, coalesce(domain, '') as \"domain!\", plan, region, sensitive, support_access from product.accounts where id = $1",
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let users = sqlx::query!(
        "select id, name, email, role from product.users where account_id = $1 order by case role when 'owner' then 0 when 'billing_admin' then 1 when 'admin' then 2 else 3 end, name",
        id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|u| {
        let role: CustomerRole = u.role.parse().unwrap_or(CustomerRole::Member);
        AccountUser {
            id: u.id.to_string(),
            name: u.name,
            email: mask_email(&u.email),
            role: role.as_str().into(),
            role_label: role.label().into(),
            sensitive: is_sensitive(a.sensitive, role),
        }
    })
    .collect();
    Ok(AccountOverview {
        id: id.to_string(),
        name: a.name,
        domain: a.domain,
        plan: a.plan,
        region: a.region.to_uppercase(),
        marked_sensitive: a.sensitive,
        support_access: support_access_words(&a.support_access).into(),
        support_access_code: a.support_access,
        users,
        can_request: actor.can(Capability::RequestReadOnlySession),
        can_request_edit: actor.can(Capability::RequestEditSession),
        can_break_glass: actor.can(Capability::BreakGlass),
    })
}
