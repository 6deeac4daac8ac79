//! Orders: history with amounts and the payment method used (masked).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDto {
    pub id: String,
    pub number: String,
    pub placed_at: String,
    pub description: String,
    pub amount: String,
    pub status: String,
    /// `Visa •••• 4242`, or none.
    pub paid_with: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersPage {
    pub orders: Vec<OrderDto>,
    pub can_export: bool,
}

#[server(prefix = "/api", endpoint = "product_orders")]
pub async fn product_orders() -> Result<OrdersPage, AppError> {
    crate::error::respond(server::orders_page().await)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::masking::shown;
    use crate::product::money::format_money;
    use crate::product::ProductPermission;

    pub(crate) async fn load(
        db: &mut sqlx::PgConnection,
        ctx: &AccessContext,
    ) -> Result<Vec<OrderDto>, AppError> {
        let rows = sqlx::query!(
            r#"select o.id, o.number, o.placed_at as "placed_at: chrono::DateTime<chrono::Utc>", o.description, o.amount_cents, o.currency, o.status,
                      p.brand as "brand?", p.card_number as "card_number?"
               from product.orders o left join product.payment_methods p
                    on p.id = o.payment_method_id and p.account_id = o.account_id
               where o.account_id = $1 order by o.placed_at desc"#,
            ctx.account_id()
        )
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| OrderDto {
                id: r.id.to_string(),
                number: r.number,
                placed_at: ctx.day(r.placed_at),
                description: r.description,
                amount: format_money(r.amount_cents, &r.currency),
                status: r.status,
                paid_with: match (r.brand, r.card_number) {
                    (Some(brand), Some(card)) => Some(format!(
                        "{brand} {}",
                        shown(
                            ctx.audience(),
                            "payment_methods",
                            "card_number",
                            Some(&card)
                        )
                    )),
                    _ => None,
                },
            })
            .collect())
    }

    pub async fn orders_page() -> Result<OrdersPage, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx.view(ProductPermission::ViewAccount, "Orders").await?;
        Ok(OrdersPage {
            orders: load(db.conn(), &ctx).await?,
            can_export: ctx.can(ProductPermission::Export),
        })
    }
}

/// `/app/orders`
#[component]
pub fn OrdersPageView() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_orders());
    view! {
        <h1>"Orders"</h1>
        <crate::ui::Loaded resource=data let:page>
            {page.can_export.then(|| view! {
                <form class="actions" method="post" action="/app/export/orders.csv"><button type="submit">"Download orders (CSV)"</button></form>
            })}
            {if page.orders.is_empty() {
                view! { <p class="empty">"No orders yet."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Description"</th><th scope="col">"Amount"</th><th scope="col">"Status"</th><th scope="col">"Paid with"</th></tr></thead>
                        <tbody>
                            {page.orders.into_iter().map(|o| view! {
                                <tr>
                                    <td>{o.number}</td><td>{o.placed_at}</td><td>{o.description}</td>
                                    <td class="num">{o.amount}</td><td>{o.status}</td>
                                    <td>{o.paid_with.unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </crate::ui::Loaded>
    }
}
