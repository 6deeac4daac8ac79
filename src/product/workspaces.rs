//! Workspaces and their tax rules (Billing › Tax settings).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A workspace with its tax rule, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceDto {
    pub id: String,
    pub name: String,
    pub tax_region: String,
    pub tax_rate: String,
    pub tax_rate_bp: i32,
    /// The tax profile the rule came from, if any.
    pub tax_profile: Option<String>,
}

/// A tax profile the account can pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxProfileDto {
    pub id: String,
    pub name: String,
    pub region: String,
    pub rate: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSettingsPage {
    pub workspaces: Vec<WorkspaceDto>,
    pub profiles: Vec<TaxProfileDto>,
    pub can_edit: bool,
}

/// Workspaces, each with its tax profile.
#[server(prefix = "/api", endpoint = "product_workspaces")]
pub async fn product_workspaces() -> Result<Vec<WorkspaceDto>, AppError> {
    crate::error::respond(server::workspaces().await)
}

/// The Tax settings page.
#[server(prefix = "/api", endpoint = "product_tax_settings")]
pub async fn product_tax_settings() -> Result<TaxSettingsPage, AppError> {
    crate::error::respond(server::tax_settings().await)
}

/// Sets a workspace's tax rate (a percentage like `10` or `7.5`) and region.
/// Affects invoices issued from now on; issued invoices keep their rate.
#[server(prefix = "/api", endpoint = "update_tax_rule")]
pub async fn update_tax_rule(
    workspace_id: String,
    rate: String,
    region: String,
) -> Result<String, AppError> {
    crate::error::respond(server::update_tax_rule(workspace_id, rate, region).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::audit::Kind;
    use crate::error::parse_id;
    use crate::product::money::{format_rate, parse_rate};
    use crate::product::ProductPermission;
    use serde_json::json;

    pub(crate) async fn load_workspaces(
        db: &mut sqlx::PgConnection,
        ctx: &AccessContext,
    ) -> Result<Vec<WorkspaceDto>, AppError> {
        let rows = sqlx::query!(
            r#"select w.id, w.name, w.tax_region, w.tax_rate_bp, p.name as "profile_name?"
               from product.workspaces w left join product.tax_profiles p on p.id = w.tax_profile_id
               where w.account_id = $1 order by w.name"#,
            ctx.account_id()
        )
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| WorkspaceDto {
                id: r.id.to_string(),
                name: r.name,
                tax_region: r.tax_region,
                tax_rate: format_rate(r.tax_rate_bp),
                tax_rate_bp: r.tax_rate_bp,
                tax_profile: r.profile_name,
            })
            .collect())
    }

    pub async fn workspaces() -> Result<Vec<WorkspaceDto>, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ViewAccount, "Workspaces")
            .await?;
        load_workspaces(db.conn(), &ctx).await
    }

    pub async fn tax_settings() -> Result<TaxSettingsPage, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ViewAccount, "Billing › Tax settings")
            .await?;
        let profiles = sqlx::query!(
            "select id, name, region, rate_bp from product.tax_profiles where account_id = $1 order by name",
            ctx.account_id()
        )
        .fetch_all(db.conn())
        .await?
        .into_iter()
        .map(|p| TaxProfileDto { id: p.id.to_string(), name: p.name, region: p.region, rate: format_rate(p.rate_bp) })
        .collect();
        Ok(TaxSettingsPage {
            workspaces: load_workspaces(db.conn(), &ctx).await?,
            profiles,
            can_edit: ctx.can(ProductPermission::ManageBilling),
        })
    }

    pub async fn update_tax_rule(
        workspace_id: String,
        rate: String,
        region: String,
    ) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let mut change = ctx
            .change(ProductPermission::ManageBilling, "Tax rate")
            .await?;
        let workspace_id = parse_id(&workspace_id)?;
        let rate_bp = parse_rate(&rate).map_err(AppError::Invalid)?;
        // A region code (EU, US-CA), never free text: it lands in the
        // invoices and in the log as written.
        let region = region.trim().to_ascii_uppercase();
        let region = region.as_str();
        let code = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric());
        let shaped = (2..=12).contains(&region.len())
            && region.starts_with(|c: char| c.is_ascii_alphabetic())
            && region.split('-').all(code);
        if !shaped {
            return Err(AppError::Invalid(
                "Enter a tax region code, like EU or US-CA (letters and digits, up to 12).".into(),
            ));
        }
        let before = sqlx::query!(
            "select name, tax_rate_bp, tax_region from product.workspaces where id = $1 and account_id = $2 for update",
            workspace_id,
            ctx.account_id()
        )
        .fetch_optional(change.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        if before.tax_rate_bp == rate_bp && before.tax_region == region {
            return Ok(format!(
                "{} already uses {} ({region}).",
                before.name,
                format_rate(rate_bp)
            ));
        }
        sqlx::query!(
            r#"update product.workspaces
               set tax_rate_bp = $3, tax_region = $4, tax_profile_id = null, updated_at = now()
               where id = $1 and account_id = $2"#,
            workspace_id,
            ctx.account_id(),
            rate_bp,
            region
        )
        .execute(change.conn())
        .await?;
        let mut changes = Vec::new();
        if before.tax_rate_bp != rate_bp {
            changes.push(json!({
                "field": "Tax rate",
                "old": format_rate(before.tax_rate_bp),
                "new": format_rate(rate_bp),
            }));
        }
        if before.tax_region != region {
            changes.push(json!({ "field": "Tax region", "old": before.tax_region, "new": region }));
        }
        change
            .record(
                Kind::TaxRuleChanged,
                json!({
                    "workspace_id": workspace_id,
                    "workspace": before.name,
                    "changes": changes,
                }),
            )
            .await?;
        change.commit().await?;
        Ok(format!(
            "{} now uses {} ({region}) for new invoices. Invoices already issued keep their rate.",
            before.name,
            format_rate(rate_bp)
        ))
    }
}

