//! Billing › Invoices: list, detail, and issuing a new invoice. Totals are
//! computed from line items and the rate the invoice was issued with, in
//! integer cents.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: String,
    pub number: String,
    pub workspace: String,
    pub issued_on: String,
    pub status: String,
    pub bill_to_name: crate::masking::Shown,
    pub subtotal: String,
    pub tax_rate: String,
    pub tax: String,
    pub total: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineDto {
    pub description: String,
    pub quantity: i32,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDetail {
    pub summary: InvoiceSummary,
    pub bill_to_address: crate::masking::Shown,
    pub lines: Vec<InvoiceLineDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicesPage {
    pub invoices: Vec<InvoiceSummary>,
    /// Workspaces to issue from, when the viewer may issue invoices.
    pub workspaces: Vec<(String, String)>,
    pub can_issue: bool,
    pub can_export: bool,
}

#[server(prefix = "/api", endpoint = "product_invoices")]
pub async fn product_invoices() -> Result<InvoicesPage, AppError> {
    crate::error::respond(server::invoices_page().await)
}

#[server(prefix = "/api", endpoint = "product_invoice")]
pub async fn product_invoice(id: String) -> Result<InvoiceDetail, AppError> {
    crate::error::respond(server::invoice(id).await)
}

/// Issues an invoice with one line, at the workspace's current tax rate.
#[server(prefix = "/api", endpoint = "create_invoice")]
pub async fn create_invoice(
    workspace_id: String,
    bill_to_name: String,
    bill_to_address: String,
    description: String,
    quantity: String,
    unit_price: String,
) -> Result<String, AppError> {
    crate::error::respond(
        server::create_invoice(
            workspace_id,
            bill_to_name,
            bill_to_address,
            description,
            quantity,
            unit_price,
        )
        .await,
    )
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::access::context::AccessContext;
    use crate::audit::Kind;
    use crate::error::parse_id;
    use crate::masking::shown;
    use crate::product::money::{format_money, format_rate, parse_amount, tax_cents};
    use crate::product::ProductPermission;
    use serde_json::json;
    use uuid::Uuid;

    pub(crate) struct InvoiceRow {
        pub id: Uuid,
        pub number: String,
        pub workspace: String,
        pub issued_on: chrono::NaiveDate,
        pub status: String,
        pub bill_to_name: String,
        pub bill_to_address: String,
        pub tax_rate_bp: i32,
        pub currency: String,
        pub subtotal_cents: i64,
    }

    pub(crate) fn summary(ctx: &AccessContext, r: &InvoiceRow) -> InvoiceSummary {
        let tax = tax_cents(r.subtotal_cents, r.tax_rate_bp);
        InvoiceSummary {
            id: r.id.to_string(),
            number: r.number.clone(),
            workspace: r.workspace.clone(),
            issued_on: r.issued_on.format("%-d %b %Y").to_string(),
            status: r.status.clone(),
            bill_to_name: shown(
                ctx.audience(),
                "invoices",
                "bill_to_name",
                Some(&r.bill_to_name),
            ),
            subtotal: format_money(r.subtotal_cents, &r.currency),
            tax_rate: format_rate(r.tax_rate_bp),
            tax: format_money(tax, &r.currency),
            total: format_money(r.subtotal_cents + tax, &r.currency),
        }
    }

    /// All invoices of the viewer's account, newest first (optionally one).
    pub(crate) async fn load(
        db: &mut sqlx::PgConnection,
        ctx: &AccessContext,
        only: Option<Uuid>,
    ) -> Result<Vec<InvoiceRow>, AppError> {
        let account_id = ctx.account_id();
        let rows = sqlx::query!(
            r#"select i.id, i.number, w.name as workspace, i.issued_on as "issued_on: chrono::NaiveDate", i.status, i.bill_to_name,
                      i.bill_to_address, i.tax_rate_bp, i.currency,
                      coalesce((select sum(l.quantity::bigint * l.unit_price_cents)
                                from product.invoice_lines l where l.invoice_id = i.id), 0)::bigint as "subtotal!"
               from product.invoices i join product.workspaces w on w.id = i.workspace_id
               where i.account_id = $1 and ($2::uuid is null or i.id = $2)
               order by i.issued_on desc, i.number desc"#,
            account_id,
            only
        )
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| InvoiceRow {
                id: r.id,
                number: r.number,
                workspace: r.workspace,
                issued_on: r.issued_on,
                status: r.status,
                bill_to_name: r.bill_to_name,
                bill_to_address: r.bill_to_address,
                tax_rate_bp: r.tax_rate_bp,
                currency: r.currency,
                subtotal_cents: r.subtotal,
            })
            .collect())
    }

    pub async fn invoices_page() -> Result<InvoicesPage, AppError> {
        let ctx = AccessContext::current().await?;
        let mut db = ctx
            .view(ProductPermission::ViewAccount, "Billing › Invoices")
            .await?;
        let rows = load(db.conn(), &ctx, None).await?;
        let can_issue = ctx.can(ProductPermission::ManageBilling);
        let workspaces = if can_issue {
            crate::product::workspaces::server::load_workspaces(db.conn(), &ctx)
                .await?
                .into_iter()
                .map(|w| (w.id, format!("{} ({})", w.name, w.tax_rate)))
                .collect()
        } else {
            Vec::new()
        };
        Ok(InvoicesPage {
            invoices: rows.iter().map(|r| summary(&ctx, r)).collect(),
            workspaces,
            can_issue,
            can_export: ctx.can(ProductPermission::Export),
        })
    }

    pub async fn invoice(id: String) -> Result<InvoiceDetail, AppError> {
        let ctx = AccessContext::current().await?;
        ctx.require(ProductPermission::ViewAccount)?;
        let id = parse_id(&id)?;
        let account_id = ctx.account_id();
        let mut db = ctx
            .view_named(ProductPermission::ViewAccount, move |conn| {
                // Only the number the event names: the invoice itself is
                // read after its view is on the record.
                Box::pin(async move {
                    let number = sqlx::query_scalar!(
                        "select number from product.invoices where account_id = $1 and id = $2",
                        account_id,
                        id
                    )
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(AppError::NotFound)?;
                    Ok::<_, AppError>(format!("Billing › Invoices › {number}"))
                })
            })
            .await?;
        let row = load(db.conn(), &ctx, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        let lines = sqlx::query!(
            "select description, quantity, unit_price_cents from product.invoice_lines where invoice_id = $1 order by position",
            row.id
        )
        .fetch_all(db.conn())
        .await?
        .into_iter()
        .map(|l| InvoiceLineDto {
            description: l.description,
            quantity: l.quantity,
            unit_price: format_money(l.unit_price_cents, &row.currency),
            amount: format_money(l.unit_price_cents * i64::from(l.quantity), &row.currency),
        })
        .collect();
        Ok(InvoiceDetail {
            summary: summary(&ctx, &row),
            bill_to_address: shown(
                ctx.audience(),
                "invoices",
                "bill_to_address",
                Some(&row.bill_to_address),
            ),
            lines,
        })
    }

    fn text(value: &str, what: &str, max: usize, required: bool) -> Result<String, AppError> {
        let value = value.trim();
        if required && value.is_empty() {
            return Err(AppError::Invalid(format!("Enter {what}.")));
        }
        if value.chars().count() > max {
            return Err(AppError::Invalid(format!(
                "{what} can have at most {max} characters."
            )));
        }
        Ok(value.to_string())
    }

    pub async fn create_invoice(
        workspace_id: String,
        bill_to_name: String,
        bill_to_address: String,
        description: String,
        quantity: String,
        unit_price: String,
    ) -> Result<String, AppError> {
        let ctx = AccessContext::current().await?;
        let mut change = ctx
            .change(ProductPermission::ManageBilling, "Invoices (issuing one)")
            .await?;
        let workspace_id = parse_id(&workspace_id)?;
        let bill_to_name = text(&bill_to_name, "who the invoice is for", 200, true)?;
        let bill_to_address = text(&bill_to_address, "The address", 500, false)?;
        let description = text(&description, "a description", 300, true)?;
        let quantity: i32 = quantity
            .trim()
            .parse()
            .ok()
            .filter(|q| (1..=1_000_000).contains(q))
            .ok_or_else(|| {
                AppError::Invalid("Quantity must be a whole number from 1 to 1,000,000.".into())
            })?;
        let unit_price_cents = parse_amount(&unit_price).map_err(AppError::Invalid)?;
        if unit_price_cents
            .checked_mul(i64::from(quantity))
            .is_none_or(|t| t > 100_000_000_000)
        {
            return Err(AppError::Invalid(
                "An invoice line can total at most 1,000,000,000.00.".into(),
            ));
        }

        let workspace = sqlx::query!(
            "select name, tax_rate_bp from product.workspaces where id = $1 and account_id = $2",
            workspace_id,
            ctx.account_id()
        )
        .fetch_optional(change.conn())
        .await?
        .ok_or(AppError::NotFound)?;
        // Numbers run per account: INV-<year>-<n>.
        let today = ctx.now().date_naive();
        let count: i64 = sqlx::query_scalar!(
            r#"select count(*) as "n!" from product.invoices where account_id = $1"#,
            ctx.account_id()
        )
        .fetch_one(change.conn())
        .await?;
        let number = format!("INV-{}-{:04}", today.format("%Y"), count + 1);
        let id = Uuid::new_v4();
        sqlx::query!(
            r#"insert into product.invoices (id, account_id, workspace_id, number, issued_on, status, bill_to_name, bill_to_address, tax_rate_bp)
               values ($1, $2, $3, $4, $5, 'open', $6, $7, $8)"#,
            id,
            ctx.account_id(),
            workspace_id,
            number,
            today as _,
            bill_to_name,
            bill_to_address,
            workspace.tax_rate_bp
        )
        .execute(change.conn())
        .await?;
        sqlx::query!(
            "insert into product.invoice_lines (id, invoice_id, position, description, quantity, unit_price_cents) values ($1, $2, 1, $3, $4, $5)",
            Uuid::new_v4(),
            id,
            description,
            quantity,
            unit_price_cents
        )
        .execute(change.conn())
        .await?;
        let subtotal = unit_price_cents * i64::from(quantity);
        let total = subtotal + tax_cents(subtotal, workspace.tax_rate_bp);
        change
            .record(
                Kind::InvoiceIssued,
                json!({
                    "invoice_id": id,
                    "number": number,
                    "total_cents": total,
                    "total": format_money(total, "EUR"),
                    "workspace": workspace.name,
                    "tax_rate_bp": workspace.tax_rate_bp,
                    "tax": format_rate(workspace.tax_rate_bp),
                }),
            )
            .await?;
        change.commit().await?;
        Ok(format!(
            "Invoice {number} was issued for {}.",
            format_money(total, "EUR")
        ))
    }
}

/// `/app/billing/invoices`
#[component]
pub fn InvoicesPageView() -> impl IntoView {
    let data = Resource::new(|| (), |_| product_invoices());
    view! {
        <h1>"Invoices"</h1>
        <crate::ui::Loaded resource=data let:page>
            {page.can_export.then(|| view! {
                <form class="actions" method="post" action="/app/export/invoices.csv"><button type="submit">"Download invoices (CSV)"</button></form>
            })}
            {if page.invoices.is_empty() {
                view! { <p class="empty">"No invoices yet."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"Invoice"</th><th scope="col">"Workspace"</th><th scope="col">"Issued"</th>
                            <th scope="col">"Bill to"</th><th scope="col">"Status"</th><th scope="col">"Subtotal"</th>
                            <th scope="col">"Tax rate"</th><th scope="col">"Tax"</th><th scope="col">"Total"</th>
                        </tr></thead>
                        <tbody>
                            {page.invoices.into_iter().map(|i| view! {
                                <tr>
                                    <td><a href=format!("/app/billing/invoices/{}", i.id)>{i.number}</a></td>
                                    <td>{i.workspace}</td><td>{i.issued_on}</td><td>{i.bill_to_name}</td><td>{i.status}</td>
                                    <td class="num">{i.subtotal}</td><td class="num">{i.tax_rate}</td><td class="num">{i.tax}</td><td class="num">{i.total}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {page.can_issue.then(|| view! { <IssueInvoiceForm workspaces=page.workspaces.clone() /> })}
        </crate::ui::Loaded>
    }
}

#[component]
fn IssueInvoiceForm(workspaces: Vec<(String, String)>) -> impl IntoView {
    use crate::ui::{PostForm, Then};
    use leptos::server_fn::ServerFn;
    view! {
        <h2>"Issue an invoice"</h2>
        <PostForm action=CreateInvoice::PATH then=Then::Reload class="stack narrow" label="Issue an invoice">
            <label for="inv-workspace">"Workspace"</label>
            <select id="inv-workspace" name="workspace_id" required>
                {workspaces.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
            </select>
            <label for="inv-name">"Bill to"</label>
            <input id="inv-name" name="bill_to_name" type="text" required maxlength="200" />
            <label for="inv-address">"Billing address"</label>
            <input id="inv-address" name="bill_to_address" type="text" maxlength="500" />
            <label for="inv-description">"Description"</label>
            <input id="inv-description" name="description" type="text" required maxlength="300" />
            <label for="inv-quantity">"Quantity"</label>
            <input id="inv-quantity" name="quantity" type="number" min="1" value="1" required />
            <label for="inv-price">"Unit price"</label>
            <input id="inv-price" name="unit_price" type="text" inputmode="decimal" required />
            <button type="submit" class="primary">"Issue invoice"</button>
        </PostForm>
    }
}

/// `/app/billing/invoices/:id`
#[component]
pub fn InvoiceDetailPage() -> impl IntoView {
    let id = crate::ui::route_param("id");
    view! { <InvoiceDetailPanel id /> }
}

#[component]
fn InvoiceDetailPanel(id: String) -> impl IntoView {
    let data = Resource::new(move || id.clone(), product_invoice);
    view! {
        <p><a href="/app/billing/invoices">"← All invoices"</a></p>
        <crate::ui::Loaded resource=data let:inv>
            <h1>{format!("Invoice {}", inv.summary.number)}</h1>
            <dl class="facts">
                <dt>"Workspace"</dt><dd>{inv.summary.workspace.clone()}</dd>
                <dt>"Issued"</dt><dd>{inv.summary.issued_on.clone()}</dd>
                <dt>"Status"</dt><dd>{inv.summary.status.clone()}</dd>
                <dt>"Bill to"</dt><dd>{inv.summary.bill_to_name.clone()}</dd>
                <dt>"Address"</dt><dd>{inv.bill_to_address.clone()}</dd>
            </dl>
            <table>
                <thead><tr><th scope="col">"Description"</th><th scope="col">"Quantity"</th><th scope="col">"Unit price"</th><th scope="col">"Amount"</th></tr></thead>
                <tbody>
                    {inv.lines.into_iter().map(|l| view! {
                        <tr><td>{l.description}</td><td class="num">{l.quantity}</td><td class="num">{l.unit_price}</td><td class="num">{l.amount}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3">"Subtotal"</th><td class="num">{inv.summary.subtotal.clone()}</td></tr>
                    <tr><th scope="row" colspan="3">{format!("Tax ({})", inv.summary.tax_rate)}</th><td class="num">{inv.summary.tax.clone()}</td></tr>
                    <tr><th scope="row" colspan="3">"Total"</th><td class="num"><strong>{inv.summary.total.clone()}</strong></td></tr>
                </tfoot>
            </table>
        </crate::ui::Loaded>
    }
}
