//! The data-classification registry: every column of every table in the
//! `product` schema has a class. A test compares this list with the live
//! schema, so no column is born unclassified. The masking work enforces the
//! classes everywhere; the product's pages already build their DTOs through
//! [`crate::masking::present`], which reads these classes.

/// How sensitive a value is (DESIGN.md, "Data classification").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataClass {
    Public,
    Contact,
    Payment,
    Secret,
    Identity,
    Private,
}

/// `(table, column, class)` for every product column.
pub const PRODUCT_COLUMNS: &[(&str, &str, DataClass)] = &[
    ("accounts", "id", DataClass::Public),
    ("accounts", "name", DataClass::Public),
    ("accounts", "domain", DataClass::Public),
    ("accounts", "plan", DataClass::Public),
    ("accounts", "region", DataClass::Public),
    ("accounts", "sensitive", DataClass::Public),
    ("accounts", "support_access", DataClass::Public),
    ("accounts", "onboarding_steps_done", DataClass::Public),
    ("accounts", "feature_flags", DataClass::Public),
    ("accounts", "created_at", DataClass::Public),
    ("accounts", "updated_at", DataClass::Public),
    ("users", "id", DataClass::Public),
    ("users", "account_id", DataClass::Public),
    ("users", "email", DataClass::Contact),
    ("users", "name", DataClass::Public),
    ("users", "role", DataClass::Public),
    ("users", "password_hash", DataClass::Secret),
    ("users", "time_zone", DataClass::Public),
    ("users", "backup_email", DataClass::Contact),
    ("users", "phone", DataClass::Contact),
    ("users", "birth_date", DataClass::Identity),
    ("users", "national_id", DataClass::Identity),
    ("users", "recovery_codes_hash", DataClass::Secret),
    ("users", "created_at", DataClass::Public),
    ("users", "updated_at", DataClass::Public),
    ("tax_profiles", "id", DataClass::Public),
    ("tax_profiles", "account_id", DataClass::Public),
    ("tax_profiles", "name", DataClass::Public),
    ("tax_profiles", "region", DataClass::Public),
    ("tax_profiles", "rate_bp", DataClass::Public),
    ("tax_profiles", "created_at", DataClass::Public),
    ("workspaces", "id", DataClass::Public),
    ("workspaces", "account_id", DataClass::Public),
    ("workspaces", "name", DataClass::Public),
    ("workspaces", "tax_region", DataClass::Public),
    ("workspaces", "tax_rate_bp", DataClass::Public),
    ("workspaces", "tax_profile_id", DataClass::Public),
    ("workspaces", "created_at", DataClass::Public),
    ("workspaces", "updated_at", DataClass::Public),
    ("invoices", "id", DataClass::Public),
    ("invoices", "account_id", DataClass::Public),
    ("invoices", "workspace_id", DataClass::Public),
    ("invoices", "number", DataClass::Public),
    ("invoices", "issued_on", DataClass::Public),
    ("invoices", "status", DataClass::Public),
    ("invoices", "bill_to_name", DataClass::Contact),
    ("invoices", "bill_to_address", DataClass::Contact),
    ("invoices", "tax_rate_bp", DataClass::Public),
    ("invoices", "currency", DataClass::Public),
    ("invoices", "created_at", DataClass::Public),
    ("invoice_lines", "id", DataClass::Public),
    ("invoice_lines", "invoice_id", DataClass::Public),
    ("invoice_lines", "position", DataClass::Public),
    ("invoice_lines", "description", DataClass::Public),
    ("invoice_lines", "quantity", DataClass::Public),
    ("invoice_lines", "unit_price_cents", DataClass::Public),
    ("payment_methods", "id", DataClass::Public),
    ("payment_methods", "account_id", DataClass::Public),
    ("payment_methods", "brand", DataClass::Public),
    ("payment_methods", "card_number", DataClass::Payment),
    ("payment_methods", "exp_month", DataClass::Public),
    ("payment_methods", "exp_year", DataClass::Public),
    ("payment_methods", "billing_email", DataClass::Contact),
    (
        "payment_methods",
        "billing_id_document",
        DataClass::Identity,
    ),
    ("payment_methods", "is_default", DataClass::Public),
    ("payment_methods", "created_at", DataClass::Public),
    ("orders", "id", DataClass::Public),
    ("orders", "account_id", DataClass::Public),
    ("orders", "number", DataClass::Public),
    ("orders", "placed_at", DataClass::Public),
    ("orders", "description", DataClass::Public),
    ("orders", "amount_cents", DataClass::Public),
    ("orders", "currency", DataClass::Public),
    ("orders", "status", DataClass::Public),
    ("orders", "payment_method_id", DataClass::Public),
    ("invitations", "id", DataClass::Public),
    ("invitations", "account_id", DataClass::Public),
    ("invitations", "email", DataClass::Contact),
    ("invitations", "role", DataClass::Public),
    ("invitations", "invited_by", DataClass::Public),
    ("invitations", "created_at", DataClass::Public),
    ("notification_settings", "user_id", DataClass::Public),
    ("notification_settings", "invoice_emails", DataClass::Public),
    (
        "notification_settings",
        "failed_payment_emails",
        DataClass::Public,
    ),
    ("notification_settings", "weekly_digest", DataClass::Public),
    ("notification_settings", "product_news", DataClass::Public),
    ("notification_settings", "updated_at", DataClass::Public),
    ("api_tokens", "id", DataClass::Public),
    ("api_tokens", "account_id", DataClass::Public),
    ("api_tokens", "created_by", DataClass::Public),
    ("api_tokens", "name", DataClass::Public),
    ("api_tokens", "token_hash", DataClass::Secret),
    ("api_tokens", "last_two", DataClass::Public),
    ("api_tokens", "created_at", DataClass::Public),
    ("api_tokens", "revoked_at", DataClass::Public),
    ("notes", "id", DataClass::Public),
    ("notes", "account_id", DataClass::Public),
    ("notes", "author_id", DataClass::Public),
    ("notes", "body", DataClass::Private),
    ("notes", "created_at", DataClass::Public),
];

/// The class of a product column; a column nobody classified is secret.
pub fn class_of(table: &str, column: &str) -> DataClass {
    PRODUCT_COLUMNS
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, class)| *class)
        .unwrap_or(DataClass::Secret)
}

/// How the registry and the live `product` schema differ.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaDiff {
    /// Live columns nobody classified (served as secret, invisible to support).
    pub unclassified: Vec<(String, String)>,
    /// Classified columns that do not exist.
    pub stale: Vec<(String, String)>,
}

/// Compares the registry with the live `product` schema, both ways.
#[cfg(feature = "ssr")]
pub async fn check_schema(db: impl sqlx::PgExecutor<'_>) -> Result<SchemaDiff, sqlx::Error> {
    use std::collections::BTreeSet;
    let live: BTreeSet<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns where table_schema = 'product'",
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .collect();
    let registry: BTreeSet<(String, String)> = PRODUCT_COLUMNS
        .iter()
        .map(|(t, c, _)| (t.to_string(), c.to_string()))
        .collect();
    Ok(SchemaDiff {
        unclassified: live.difference(&registry).cloned().collect(),
        stale: registry.difference(&live).cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclassified_columns_are_secret() {
        assert_eq!(class_of("users", "email"), DataClass::Contact);
        assert_eq!(class_of("users", "shoe_size"), DataClass::Secret);
        assert_eq!(class_of("nowhere", "id"), DataClass::Secret);
    }
}
