//! Customer users and their accounts (the product side's people).

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod directory;
#[cfg(feature = "ssr")]
pub mod repo;

/// A customer user's role inside their one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRole {
    Owner,
    BillingAdmin,
    Admin,
    Member,
}

impl CustomerRole {
    pub const ALL: [CustomerRole; 4] = [
        CustomerRole::Owner,
        CustomerRole::BillingAdmin,
        CustomerRole::Admin,
        CustomerRole::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CustomerRole::Owner => "owner",
            CustomerRole::BillingAdmin => "billing_admin",
            CustomerRole::Admin => "admin",
            CustomerRole::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CustomerRole::Owner => "Owner",
            CustomerRole::BillingAdmin => "Billing admin",
            CustomerRole::Admin => "Admin",
            CustomerRole::Member => "Member",
        }
    }
}

impl std::str::FromStr for CustomerRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CustomerRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown customer role {s:?}"))
    }
}

/// An account's support-access policy, chosen by its owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportAccess {
    Allow,
    AskOwner,
    Off,
}

impl SupportAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportAccess::Allow => "allow",
            SupportAccess::AskOwner => "ask_owner",
            SupportAccess::Off => "off",
        }
    }

    /// The policy in words, as staff read it.
    pub fn words(self) -> &'static str {
        match self {
            SupportAccess::Allow => "Allow support access",
            SupportAccess::AskOwner => "Ask the owner first",
            SupportAccess::Off => "Support access off",
        }
    }
}

impl std::str::FromStr for SupportAccess {
    type Err = String;

    /// Strict: an unknown policy is an error, never a permissive default.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            SupportAccess::Allow,
            SupportAccess::AskOwner,
            SupportAccess::Off,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| format!("unknown support-access policy {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_roles_round_trip() {
        for role in CustomerRole::ALL {
            assert_eq!(role.as_str().parse::<CustomerRole>(), Ok(role));
        }
        assert!("superuser".parse::<CustomerRole>().is_err());
    }

    #[test]
    fn unknown_policies_are_errors_not_allow() {
        for p in [
            SupportAccess::Allow,
            SupportAccess::AskOwner,
            SupportAccess::Off,
        ] {
            assert_eq!(p.as_str().parse::<SupportAccess>(), Ok(p));
        }
        assert!("".parse::<SupportAccess>().is_err());
        assert!("ALLOW".parse::<SupportAccess>().is_err());
        assert!("yes".parse::<SupportAccess>().is_err());
    }
}
