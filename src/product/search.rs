//! Search inside the product: invoices, orders and members of the viewer's
//! account, with every value presented through the same masking as pages.

use crate::error::AppError;
use crate::ui::use_query_map;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// "Invoice", "Order" or "Member".
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub href: Option<String>,
}

#[server(prefix = "/api", endpoint = "product_search")]
pub async fn product_search(q: String) -> Result<Vec<SearchHit>, AppError> {
    crate::error::respond(server::search(q).await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::masking::shown;
    use crate::product::money::format_money;
    use crate::product::ProductPermission;

    pub async fn search(q: String) -> Result<Vec<SearchHit>, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx.view(ProductPermission::ViewAccount, "Search").await?;
        let q = q.trim();
        if q.chars().count() < 2 {
            return Err(AppError::Invalid(
                "Type at least two characters to search.".into(),
            ));
        }
        if q.chars().count() > 100 {
            return Err(AppError::Invalid(
                "Searches can be at most 100 characters.".into(),
            ));
        }
        let pattern = crate::db::like_pattern(q);
        // Support sees contact data masked: it must not be able to rebuild it
        // by searching prefix after prefix.
        let contact = ctx.audience() == crate::masking::Audience::Customer;
        let a = ctx.audience();
        let mut hits = Vec::new();
        for r in sqlx::query!(
            r#"select id, number, bill_to_name, issued_on as "issued_on: chrono::NaiveDate" from product.invoices
               where account_id = $1 and (number ilike $2 or ($3 and bill_to_name ilike $2))
               order by issued_on desc limit 20"#,
            ctx.account_id(),
            pattern,
            contact
        )
        .fetch_all(db.conn())
        .await?
        {
            hits.push(SearchHit {
                kind: "Invoice".into(),
                title: r.number,
                detail: format!("{} · {}", shown(a, "invoices", "bill_to_name", Some(&r.bill_to_name)), r.issued_on.format("%-d %b %Y")),
                href: Some(format!("/app/billing/invoices/{}", r.id)),
            });
        }
        for r in sqlx::query!(
            r#"select number, description, amount_cents, currency from product.orders
               where account_id = $1 and (number ilike $2 or description ilike $2)
               order by placed_at desc limit 20"#,
            ctx.account_id(),
            pattern
        )
        .fetch_all(db.conn())
        .await?
        {
            hits.push(SearchHit {
                kind: "Order".into(),
                title: r.number,
                detail: format!(
                    "{} · {}",
                    r.description,
                    format_money(r.amount_cents, &r.currency)
                ),
                href: Some("/app/orders".into()),
            });
        }
        for r in sqlx::query!(
            r#"select name, email, role from product.users
               where account_id = $1 and (name ilike $2 or ($3 and email ilike $2))
               order by name limit 20"#,
            ctx.account_id(),
            pattern,
            contact
        )
        .fetch_all(db.conn())
        .await?
        {
            let role = crate::product::permissions::stored_role(&r.role)?.label();
            hits.push(SearchHit {
                kind: "Member".into(),
                title: r.name,
                detail: format!("{} · {role}", shown(a, "users", "email", Some(&r.email))),
                href: Some("/app/team".into()),
            });
        }
        Ok(hits)
    }
}

/// `/app/search?q=…`
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            Ok(None)
        } else {
            product_search(q).await.map(Some)
        }
    });
    view! {
        <h1>"Search"</h1>
        <form method="get" action="/app/search" class="search-form" role="search">
            <label for="search-q">"Search invoices, orders and members"</label>
            <input id="search-q" name="q" type="search" value=q minlength="2" maxlength="100" />
            <button type="submit">"Search"</button>
        </form>
        <crate::ui::Loaded resource=results let:hits>
            {match hits {
                None => view! { <p class="muted">"Type an invoice number, a name, an email or an order description."</p> }.into_any(),
                Some(hits) if hits.is_empty() => view! { <p class="empty">"Nothing matches."</p> }.into_any(),
                Some(hits) => view! {
                    <ul class="hits">
                        {hits.into_iter().map(|h| view! {
                            <li>
                                <span class="tag">{h.kind}</span>" "
                                {match h.href { Some(href) => view! { <a href=href>{h.title}</a> }.into_any(), None => view! { <span>{h.title}</span> }.into_any() }}
                                <span class="muted">{format!(" — {}", h.detail)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </crate::ui::Loaded>
    }
}