/// `/app/workspaces`
#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_workspaces());
    view! {
        <h1>"Workspaces"</h1>
        <crate::ui::Loaded resource=data let:list>
            {if list.is_empty() {
                view! { <p class="empty">"This account has no workspaces yet."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Workspace"</th><th scope="col">"Tax region"</th><th scope="col">"Tax rate"</th><th scope="col">"Tax profile"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|w| view! {
                                <tr>
                                    <td>{w.name}</td>
                                    <td>{w.tax_region}</td>
                                    <td>{w.tax_rate}</td>
                                    <td>{w.tax_profile.unwrap_or_else(|| "Custom rule".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </crate::ui::Loaded>
    }
}

/// `/app/billing/tax`
#[component]
pub fn TaxSettingsPageView() -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    let data = Resource::new(|| (), |_| product_tax_settings());
    view! {
        <h1>"Tax settings"</h1>
        <p class="muted">"Each workspace has one tax rule. A change applies to invoices issued from then on; invoices already issued keep their rate."</p>
        <crate::ui::Loaded resource=data let:page>
            <table>
                <thead><tr><th scope="col">"Workspace"</th><th scope="col">"Region"</th><th scope="col">"Rate"</th><th scope="col">"Source"</th>{page.can_edit.then(|| view! { <th scope="col">"Change"</th> })}</tr></thead>
                <tbody>
                    {page.workspaces.into_iter().map(|w| {
                        let can_edit = page.can_edit;
                        let rate_id = format!("rate-{}", w.id);
                        let region_id = format!("region-{}", w.id);
                        let rate_label = format!("Tax rate for {} (%)", w.name);
                        let region_label = format!("Tax region for {}", w.name);
                        let save_label = format!("Save tax rule for {}", w.name);
                        view! {
                            <tr>
                                <th scope="row">{w.name.clone()}</th>
                                <td>{w.tax_region.clone()}</td>
                                <td>{w.tax_rate.clone()}</td>
                                <td>{w.tax_profile.clone().unwrap_or_else(|| "Custom rule".into())}</td>
                                {can_edit.then(|| view! {
                                    <td>
                                        <PostForm action=UpdateTaxRule::PATH then=Then::Reload class="row-form">
                                            <input type="hidden" name="workspace_id" value=w.id.clone() />
                                            <label class="sr-only" for=rate_id.clone()>{rate_label}</label>
                                            <input id=rate_id name="rate" type="text" inputmode="decimal" size="6" required value=crate::product::money::format_rate(w.tax_rate_bp).trim_end_matches('%').to_string() />
                                            <label class="sr-only" for=region_id.clone()>{region_label}</label>
                                            <input id=region_id name="region" type="text" size="6" required value=w.tax_region.clone() />
                                            <button type="submit" aria-label=save_label>"Save"</button>
                                        </PostForm>
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h2>"Tax profiles"</h2>
            {if page.profiles.is_empty() {
                view! { <p class="empty">"No saved tax profiles."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {page.profiles.into_iter().map(|p| view! { <li>{format!("{} — {} ({})", p.name, p.rate, p.region)}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </crate::ui::Loaded>
    }
}
