//! The directory: the one door through which Chaperone's own domains
//! (access, accounts) read customer accounts and users. Access decides who
//! may enter; it learns about the product's people only from here, so the
//! product's tables can change without access reaching into them.
//!
//! Every value is decoded strictly: an unknown role or support-access policy
//! is an error, never a permissive default.

use super::{CustomerRole, SupportAccess};
use sqlx::{PgExecutor, Postgres, Transaction};
use uuid::Uuid;

/// What access needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFacts {
    pub id: Uuid,
    pub name: String,
    pub domain: String,
    pub plan: String,
    pub region: String,
    /// Marked sensitive by Chaperone staff.
    pub sensitive: bool,
    pub support_access: SupportAccess,
}

/// A customer user as staff see them in the directory (contact data is
/// masked by the caller before it is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: CustomerRole,
}

/// A search hit, before masking.
#[derive(Debug, Clone)]
pub struct AccountMatch {
    pub id: Uuid,
    pub name: String,
    pub domain: String,
    pub plan: String,
    pub sensitive: bool,
    pub support_access: SupportAccess,
    pub owner_email: Option<String>,
}

fn decode<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, sqlx::Error> {
    text.parse()
        .map_err(|e: String| sqlx::Error::Decode(e.into()))
}

/// The identity fields of a user that support may ask to reveal, one at a
/// time, with a manager's approval: column and how people call it.
pub const IDENTITY_FIELDS: &[(&str, &str)] = &[
    ("birth_date", "Birth date"),
    ("national_id", "National or tax ID"),
];

/// One identity field of a user, read for a one-time reveal (as the server's
/// own role: the support roles may never read it). `None` when the user is
/// not in the account; `Some(None)` when the field is empty.
pub async fn identity_value(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    user_id: Uuid,
    column: &str,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let value = match column {
        "birth_date" => sqlx::query_scalar!(
            r#"select birth_date::text as "v" from product.users where id = $1 and account_id = $2"#,
            user_id,
            account_id
        )
        .fetch_optional(&mut **tx)
        .await?,
        "national_id" => sqlx::query_scalar!(
            r#"select national_id as "v" from product.users where id = $1 and account_id = $2"#,
            user_id,
            account_id
        )
        .fetch_optional(&mut **tx)
        .await?,
        other => {
            return Err(sqlx::Error::Protocol(format!(
                "{other} is not a revealable identity field"
            )))
        }
    };
    Ok(value)
}

/// One account's facts.
pub async fn account(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<AccountFacts>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select id, name, coalesce(domain, '') as "domain!", plan, region, sensitive, support_access
           from product.accounts where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    row.map(|a| {
        Ok(AccountFacts {
            id: a.id,
            name: a.name,
            domain: a.domain,
            plan: a.plan,
            region: a.region,
            sensitive: a.sensitive,
            support_access: decode(&a.support_access)?,
        })
    })
    .transpose()
}

/// A user of the account, if they belong to it.
/// Sets an account's support-access policy, locking the row; returns the
/// policy it had, or `None` for an unknown account.
pub async fn set_support_access(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    policy: SupportAccess,
) -> Result<Option<SupportAccess>, sqlx::Error> {
    let old = sqlx::query_scalar!(
        "select support_access from product.accounts where id = $1 for update",
        account_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(old) = old else {
        return Ok(None);
    };
    sqlx::query!(
        "update product.accounts set support_access = $2, updated_at = now() where id = $1",
        account_id,
        policy.as_str()
    )
    .execute(&mut **tx)
    .await?;
    Ok(Some(decode(&old)?))
}

/// An API token's name, for naming it to a manager asked to approve its
/// revocation (never its value, which is stored only as a digest).
pub async fn token_name(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
    token_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select name from product.api_tokens where id = $1 and account_id = $2",
        token_id,
        account_id
    )
    .fetch_optional(db)
    .await
}

pub async fn user_in_account(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
    user_id: Uuid,
) -> Result<Option<DirectoryUser>, sqlx::Error> {
    let row = sqlx::query!(
        "select id, name, email, role from product.users where id = $1 and account_id = $2",
        user_id,
        account_id
    )
    .fetch_optional(db)
    .await?;
    row.map(|u| {
        Ok(DirectoryUser {
            id: u.id,
            name: u.name,
            email: u.email,
            role: decode(&u.role)?,
        })
    })
    .transpose()
}

