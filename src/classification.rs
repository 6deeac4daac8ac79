//! The data-classification registry: every column of every table in the
//! `product` schema has a class. A test compares this list with the live
//! schema, so no column is born unclassified. The masking work enforces the
//! classes everywhere; until then nothing outside sign-in reads these tables.

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
    ("accounts", "created_at", DataClass::Public),
    ("accounts", "updated_at", DataClass::Public),
    ("users", "id", DataClass::Public),
    ("users", "account_id", DataClass::Public),
    ("users", "email", DataClass::Contact),
    ("users", "name", DataClass::Public),
    ("users", "role", DataClass::Public),
    ("users", "password_hash", DataClass::Secret),
    ("users", "time_zone", DataClass::Public),
    ("users", "created_at", DataClass::Public),
    ("users", "updated_at", DataClass::Public),
];

/// The class of a product column; a column nobody classified is secret.
pub fn class_of(table: &str, column: &str) -> DataClass {
    PRODUCT_COLUMNS
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, class)| *class)
        .unwrap_or(DataClass::Secret)
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
