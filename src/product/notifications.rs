//! Settings › Notifications: each user's own email switches.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The switches: (key, label, description).
pub const SWITCHES: &[(&str, &str, &str)] = &[
    (
        "invoice_emails",
        "Email me when an invoice is issued",
        "A copy of every new invoice.",
    ),
    (
        "failed_payment_emails",
        "Email me when a payment fails",
        "So a declined card does not go unnoticed.",
    ),
    (
        "weekly_digest",
        "Weekly digest",
        "A summary of the week every Monday.",
    ),
    (
        "product_news",
        "Product news",
        "New features, now and then.",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSetting {
    pub key: String,
    pub label: String,
    pub description: String,
    pub enabled: bool,
}

#[server(prefix = "/api", endpoint = "product_notifications")]
pub async fn product_notifications() -> Result<Vec<NotificationSetting>, AppError> {
    crate::error::respond(server::settings().await)
}

/// Turns one switch on or off for the viewer.
#[server(prefix = "/api", endpoint = "set_notification")]
pub async fn set_notification(setting: String, enabled: bool) -> Result<String, AppError> {
    crate::error::respond(server::set(setting, enabled).await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::audit::Kind;
    use crate::product::ProductPermission;
    use serde_json::json;

    pub async fn settings() -> Result<Vec<NotificationSetting>, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(
                ProductPermission::ManageOwnProfile,
                "Settings › Notifications",
            )
            .await?;
        let row = sqlx::query!(
            r#"select coalesce(s.invoice_emails, true) as "invoice_emails!",
                      coalesce(s.failed_payment_emails, true) as "failed_payment_emails!",
                      coalesce(s.weekly_digest, false) as "weekly_digest!",
                      coalesce(s.product_news, false) as "product_news!"
               from product.users u left join product.notification_settings s on s.user_id = u.id
               where u.id = $1 and u.account_id = $2"#,
            ctx.viewed().user_id,
            ctx.account_id()
        )
        .fetch_optional(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        let values = [
            row.invoice_emails,
            row.failed_payment_emails,
            row.weekly_digest,
            row.product_news,
        ];
        Ok(SWITCHES
            .iter()
            .zip(values)
            .map(|((key, label, description), enabled)| NotificationSetting {
                key: key.to_string(),
                label: label.to_string(),
                description: description.to_string(),
                enabled,
            })
            .collect())
    }

    pub async fn set(setting: String, enabled: bool) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let mut change = ctx
            .change(ProductPermission::ManageOwnProfile, "Notification settings")
            .await?;
        let user_id = ctx.viewed().user_id;
        let (key, label, _) = SWITCHES
            .iter()
            .find(|(k, _, _)| *k == setting.trim())
            .ok_or_else(|| AppError::Invalid("There is no such notification setting.".into()))?;
        sqlx::query!("insert into product.notification_settings (user_id) values ($1) on conflict do nothing", user_id)
            .execute(change.conn())
            .await?;
        // One statement per column keeps every query checked at compile time.
        let old: bool = match *key {
            "invoice_emails" => sqlx::query_scalar!("select invoice_emails from product.notification_settings where user_id = $1 for update", user_id).fetch_one(change.conn()).await?,
            "failed_payment_emails" => sqlx::query_scalar!("select failed_payment_emails from product.notification_settings where user_id = $1 for update", user_id).fetch_one(change.conn()).await?,
            "weekly_digest" => sqlx::query_scalar!("select weekly_digest from product.notification_settings where user_id = $1 for update", user_id).fetch_one(change.conn()).await?,
            _ => sqlx::query_scalar!("select product_news from product.notification_settings where user_id = $1 for update", user_id).fetch_one(change.conn()).await?,
        };
        match *key {
            "invoice_emails" => sqlx::query!("update product.notification_settings set invoice_emails = $2, updated_at = now() where user_id = $1", user_id, enabled).execute(change.conn()).await?,
            "failed_payment_emails" => sqlx::query!("update product.notification_settings set failed_payment_emails = $2, updated_at = now() where user_id = $1", user_id, enabled).execute(change.conn()).await?,
            "weekly_digest" => sqlx::query!("update product.notification_settings set weekly_digest = $2, updated_at = now() where user_id = $1", user_id, enabled).execute(change.conn()).await?,
            _ => sqlx::query!("update product.notification_settings set product_news = $2, updated_at = now() where user_id = $1", user_id, enabled).execute(change.conn()).await?,
        };
        let on_off = |b: bool| if b { "on" } else { "off" };
        if old != enabled {
            change
                .record(
                    Kind::NotificationChanged,
                    json!({
                        "user_id": user_id,
                        "key": key,
                        "place": "Settings › Notifications",
                        "changes": [{ "field": label, "old": on_off(old), "new": on_off(enabled) }],
                    }),
                )
                .await?;
        }
        change.commit().await?;
        Ok(format!("“{label}” is {}.", on_off(enabled)))
    }
}

/// `/app/settings/notifications`
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_notifications());
    view! {
        <h1>"Notifications"</h1>
        <p class="muted">"These are your own settings; other members choose theirs."</p>
        <crate::ui::Loaded resource=data let:settings>
            <fieldset class="switches">
                <legend>"Email notifications"</legend>
                {settings.into_iter().map(|s| view! {
                    <NotificationSwitch key=s.key label=s.label description=s.description enabled=s.enabled />
                }).collect_view()}
            </fieldset>
        </crate::ui::Loaded>
    }
}

/// One switch; it saves itself when flipped, and a switch flipped before
/// the page came alive is saved as soon as it is.
#[island]
fn NotificationSwitch(
    key: String,
    label: String,
    description: String,
    enabled: bool,
) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    let outcome = RwSignal::new(None::<Result<String, AppError>>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let id = format!("notify-{key}");
    // A refused or failed save puts the switch back: it always shows what
    // is stored.
    let save = move |on: bool| {
        busy.set(true);
        let key = key.clone();
        leptos::task::spawn_local(async move {
            let value = if on { "true" } else { "false" };
            let result = crate::ui::call(
                SetNotification::PATH,
                &[("setting", &key), ("enabled", value)],
            )
            .await;
            if result.is_err() {
                if let Some(el) = input.get_untracked() {
                    el.set_checked(!on);
                }
            }
            busy.set(false);
            outcome.set(Some(result));
        });
    };
    let save_now = save.clone();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            if el.checked() != enabled {
                save_now(el.checked());
            }
        }
    });
    view! {
        <div class="switch">
            <input type="checkbox" id=id.clone() node_ref=input checked=enabled autocomplete="off"
                disabled=move || busy.get()
                on:change=move |ev| save(event_target_checked(&ev)) />
            <label for=id>{label}</label>
            <p class="muted small">{description}</p>
            <crate::ui::Outcome value=outcome.into() />
        </div>
    }
}