/// The user's role now, with their row locked until the caller's transaction
/// ends: a demotion that commits first is seen, one that comes later waits
/// for the caller. (`for no key update` rather than `for share`, so that a
/// change which then updates this same row — a profile — never has to
/// upgrade its lock and deadlock with a twin.) `None` when they left.
pub async fn lock_role(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    user_id: Uuid,
) -> Result<Option<CustomerRole>, sqlx::Error> {
    let role = sqlx::query_scalar!(
        "select role from product.users where id = $1 and account_id = $2 for no key update",
        user_id,
        account_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    role.as_deref().map(decode).transpose()
}

/// The account's users, owners first.
pub async fn users_of(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
) -> Result<Vec<DirectoryUser>, sqlx::Error> {
    sqlx::query!(
        "select id, name, email, role from product.users where account_id = $1
         order by case role when 'owner' then 0 when 'billing_admin' then 1 when 'admin' then 2 else 3 end, name",
        account_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|u| {
        Ok(DirectoryUser {
            id: u.id,
            name: u.name,
            email: u.email,
            role: decode(&u.role)?,
        })
    })
    .collect()
}

/// One row of a search, before its policy is decoded.
struct SearchRow {
    id: Uuid,
    name: String,
    domain: String,
    plan: String,
    sensitive: bool,
    support_access: String,
    owner_email: Option<String>,
}

/// Accounts matching a search: by id, by a user's exact email, or by name
/// (fuzzy) and domain. `limit`/`offset` page through them.
///
/// Each kind of question is its own statement, so each gets the plan its
/// index makes cheap (one statement with `OR`s of parameters read every
/// account for an email, 244 ms at 1,000,000 accounts). Names are found
/// by their start first (a btree range, no trigram index): only when fewer
/// than a few hundred names start with the text does the trigram index look
/// for it inside names. Only those few hundred candidates are ranked, so a
/// fragment that 120,000 accounts share costs what a rare one does; an
/// exact name or domain is always among them. When no name
/// contains the text, names that look like it (a typo) are offered.
pub async fn search(
    db: &sqlx::PgPool,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<AccountMatch>, sqlx::Error> {
    let mut rows = if let Ok(id) = q.parse::<Uuid>() {
        sqlx::query_as!(
            SearchRow,
            r#"select a.id, a.name, coalesce(a.domain, '') as "domain!", a.plan, a.sensitive, a.support_access,
                      (select u.email from product.users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email
               from product.accounts a where a.id = $1 limit $2 offset $3"#,
            id,
            limit,
            offset
        )
        .fetch_all(db)
        .await?
    } else if q.contains('@') {
        sqlx::query_as!(
            SearchRow,
            r#"select a.id, a.name, coalesce(a.domain, '') as "domain!", a.plan, a.sensitive, a.support_access,
                      (select u.email from product.users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email
               from product.accounts a
               where a.id in (select u.account_id from product.users u where lower(u.email) = $1)
               order by a.name limit $2 offset $3"#,
            q.to_lowercase(),
            limit,
            offset
        )
        .fetch_all(db)
        .await?
    } else {
        let candidates = offset + limit + 200;
        sqlx::query_as!(
            SearchRow,
            r#"with starting as (
                 select id from product.accounts where lower(name) like $6 limit $2
               ), candidates as (
                 (select id from product.accounts where lower(name) = lower($1) or lower(domain) = lower($1) limit $2)
                 union
                 (select id from starting)
                 union
                 (select id from product.accounts where lower(name) like $3
                    and (select count(*) from starting) < $2 limit $2)
               )
               select a.id, a.name, coalesce(a.domain, '') as "domain!", a.plan, a.sensitive, a.support_access,
                      (select u.email from product.users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email
               from product.accounts a join candidates c on c.id = a.id
               order by (lower(a.name) = lower($1)) desc, public.similarity(lower(a.name), lower($1)) desc, a.name
               limit $4 offset $5"#,
            q,
            candidates,
            crate::db::like_pattern(&q.to_lowercase()),
            limit,
            offset,
            crate::db::like_prefix(&q.to_lowercase()),
        )
        .fetch_all(db)
        .await?
    };
    // Nothing contains the text: try names that look like it (a typo).
    if rows.is_empty() && offset == 0 && q.parse::<Uuid>().is_err() && !q.contains('@') {
        rows = sqlx::query_as!(
            SearchRow,
            r#"select a.id, a.name, coalesce(a.domain, '') as "domain!", a.plan, a.sensitive, a.support_access,
                      (select u.email from product.users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email
               from product.accounts a
               where lower(a.name) operator(public.%) lower($1)
               order by public.similarity(lower(a.name), lower($1)) desc, a.name
               limit $2"#,
            q,
            limit
        )
        .fetch_all(db)
        .await?;
    }
    rows.into_iter()
        .map(|r| {
            Ok(AccountMatch {
                id: r.id,
                name: r.name,
                domain: r.domain,
                plan: r.plan,
                sensitive: r.sensitive,
                support_access: decode(&r.support_access)?,
                owner_email: r.owner_email,
            })
        })
        .collect()
}
