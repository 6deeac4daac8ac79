//! Billing › Payment methods. The stored card number is never shown in full
//! to anyone: customers see brand and last four, like agents.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodDto {
    pub id: String,
    pub brand: String,
    /// `•••• 4242`
    pub card: crate::masking::Shown,
    pub expiry: String,
    pub billing_email: crate::masking::Shown,
    /// Identity class: the customer sees it, agents do not.
    pub billing_id_document: crate::masking::Shown,
    pub is_default: bool,
}

#[server(prefix = "/api", endpoint = "product_payment_methods")]
pub async fn product_payment_methods() -> Result<Vec<PaymentMethodDto>, AppError> {
    crate::error::respond(server::payment_methods().await)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::masking::shown;
    use crate::product::ProductPermission;

    /// A payment method as read: server-only, never serialised.
    struct MethodRow {
        id: uuid::Uuid,
        brand: String,
        card_number: String,
        exp_month: i32,
        exp_year: i32,
        billing_email: String,
        billing_id_document: Option<String>,
        is_default: bool,
    }

    pub async fn payment_methods() -> Result<Vec<PaymentMethodDto>, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(
                ProductPermission::ViewPaymentMethods,
                "Billing › Payment methods",
            )
            .await?;
        // Support may not read identity documents: Postgres refuses the column.
        let rows = if ctx.session().is_some() {
            sqlx::query_as!(
                MethodRow,
                r#"select id, brand, card_number, exp_month, exp_year, billing_email,
                          null::text as billing_id_document, is_default
                   from product.payment_methods where account_id = $1 order by is_default desc, created_at"#,
                ctx.account_id()
            )
            .fetch_all(db.conn())
            .await?
        } else {
            sqlx::query_as!(
                MethodRow,
                r#"select id, brand, card_number, exp_month, exp_year, billing_email, billing_id_document, is_default
                   from product.payment_methods where account_id = $1 order by is_default desc, created_at"#,
                ctx.account_id()
            )
            .fetch_all(db.conn())
            .await?
        };
        Ok(rows
            .into_iter()
            .map(|r| PaymentMethodDto {
                id: r.id.to_string(),
                brand: r.brand,
                card: shown(
                    ctx.audience(),
                    "payment_methods",
                    "card_number",
                    Some(&r.card_number),
                ),
                expiry: format!("{:02}/{}", r.exp_month, r.exp_year),
                billing_email: shown(
                    ctx.audience(),
                    "payment_methods",
                    "billing_email",
                    Some(&r.billing_email),
                ),
                billing_id_document: shown(
                    ctx.audience(),
                    "payment_methods",
                    "billing_id_document",
                    r.billing_id_document.as_deref(),
                ),
                is_default: r.is_default,
            })
            .collect())
    }
}

/// `/app/billing/payment-methods`
#[component]
pub fn PaymentMethodsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_payment_methods());
    view! {
        <h1>"Payment methods"</h1>
        <crate::ui::Loaded resource=data let:methods>
            {if methods.is_empty() {
                view! { <p class="empty">"No payment methods on file."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Card"</th><th scope="col">"Expires"</th><th scope="col">"Billing contact"</th><th scope="col">"Billing ID document"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {methods.into_iter().map(|m| view! {
                                <tr>
                                    <td>{format!("{} {}", m.brand, m.card)}</td>
                                    <td>{m.expiry}</td>
                                    <td>{m.billing_email}</td>
                                    <td>{if m.billing_id_document.is_empty() { "—".to_string() } else { m.billing_id_document.to_string() }}</td>
                                    <td>{m.is_default.then_some("Default")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </crate::ui::Loaded>
    }
}
