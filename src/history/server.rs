//! The customer's history and policy on the server.

use super::{History, NoticeChoices, Notices, OwnerRequest, Policy, Visit};
use crate::access::sessions::{self, EndCause};
use crate::access::{current_actor, Actor, CustomerUser};
use crate::audit::{self, sentence, Kind, NewEvent};
use crate::customers::{directory, CustomerRole, SupportAccess};
use crate::error::{parse_id, AppError};
use crate::state::app_state;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The signed-in customer; support, even inside a session, is refused.
fn customer() -> Result<CustomerUser, AppError> {
    match current_actor()? {
        Actor::Customer(c) => Ok(c),
        Actor::Support(..) => Err(AppError::Refused(
            "Support's visits and the support-access policy belong to the customer: support cannot open them.".into(),
        )),
        Actor::Staff(_) => Err(AppError::Forbidden),
    }
}

fn owner() -> Result<CustomerUser, AppError> {
    let c = customer()?;
    if !super::owns_support_access(c.role) {
        return Err(AppError::Refused(format!(
            "Only the owners of {} can do this.",
            c.account_name
        )));
    }
    Ok(c)
}

use crate::clock::when;

fn zone(c: &CustomerUser) -> chrono_tz::Tz {
    crate::clock::zone(&c.time_zone)
}

