//! Profile: the user's own details, recovery codes (shown once) and password.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDto {
    pub name: String,
    pub email: crate::masking::Shown,
    pub backup_email: crate::masking::Shown,
    pub phone: crate::masking::Shown,
    /// `YYYY-MM-DD` or empty.
    pub birth_date: crate::masking::Shown,
    pub national_id: crate::masking::Shown,
    /// Unknown (hidden) to support: recovery codes are secrets.
    pub has_recovery_codes: Option<bool>,
    /// Whether contact and identity details can be changed here (not by
    /// support, who sees them masked).
    pub details_editable: bool,
    pub time_zone: String,
}

#[server(prefix = "/api", endpoint = "product_profile")]
pub async fn product_profile() -> Result<ProfileDto, AppError> {
    crate::error::respond(server::profile().await)
}

#[server(prefix = "/api", endpoint = "update_profile")]
pub async fn update_profile(
    name: String,
    backup_email: String,
    phone: String,
    birth_date: String,
    national_id: String,
) -> Result<String, AppError> {
    crate::error::respond(server::update(name, backup_email, phone, birth_date, national_id).await)
}

/// Replaces the recovery codes and returns the new ones, once.
#[server(prefix = "/api", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes() -> Result<Vec<String>, AppError> {
    crate::error::respond(
        async {
            crate::error::shown_once()?;
            server::regenerate_codes().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<String, AppError> {
    crate::error::respond(server::change_password(current, new_password, confirm).await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::context::{AccessContext, Change};
    use crate::audit::Kind;
    use crate::auth::password;
    use crate::masking::{recorded, shown};
    use crate::product::ProductPermission;
    use rand::distributions::{Alphanumeric, DistString};
    use secrecy::SecretString;
    use serde_json::json;

    /// A profile as read: server-only, never serialised.
    struct ProfileRow {
        name: String,
        email: String,
        backup_email: Option<String>,
        phone: Option<String>,
        birth_date: Option<String>,
        national_id: Option<String>,
        has_codes: Option<bool>,
        time_zone: String,
    }

    pub async fn profile() -> Result<ProfileDto, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ManageOwnProfile, "Profile")
            .await?;
        let (user_id, account_id) = (ctx.viewed().user_id, ctx.account_id());
        // Support reads only what it may see in some form: Postgres refuses
        // identity and secret columns to the support role.
        let r = if ctx.session().is_some() {
            sqlx::query!(
                r#"select name, email, backup_email, phone, coalesce(time_zone, 'UTC') as "tz!"
                   from product.users where id = $1 and account_id = $2"#,
                user_id,
                account_id
            )
            .fetch_optional(db.conn())
            .await?
            .map(|r| ProfileRow {
                name: r.name,
                email: r.email,
                backup_email: r.backup_email,
                phone: r.phone,
                birth_date: None,
                national_id: None,
                has_codes: None,
                time_zone: r.tz,
            })
        } else {
            sqlx::query!(
                r#"select name, email, backup_email, phone, birth_date as "birth_date: chrono::NaiveDate", national_id,
                          recovery_codes_hash is not null as "has_codes!", coalesce(time_zone, 'UTC') as "tz!"
                   from product.users where id = $1 and account_id = $2"#,
                user_id,
                account_id
            )
            .fetch_optional(db.conn())
            .await?
            .map(|r| ProfileRow {
                name: r.name,
                email: r.email,
                backup_email: r.backup_email,
                phone: r.phone,
                birth_date: r.birth_date.map(|d| d.to_string()),
                national_id: r.national_id,
                has_codes: Some(r.has_codes),
                time_zone: r.tz,
            })
        }
        .ok_or(AppError::NotFound)?;
        let a = ctx.audience();
        let show = |column, value: Option<&str>| shown(a, "users", column, value);
        Ok(ProfileDto {
            name: r.name,
            email: show("email", Some(&r.email)),
            backup_email: show("backup_email", r.backup_email.as_deref()),
            phone: show("phone", r.phone.as_deref()),
            birth_date: show("birth_date", r.birth_date.as_deref()),
            national_id: show("national_id", r.national_id.as_deref()),
            has_recovery_codes: r.has_codes,
            time_zone: r.time_zone,
            details_editable: ctx.session().is_none(),
        })
    }

    fn optional(value: &str, what: &str, max: usize) -> Result<Option<String>, AppError> {
        let value = value.trim();
        if value.chars().count() > max {
            return Err(AppError::Invalid(format!(
                "{what} can have at most {max} characters."
            )));
        }
        Ok((!value.is_empty()).then(|| value.to_string()))
    }

    /// Backup email, phone, birth date and national or tax ID.
    type ContactFields = (
        Option<String>,
        Option<String>,
        Option<chrono::NaiveDate>,
        Option<String>,
    );

    /// The contact and identity fields as the customer submitted them, checked.
    fn contact_fields(
        backup_email: &str,
        phone: &str,
        birth_date: &str,
        national_id: &str,
    ) -> Result<ContactFields, AppError> {
        let backup_email = optional(backup_email, "A backup email", 254)?;
        if let Some(e) = &backup_email {
            if !matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.')) {
                return Err(AppError::Invalid(
                    "The backup email does not look like an email address.".into(),
                ));
            }
        }
        let phone = optional(phone, "A phone number", 40)?;
        if let Some(p) = &phone {
            if !p
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return Err(AppError::Invalid(
                    "A phone number can hold digits, spaces and + - ( ) only.".into(),
                ));
            }
        }
        let birth_date = match birth_date.trim() {
            "" => None,
            text => Some(
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .filter(|d| {
                        *d > chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
                            && *d < chrono::Utc::now().date_naive()
                    })
                    .ok_or_else(|| {
                        AppError::Invalid("Enter the birth date as YYYY-MM-DD, in the past.".into())
                    })?,
            ),
        };
        let national_id = optional(national_id, "A national or tax ID", 64)?;
        Ok((backup_email, phone, birth_date, national_id))
    }

    pub async fn update(
        name: String,
        backup_email: String,
        phone: String,
        birth_date: String,
        national_id: String,
    ) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let mut change = ctx
            .change(ProductPermission::ManageOwnProfile, "Profile")
            .await?;
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::Invalid(
                "Enter your name (up to 200 characters).".into(),
            ));
        }
        // Support sees contact and identity fields masked, so it cannot know
        // what it would overwrite: in a session those fields keep their
        // values, and what came in for them (masked text) is not even read.
        let submitted = if ctx.session().is_none() {
            Some(contact_fields(
                &backup_email,
                &phone,
                &birth_date,
                &national_id,
            )?)
        } else {
            None
        };
        // Changed fields, old and new, masked by class: the log never holds
        // an identity or contact value in clear.
        let mut changed = Vec::new();
        let mut push = |field: &str, column: &str, old: Option<String>, new: Option<String>| {
            if old != new {
                let logged = |v: &Option<String>| {
                    v.as_deref()
                        .map(|v| recorded("users", column, v))
                        .unwrap_or_else(|| "(empty)".into())
                };
                changed.push(json!({ "field": field, "old": logged(&old), "new": logged(&new) }));
            }
        };
        let Some((backup_email, phone, birth_date, national_id)) = submitted else {
            // In a session only the name changes, and only what support may
            // read is read: Postgres would refuse the rest.
            let before = sqlx::query_scalar!(
                "select name from product.users where id = $1 and account_id = $2 for update",
                ctx.viewed().user_id,
                ctx.account_id()
            )
            .fetch_optional(change.conn())
            .await?
            .ok_or(AppError::NotFound)?;
            sqlx::query!(
                "update product.users set name = $3, updated_at = now() where id = $1 and account_id = $2",
                ctx.viewed().user_id,
                ctx.account_id(),
                name
            )
            .execute(change.conn())
            .await?;
            push("Name", "name", Some(before), Some(name.clone()));
            return finish_update(change, changed).await;
        };
        let before = sqlx::query!(
            r#"select name, backup_email, phone, birth_date as "birth_date: chrono::NaiveDate", national_id from product.users where id = $1 and account_id = $2 for update"#,
            ctx.viewed().user_id,
            ctx.account_id()
        )
        .fetch_optional(change.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        sqlx::query!(
            r#"update product.users set name = $3, backup_email = $4, phone = $5, birth_date = $6, national_id = $7, updated_at = now()
               where id = $1 and account_id = $2"#,
            ctx.viewed().user_id,
            ctx.account_id(),
            name,
            backup_email,
            phone,
            birth_date as _,
            national_id
        )
        .execute(change.conn())
        .await?;
        push("Name", "name", Some(before.name), Some(name.clone()));
        push(
            "Backup email",
            "backup_email",
            before.backup_email,
            backup_email,
        );
        push("Phone", "phone", before.phone, phone);
        push(
            "Birth date",
            "birth_date",
            before.birth_date.map(|d| d.to_string()),
            birth_date.map(|d| d.to_string()),
        );
        push(
            "National or tax ID",
            "national_id",
            before.national_id,
            national_id,
        );
        finish_update(change, changed).await
    }

    /// Records the profile's changed fields with the change and commits.
    async fn finish_update(
        mut change: Change<'_>,
        changed: Vec<serde_json::Value>,
    ) -> Result<String, AppError> {
        if changed.is_empty() {
            return Ok("Nothing changed.".into());
        }
        change
            .record(
                Kind::ProfileUpdated,
                json!({ "place": "Profile", "changes": changed }),
            )
            .await?;
        change.commit().await?;
        Ok("Your profile was saved.".into())
    }

    /// Support never resets login details, approved or not.
    async fn refuse_login_details_in_session(ctx: &AccessContext) -> Result<(), AppError> {
        ctx.refuse_in_session(
            "reset login details",
            "recovery codes and passwords are secrets, and secrets are never shown to support. The customer resets them themself.",
        )
        .await
    }

    pub async fn regenerate_codes() -> Result<Vec<String>, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ManageOwnProfile)?;
        refuse_login_details_in_session(&ctx).await?;
        let codes: Vec<String> = {
            let mut rng = rand::thread_rng();
            (0..8)
                .map(|_| {
                    let raw = Alphanumeric.sample_string(&mut rng, 10).to_lowercase();
                    format!("{}-{}", &raw[..5], &raw[5..])
                })
                .collect()
        };
        let digests: Vec<String> = codes
            .iter()
            .map(|c| crate::product::tokens::token_digest(c))
            .collect();
        let mut change = ctx
            .change(ProductPermission::ManageOwnProfile, "Recovery codes")
            .await?;
        sqlx::query!(
            "update product.users set recovery_codes_hash = $3, updated_at = now() where id = $1 and account_id = $2",
            ctx.viewed().user_id,
            ctx.account_id(),
            digests.join(",")
        )
        .execute(change.conn())
        .await?;
        change
            .record(Kind::RecoveryCodesRegenerated, json!({}))
            .await?;
        change.commit().await?;
        Ok(codes)
    }

    pub async fn change_password(
        current: String,
        new_password: String,
        confirm: String,
    ) -> Result<String, AppError> {
        use crate::auth::sign_in::check_new_password;
        use crate::auth::{session, Side};
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ManageOwnProfile)?;
        refuse_login_details_in_session(&ctx).await?;
        check_new_password(&current, &new_password, &confirm)?;
        ctx.check_own_password(current).await?;
        let hash = password::hash(SecretString::from(new_password)).await?;
        let mut change = ctx
            .change(ProductPermission::ManageOwnProfile, "Password")
            .await?;
        let user = ctx.viewed().user_id;
        sqlx::query!(
            "update product.users set password_hash = $3, updated_at = now() where id = $1 and account_id = $2",
            user,
            ctx.account_id(),
            hash.0
        )
        .execute(change.conn())
        .await?;
        change.record(Kind::PasswordChanged, json!({})).await?;
        change.commit().await?;
        // This login carries on under a new id; every other one is signed out.
        session::renew_after_password_change(Side::Customer, user, &hash).await?;
        Ok(
            "Your password was changed. Anywhere else you were signed in, you are signed out."
                .into(),
        )
    }
}

