//! The dashboard: plan, limits and usage, region, onboarding, feature flags.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a plan allows; `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub workspaces: Option<i64>,
    pub seats: Option<i64>,
}

pub fn plan_limits(plan: &str) -> PlanLimits {
    match plan {
        "starter" => PlanLimits {
            workspaces: Some(2),
            seats: Some(5),
        },
        "growth" => PlanLimits {
            workspaces: Some(10),
            seats: Some(25),
        },
        _ => PlanLimits {
            workspaces: None,
            seats: None,
        },
    }
}

/// The onboarding steps, in order: (key, what the customer reads).
pub const ONBOARDING_STEPS: &[(&str, &str)] = &[
    ("workspace", "Create a workspace"),
    ("tax", "Set up tax rules"),
    ("payment_method", "Add a payment method"),
    ("team", "Invite your team"),
    ("first_invoice", "Issue your first invoice"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub what: String,
    pub used: i64,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub account_name: String,
    pub user_name: String,
    pub role_label: String,
    pub plan: String,
    pub region: String,
    pub usage: Vec<Usage>,
    pub onboarding: Vec<(String, bool)>,
    pub feature_flags: Vec<String>,
}

#[server(prefix = "/api", endpoint = "product_dashboard")]
pub async fn product_dashboard() -> Result<Dashboard, AppError> {
    crate::error::respond(server::dashboard().await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::product::ProductPermission;

    pub async fn dashboard() -> Result<Dashboard, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ViewAccount, "Dashboard")
            .await?;
        let a = sqlx::query!(
            r#"select a.plan, a.region, a.onboarding_steps_done, a.feature_flags,
                      (select count(*) from product.workspaces w where w.account_id = a.id) as "workspaces!",
                      (select count(*) from product.users u where u.account_id = a.id)
                        + (select count(*) from product.invitations i where i.account_id = a.id) as "seats!",
                      (select count(*) from product.invoices i where i.account_id = a.id) as "invoices!"
               from product.accounts a where a.id = $1"#,
            ctx.account_id()
        )
        .fetch_optional(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        let limits = plan_limits(&a.plan);
        Ok(Dashboard {
            account_name: ctx.account_name().to_string(),
            user_name: ctx.viewed().user_name.clone(),
            role_label: ctx.role().label().into(),
            plan: a.plan,
            region: a.region.to_uppercase(),
            usage: vec![
                Usage {
                    what: "Workspaces".into(),
                    used: a.workspaces,
                    limit: limits.workspaces,
                },
                Usage {
                    what: "Seats".into(),
                    used: a.seats,
                    limit: limits.seats,
                },
                Usage {
                    what: "Invoices issued".into(),
                    used: a.invoices,
                    limit: None,
                },
            ],
            onboarding: ONBOARDING_STEPS
                .iter()
                .map(|(key, label)| {
                    (
                        label.to_string(),
                        a.onboarding_steps_done.iter().any(|d| d == key),
                    )
                })
                .collect(),
            feature_flags: a.feature_flags,
        })
    }
}

/// `/app`
#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_dashboard());
    view! {
        <crate::ui::Loaded resource=data let:d>
            <h1>{d.account_name.clone()}</h1>
            <p>{format!("Welcome back, {}. You are the account's {}.", d.user_name, d.role_label.to_lowercase())}</p>
            <section class="cards">
                <div class="panel">
                    <h2>"Plan"</h2>
                    <p class="big">{d.plan.clone()}</p>
                    <p class="muted">{format!("Region: {}", d.region)}</p>
                </div>
                <div class="panel">
                    <h2>"Usage"</h2>
                    <ul class="plain">
                        {d.usage.into_iter().map(|u| view! {
                            <li>{match u.limit {
                                Some(limit) => format!("{}: {} of {limit}", u.what, u.used),
                                None => format!("{}: {}", u.what, u.used),
                            }}</li>
                        }).collect_view()}
                    </ul>
                </div>
                <div class="panel">
                    <h2>"Getting started"</h2>
                    <ul class="plain checklist">
                        {d.onboarding.into_iter().map(|(step, done)| view! {
                            <li class:done=done>{if done { "✓ " } else { "○ " }}{step}{(!done).then_some(" (not done yet)")}</li>
                        }).collect_view()}
                    </ul>
                </div>
                <div class="panel">
                    <h2>"Features"</h2>
                    {if d.feature_flags.is_empty() {
                        view! { <p class="muted">"No optional features are turned on."</p> }.into_any()
                    } else {
                        view! { <ul class="plain">{d.feature_flags.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> }.into_any()
                    }}
                </div>
            </section>
        </crate::ui::Loaded>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_have_limits_and_enterprise_is_unlimited() {
        assert_eq!(plan_limits("starter").seats, Some(5));
        assert_eq!(plan_limits("growth").workspaces, Some(10));
        assert_eq!(
            plan_limits("enterprise"),
            PlanLimits {
                workspaces: None,
                seats: None
            }
        );
    }
}