pub async fn history() -> Result<History, AppError> {
    let c = customer()?;
    if !super::reads_history(c.role) {
        return Err(AppError::Refused(format!(
            "Only owners and admins of {} can see support's visits.",
            c.account_name
        )));
    }
    let state = app_state()?;
    let zone = zone(&c);
    let now = state.clock.now();
    let rows = sqlx::query!(
        r#"select id, staff_name, target_user_name, mode, reason, ticket,
                  started_at as "started_at: DateTime<Utc>", ended_at as "ended_at: DateTime<Utc>", end_cause
           from chaperone.support_sessions where account_id = $1
           order by started_at desc limit 50"#,
        c.account_id
    )
    .fetch_all(&state.pool)
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    // What each visit viewed and did, from the log (values as it keeps
    // them): pages, changes, identity details shown and one-action approvals
    // used.
    let events = sqlx::query!(
        r#"select detail->>'session_id' as "session_id!", kind, actor_name, detail
           from chaperone.events
           where detail ? 'session_id' and detail->>'session_id' = any($1)
             and (kind in ('support.page_viewed', 'support.identity_shown', 'support.action_approval_used')
                  or kind like 'product.%')
           order by id"#,
        &ids
    )
    .fetch_all(&state.pool)
    .await?;
    let visits = rows
        .into_iter()
        .map(|r| {
            let id = r.id.to_string();
            let mine = events.iter().filter(|e| e.session_id == id);
            let (mut pages, mut changes) = (Vec::new(), Vec::new());
            for e in mine {
                match sentence::Kind::parse(&e.kind) {
                    Some(Kind::PageViewed) => {
                        pages.push(e.detail["page"].as_str().unwrap_or("a page").to_string())
                    }
                    Some(kind) => changes.push(sentence::sentence(
                        kind,
                        &format!("{} from Support", e.actor_name),
                        &e.detail,
                        zone,
                    )),
                    None => {}
                }
            }
            let end = r.ended_at.unwrap_or(now);
            let live = r.ended_at.is_none();
            Ok(Visit {
                who: format!("{} from Support", r.staff_name),
                viewing_as: r.target_user_name,
                mode: crate::access::policy::Mode::parse(&r.mode)
                    .ok_or(AppError::Internal)?
                    .label()
                    .into(),
                started: when(r.started_at, zone),
                ended: r.ended_at.map(|e| when(e, zone)),
                duration: format!("{} min", (end - r.started_at).num_minutes().max(0)),
                reason: r.reason,
                ticket: r.ticket,
                how_it_ended: r.end_cause.as_deref().and_then(EndCause::parse).map(|c| {
                    let words = c.words();
                    words[..1].to_uppercase() + &words[1..]
                }),
                live,
                pages,
                changes,
                can_end: live && c.role == CustomerRole::Owner,
                id,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let refused = sqlx::query!(
        r#"select staff_name, target_user_name, status, policy_reasons, owner_decided_by_name,
                  requested_at as "requested_at: DateTime<Utc>"
           from chaperone.access_requests
           where account_id = $1 and kind = 'session' and status in ('refused', 'denied')
           order by requested_at desc limit 50"#,
        c.account_id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| {
        let why = if let (true, Some(owner)) = (r.status == "denied", &r.owner_decided_by_name) {
            format!("{owner}, an owner of the account, refused it.")
        } else if r.status == "denied" {
            "a Support manager turned it down.".to_string()
        } else {
            serde_json::from_value::<Vec<String>>(r.policy_reasons)
                .unwrap_or_default()
                .join(" ")
        };
        format!(
            "{} from Support asked to enter on {} as {} and was refused: {why}",
            r.staff_name,
            when(r.requested_at, zone),
            r.target_user_name,
        )
    })
    .collect();
    let policy_changes = sqlx::query!(
        r#"select actor_name, detail, occurred_at as "occurred_at: DateTime<Utc>"
           from chaperone.events
           where account_id = $1 and kind = 'customer.support_policy_changed'
           order by id desc limit 50"#,
        c.account_id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|e| {
        format!(
            "{} · {}",
            when(e.occurred_at, zone),
            sentence::sentence(Kind::SupportPolicyChanged, &e.actor_name, &e.detail, zone)
        )
    })
    .collect();
    Ok(History {
        account_name: c.account_name,
        visits,
        refused,
        policy_changes,
    })
}

/// The requests waiting for this owner. Anyone else in the account (an
/// admin reading the history) simply has none: only owners decide.
pub async fn owner_requests() -> Result<Vec<OwnerRequest>, AppError> {
    let c = customer()?;
    if !super::owns_support_access(c.role) {
        return Ok(Vec::new());
    }
    let state = app_state()?;
    let zone = zone(&c);
    let now = state.clock.now();
    let rows = sqlx::query!(
        r#"select id, staff_name, target_user_name, mode, reason, ticket, needs_manager,
                  decided_by is not null as "manager_decided!",
                  requested_at as "requested_at: DateTime<Utc>", expires_at as "expires_at: DateTime<Utc>"
           from chaperone.access_requests
           where account_id = $1 and status = 'pending' and needs_owner and owner_decided_by is null
             and (expires_at is null or expires_at > $2)
           order by requested_at"#,
        c.account_id,
        now as _
    )
    .fetch_all(&state.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(OwnerRequest {
                id: r.id.to_string(),
                who: format!("{} from Support", r.staff_name),
                viewing_as: r.target_user_name,
                mode: crate::access::policy::Mode::parse(&r.mode)
                    .ok_or(AppError::Internal)?
                    .label()
                    .into(),
                reason: r.reason,
                ticket: r.ticket,
                asked: when(r.requested_at, zone),
                expires_in: r
                    .expires_at
                    .map(|e| sessions::mm_ss((e - now).num_seconds().max(0))),
                manager_too: r.needs_manager && !r.manager_decided,
            })
        })
        .collect()
}

pub async fn decide(id: String, approve: bool, note: String) -> Result<String, AppError> {
    let c = owner()?;
    let id = parse_id(&id)?;
    crate::access::approvals::decide_as_owner(&c, id, approve, note).await
}

pub async fn notices() -> Result<Notices, AppError> {
    let c = customer()?;
    let state = app_state()?;
    let zone = zone(&c);
    // The unread count rides along (the navigation's badge counts with its
    // own statement; no statement runs twice for one page). No rows: none
    // unread.
    let items = sqlx::query!(
        r#"select body, created_at as "created_at: DateTime<Utc>", read_at is null as "unread!",
                  (select count(*) from chaperone.customer_notifications u
                   where u.user_id = $1 and u.read_at is null) as "unread_total!"
           from chaperone.customer_notifications where user_id = $1
           order by id desc limit 20"#,
        c.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Notices {
        unread: items.first().map_or(0, |n| n.unread_total),
        items: items
            .into_iter()
            .map(|n| super::Notice {
                at: when(n.created_at, zone),
                body: n.body,
                unread: n.unread,
            })
            .collect(),
    })
}

pub async fn unread() -> Result<i64, AppError> {
    match current_actor()? {
        Actor::Customer(c) if c.role == CustomerRole::Owner => {
            Ok(unread_of(&app_state()?.pool, c.id).await?)
        }
        _ => Ok(0),
    }
}

async fn unread_of(pool: &sqlx::PgPool, user: uuid::Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from chaperone.customer_notifications where user_id = $1 and read_at is null"#,
        user
    )
    .fetch_one(pool)
    .await
}

pub async fn mark_read() -> Result<String, AppError> {
    let c = customer()?;
    let state = app_state()?;
    sqlx::query!(
        "update chaperone.customer_notifications set read_at = $2 where user_id = $1 and read_at is null",
        c.id,
        state.clock.now() as _
    )
    .execute(&state.pool)
    .await?;
    Ok("All notifications are marked read.".into())
}

pub async fn choices() -> Result<NoticeChoices, AppError> {
    let c = owner()?;
    let state = app_state()?;
    let row = sqlx::query!(
        "select entry_in_app, entry_email, change_in_app, change_email from chaperone.notification_preferences where user_id = $1",
        c.id
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(match row {
        Some(r) => NoticeChoices {
            entry_in_app: r.entry_in_app,
            entry_email: r.entry_email,
            change_in_app: r.change_in_app,
            change_email: r.change_email,
        },
        None => NoticeChoices {
            entry_in_app: true,
            entry_email: true,
            change_in_app: true,
            change_email: true,
        },
    })
}

pub async fn set_choices(choices: NoticeChoices) -> Result<String, AppError> {
    let c = owner()?;
    let state = app_state()?;
    sqlx::query!(
        r#"insert into chaperone.notification_preferences (user_id, entry_in_app, entry_email, change_in_app, change_email)
           values ($1, $2, $3, $4, $5)
           on conflict (user_id) do update set entry_in_app = $2, entry_email = $3, change_in_app = $4, change_email = $5"#,
        c.id,
        choices.entry_in_app,
        choices.entry_email,
        choices.change_in_app,
        choices.change_email
    )
    .execute(&state.pool)
    .await?;
    Ok("Your notification choices are saved.".into())
}

pub async fn end_visit(session_id: String) -> Result<String, AppError> {
    let c = owner()?;
    let id = parse_id(&session_id)?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let s = sqlx::query!(
        "select staff_name, account_name from chaperone.support_sessions where id = $1 and account_id = $2",
        id,
        c.account_id
    )
    .fetch_optional(&mut *tx)
    .await?
    // Another account's visit is simply not found.
    .ok_or(AppError::NotFound)?;
    if !sessions::end(&mut tx, id, now, EndCause::RevokedByCustomer).await? {
        return Err(AppError::Invalid("This visit has already ended.".into()));
    }
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::VisitEndedByCustomer, &Actor::Customer(c.clone()))
            .about(c.account_id)
            .detail(json!({ "session_id": id, "staff": s.staff_name, "account": s.account_name })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!(
        "The visit was ended. {} is out of your account.",
        s.staff_name
    ))
}

pub async fn policy() -> Result<Policy, AppError> {
    let c = owner()?;
    let state = app_state()?;
    let account = directory::account(&state.pool, c.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Policy {
        account_name: account.name,
        current: account.support_access,
    })
}

pub async fn set_policy(policy: String) -> Result<String, AppError> {
    let c = owner()?;
    let new: SupportAccess = policy.trim().parse().map_err(|_| {
        AppError::Invalid("Choose one of the three support-access settings.".into())
    })?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let old = directory::set_support_access(&mut tx, c.account_id, new)
        .await?
        .ok_or(AppError::NotFound)?;
    if old == new {
        return Ok(format!("Support access stays: {}.", new.words()));
    }
    audit::append(
        &mut tx,
        NewEvent::new(now, Kind::SupportPolicyChanged, &Actor::Customer(c.clone()))
            .about(c.account_id)
            .detail(json!({ "old": old.as_str(), "new": new.as_str(), "account": c.account_name })),
    )
    .await?;
    // Off means off now: a visit in progress ends.
    let mut ended = 0;
    if new == SupportAccess::Off {
        let live = sqlx::query_scalar!(
            "select id from chaperone.support_sessions where account_id = $1 and ended_at is null for update",
            c.account_id
        )
        .fetch_all(&mut *tx)
        .await?;
        for id in live {
            if sessions::end(&mut tx, id, now, EndCause::RevokedByCustomer).await? {
                ended += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(match ended {
        0 => format!("Support access is now: {}.", new.words()),
        _ => format!(
            "Support access is now: {}. The support visit in progress was ended.",
            new.words()
        ),
    })
}
