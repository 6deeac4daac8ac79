//! The product's own permission rules, per customer role. (Support sessions
//! add their own limits on top: read-only, blocked actions.)

use crate::customers::CustomerRole;
use serde::{Deserialize, Serialize};

/// Something a customer user may be allowed to do in the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductPermission {
    /// Dashboard, workspaces, invoices, tax settings, orders, team list, search.
    ViewAccount,
    /// Change tax rules and issue invoices.
    ManageBilling,
    /// See payment methods.
    ViewPaymentMethods,
    /// Invite, change roles, remove members.
    ManageTeam,
    /// Create, list and revoke API tokens.
    ManageTokens,
    /// Read and write the account's private notes.
    UseNotes,
    /// Download CSV exports.
    Export,
    /// One's own profile, password and notification settings.
    ManageOwnProfile,
}

impl ProductPermission {
    pub const ALL: [ProductPermission; 8] = [
        ProductPermission::ViewAccount,
        ProductPermission::ManageBilling,
        ProductPermission::ViewPaymentMethods,
        ProductPermission::ManageTeam,
        ProductPermission::ManageTokens,
        ProductPermission::UseNotes,
        ProductPermission::Export,
        ProductPermission::ManageOwnProfile,
    ];

    /// Whether a role holds this permission.
    pub fn allows(self, role: CustomerRole) -> bool {
        use CustomerRole::*;
        use ProductPermission::*;
        match self {
            ViewAccount | ManageOwnProfile => true,
            ManageBilling => matches!(role, Owner | BillingAdmin),
            ViewPaymentMethods | Export => matches!(role, Owner | BillingAdmin | Admin),
            ManageTeam | ManageTokens => matches!(role, Owner | Admin),
            UseNotes => matches!(role, Owner),
        }
    }

    /// Why the permission is missing, in words for the person refused.
    pub fn refusal(self) -> &'static str {
        use ProductPermission::*;
        match self {
            ViewAccount | ManageOwnProfile => "You do not have access to this account.",
            ManageBilling => "Only owners and billing admins can change billing settings.",
            ViewPaymentMethods => "Only owners, billing admins and admins can see payment methods.",
            ManageTeam => "Only owners and admins can manage the team.",
            ManageTokens => "Only owners and admins can manage API tokens.",
            UseNotes => "Only owners can read and write private notes.",
            Export => "Only owners, billing admins and admins can download exports.",
        }
    }
}

#[cfg(feature = "ssr")]
impl crate::access::context::ViewerPermission for ProductPermission {
    fn allows(self, role: CustomerRole) -> bool {
        ProductPermission::allows(self, role)
    }

    fn refusal(self) -> &'static str {
        ProductPermission::refusal(self)
    }
}

/// A role as the database stores it. Deny on doubt: a value that is not a
/// role is an error, never the least (or most) privileged role.
pub fn stored_role(text: &str) -> Result<CustomerRole, crate::error::AppError> {
    text.parse().map_err(|e: String| {
        #[cfg(feature = "ssr")]
        tracing::error!(error = %e, "a stored customer role did not decode");
        #[cfg(not(feature = "ssr"))]
        let _ = e;
        crate::error::AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerRole::*;
    use ProductPermission::*;

    #[test]
    fn permissions_per_role() {
        //                                   owner  billing admin  member
        let table: &[(ProductPermission, [bool; 4])] = &[
            (ViewAccount, [true, true, true, true]),
            (ManageBilling, [true, true, false, false]),
            (ViewPaymentMethods, [true, true, true, false]),
            (ManageTeam, [true, false, true, false]),
            (ManageTokens, [true, false, true, false]),
            (UseNotes, [true, false, false, false]),
            (Export, [true, true, true, false]),
            (ManageOwnProfile, [true, true, true, true]),
        ];
        assert_eq!(table.len(), ProductPermission::ALL.len());
        for (perm, row) in table {
            for (role, expected) in [Owner, BillingAdmin, Admin, Member].iter().zip(row) {
                assert_eq!(perm.allows(*role), *expected, "{perm:?} / {role:?}");
            }
        }
    }
}
