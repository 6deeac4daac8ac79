//! Exports: CSV downloads of invoices and orders. A bulk download, so it is
//! recorded, asked for by POST only (a cross-site link cannot trigger it),
//! and blocked inside support sessions unless a manager approved that one
//! export.

/// Paths of the downloads.
pub const INVOICES_CSV: &str = "/app/export/invoices.csv";
pub const ORDERS_CSV: &str = "/app/export/orders.csv";

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::access::actions::BlockedAction;
    use crate::access::context::AccessContext;
    use crate::access::CurrentActor;
    use crate::audit::Kind;
    use crate::error::AppError;
    use crate::product::ProductPermission;
    use crate::state::AppState;
    use crate::ui::csv_row;
    use axum::extract::State;
    use axum::response::{IntoResponse, Response};
    use axum::Extension;
    use http::header;
    use serde_json::json;

    /// A refused download. A browser that posted the page's form is sent
    /// back to that page, with the reason at the top of it — under the
    /// support banner, in the product, as any form's error — and nothing
    /// was downloaded; any other caller gets the refusal itself.
    fn refuse(err: AppError, path: &str, back: &str, headers: &http::HeaderMap) -> Response {
        if crate::error::accepts_html(headers) {
            let encoded = leptos::server_fn::error::ServerFnUrlError::new(path, err.clone())
                .to_url(&format!("http://localhost{back}"))
                .ok()
                .map(|url| format!("{}?{}", url.path(), url.query().unwrap_or_default()));
            if let Some(target) = encoded {
                return (http::StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
            }
        }
        crate::access::guard::refusal_page(&err, back, "Back to the page you came from")
    }

    /// A download is a blocked action: in a support session it needs a
    /// one-action approval for this export, spent in the same transaction
    /// as the export's event, so a failed export leaves it unspent.
    async fn export(
        state: AppState,
        actor: CurrentActor,
        what: &'static str,
    ) -> Result<Response, AppError> {
        let ctx =
            AccessContext::for_actor(actor.0.ok_or(AppError::Unauthenticated)?, state).await?;
        let object = format!("{what}.csv");
        let mut change = ctx
            .change_blocked(
                ProductPermission::Export,
                "an export",
                BlockedAction::Export,
                &object,
            )
            .await?;
        // Build the file from the same DTOs the pages show: masking applies.
        let (body, rows) = build(change.conn(), &ctx, what).await?;
        change
            .record(Kind::ProductExported, json!({ "what": what, "rows": rows }))
            .await?;
        change.commit().await?;
        let filename = format!(
            "{}-{what}.csv",
            ctx.account_name()
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        );
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response())
    }

    async fn build(
        db: &mut sqlx::PgConnection,
        ctx: &AccessContext,
        what: &str,
    ) -> Result<(String, usize), AppError> {
        let mut out = String::new();
        let rows;
        if what == "invoices" {
            let invoices = crate::product::invoices::server::load(db, ctx, None).await?;
            out.push_str(&csv_row(&[
                "Invoice",
                "Workspace",
                "Issued",
                "Status",
                "Bill to",
                "Subtotal",
                "Tax rate",
                "Tax",
                "Total",
            ]));
            for row in &invoices {
                let s = crate::product::invoices::server::summary(ctx, row);
                out.push_str(&csv_row(&[
                    &s.number,
                    &s.workspace,
                    &s.issued_on,
                    &s.status,
                    s.bill_to_name.as_str(),
                    &s.subtotal,
                    &s.tax_rate,
                    &s.tax,
                    &s.total,
                ]));
            }
            rows = invoices.len();
        } else {
            let orders = crate::product::orders::server::load(db, ctx).await?;
            out.push_str(&csv_row(&[
                "Order",
                "Placed",
                "Description",
                "Amount",
                "Status",
                "Paid with",
            ]));
            for o in &orders {
                out.push_str(&csv_row(&[
                    &o.number,
                    &o.placed_at,
                    &o.description,
                    &o.amount,
                    &o.status,
                    o.paid_with.as_deref().unwrap_or(""),
                ]));
            }
            rows = orders.len();
        }
        Ok((out, rows))
    }

    pub async fn invoices_csv(
        State(state): State<AppState>,
        Extension(actor): Extension<CurrentActor>,
        headers: http::HeaderMap,
    ) -> Response {
        export(state, actor, "invoices")
            .await
            .unwrap_or_else(|err| refuse(err, INVOICES_CSV, "/app/billing/invoices", &headers))
    }

    pub async fn orders_csv(
        State(state): State<AppState>,
        Extension(actor): Extension<CurrentActor>,
        headers: http::HeaderMap,
    ) -> Response {
        export(state, actor, "orders")
            .await
            .unwrap_or_else(|err| refuse(err, ORDERS_CSV, "/app/orders", &headers))
    }

    /// The product's plain-HTTP routes (downloads), for the router.
    pub fn routes() -> axum::Router<AppState> {
        use axum::routing::post;
        axum::Router::new()
            .route(INVOICES_CSV, post(invoices_csv))
            .route(ORDERS_CSV, post(orders_csv))
    }
}
