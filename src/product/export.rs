//! Exports: CSV downloads of invoices and orders (a bulk download, so it is
//! recorded, and the support-sessions work blocks it inside sessions unless
//! approved for that one action).

/// Paths of the downloads.
pub const INVOICES_CSV: &str = "/app/export/invoices.csv";
pub const ORDERS_CSV: &str = "/app/export/orders.csv";

/// One CSV field: always quoted, quotes doubled, and a leading character a
/// spreadsheet would treat as a formula neutralised with an apostrophe.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

pub fn csv_row(fields: &[&str]) -> String {
    let mut row = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    row.push_str("\r\n");
    row
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::access::CurrentActor;
    use crate::audit;
    use crate::error::AppError;
    use crate::product::viewer::ProductViewer;
    use crate::product::ProductPermission;
    use crate::startup::AppState;
    use axum::extract::State;
    use axum::response::{IntoResponse, Response};
    use axum::Extension;
    use http::{header, StatusCode};
    use serde_json::json;

    fn refuse(err: AppError) -> Response {
        let status =
            StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            err.to_string(),
        )
            .into_response()
    }

    async fn export(
        state: AppState,
        actor: CurrentActor,
        what: &'static str,
    ) -> Result<Response, AppError> {
        let viewer =
            ProductViewer::from_actor(actor.0.ok_or(AppError::Unauthenticated)?, state.clone())?;
        viewer.require(ProductPermission::Export)?;
        viewer
            .require_unblocked(crate::product::viewer::BlockedAction::Export)
            .await?;
        // Build the file from the same DTOs the pages show: masking applies.
        let (body, rows) = build(&state.pool, &viewer, what).await?;
        let mut tx = state.pool.begin().await?;
        audit::append(
            &mut tx,
            viewer.event(
                "product.exported",
                format!(
                    "{} downloaded {what} as CSV ({rows} rows) from {}",
                    viewer.actor.display_name(),
                    viewer.account_name
                ),
                json!({ "what": what, "rows": rows }),
            ),
        )
        .await?;
        tx.commit().await?;
        let filename = format!(
            "{}-{what}.csv",
            viewer
                .account_name
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
        pool: &sqlx::PgPool,
        viewer: &ProductViewer,
        what: &str,
    ) -> Result<(String, usize), AppError> {
        let mut out = String::new();
        let rows;
        if what == "invoices" {
            let invoices = crate::product::invoices::server::load(pool, viewer, None).await?;
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
                let s = crate::product::invoices::server::summary(viewer, row);
                out.push_str(&csv_row(&[
                    &s.number,
                    &s.workspace,
                    &s.issued_on,
                    &s.status,
                    &s.bill_to_name,
                    &s.subtotal,
                    &s.tax_rate,
                    &s.tax,
                    &s.total,
                ]));
            }
            rows = invoices.len();
        } else {
            let orders = crate::product::orders::server::load(pool, viewer).await?;
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
    ) -> Response {
        export(state, actor, "invoices")
            .await
            .unwrap_or_else(refuse)
    }

    pub async fn orders_csv(
        State(state): State<AppState>,
        Extension(actor): Extension<CurrentActor>,
    ) -> Response {
        export(state, actor, "orders").await.unwrap_or_else(refuse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Acme \"Co\""), "\"Acme \"\"Co\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "\"'-5\"");
        assert_eq!(csv_row(&["a", "b"]), "\"a\",\"b\"\r\n");
    }
}