/// `/app/profile`
#[component]
pub fn ProfilePage() -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    let data = Resource::new(|| (), |_| product_profile());
    view! {
        <h1>"Profile"</h1>
        <crate::ui::Loaded resource=data let:p>
            <PostForm action=UpdateProfile::PATH then=Then::Reload class="stack narrow" label="Your details">
                <p class="muted">{format!("Sign-in email: {}", p.email)}</p>
                <label for="p-name">"Name"</label>
                <input id="p-name" name="name" type="text" required maxlength="200" value=p.name.clone() />
                <label for="p-backup">"Backup email"</label>
                <input id="p-backup" name="backup_email" type="email" maxlength="254" value=p.backup_email.to_string() readonly=!p.details_editable />
                <label for="p-phone">"Phone"</label>
                <input id="p-phone" name="phone" type="tel" maxlength="40" value=p.phone.to_string() readonly=!p.details_editable />
                <label for="p-birth">"Birth date"</label>
                <input id="p-birth" name="birth_date" type=if p.details_editable { "date" } else { "text" } value=p.birth_date.to_string() readonly=!p.details_editable />
                <label for="p-nid">"National or tax ID"</label>
                <input id="p-nid" name="national_id" type="text" maxlength="64" value=p.national_id.to_string() readonly=!p.details_editable />
                <p class="muted small" hidden=p.details_editable>"Contact and identity details are masked for support and stay as they are; only the customer changes them."</p>
                <button type="submit" class="primary">"Save profile"</button>
            </PostForm>
            <h2>"Recovery codes"</h2>
            <RecoveryCodes has=p.has_recovery_codes />
            // The customer's own zone; an agent in a session sets theirs in
            // the console, never the customer's.
            {p.details_editable.then(|| view! { <crate::access::signing::pages::TimeZoneForm current=p.time_zone.clone() /> })}
        </crate::ui::Loaded>
        <h2>"Password"</h2>
        <PostForm action=ChangePassword::PATH class="stack narrow" label="Change password">
            <label for="pw-current">"Current password"</label>
            <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
            <label for="pw-new">"New password"</label>
            <input id="pw-new" name="new_password" type="password" autocomplete="new-password" minlength="12" required />
            <label for="pw-confirm">"Confirm new password"</label>
            <input id="pw-confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
            <button type="submit" class="primary">"Change password"</button>
        </PostForm>
        // For an agent in a session. Outside the loaded block: a suspense
        // boundary of its own must not nest inside another while the page
        // streams.
        <crate::access::reveal::IdentityRevealPanel />
    }
}

/// Whether there are recovery codes, and the button that replaces them: the
/// new codes are shown here once and never reach the page's HTML.
#[island]
fn RecoveryCodes(has: Option<bool>) -> impl IntoView {
    let codes = ServerAction::<RegenerateRecoveryCodes>::new();
    let has = move || match codes.value().get() {
        Some(Ok(_)) => Some(true),
        _ => has,
    };
    view! {
        <p class="muted">{move || match has() { Some(true) => "You have recovery codes. Generating new ones replaces them.", Some(false) => "You have no recovery codes yet.", None => "Recovery codes: hidden from support." }}</p>
        <ActionForm action=codes attr:class="inline" attr:aria-label="Recovery codes" attr:data-needs-script="">
            <button type="submit">"Generate new recovery codes"</button>
        </ActionForm>
        {move || codes.value().get().map(|r| match r {
            Ok(list) => view! {
                <div class="panel reveal" role="status">
                    <p>"Store these somewhere safe. They will not be shown again."</p>
                    <ul class="codes">{list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                </div>
            }.into_any(),
            Err(error) => view! { <crate::ui::ErrorNote error /> }.into_any(),
        })}
    }
}
