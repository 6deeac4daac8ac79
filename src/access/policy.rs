//! The access policy: one pure function that decides whether a support
//! request is allowed now, needs approval (and whose), or is refused — and
//! says why in words. Everything it returns is recorded with the request.

use super::{staff_role_grants, Capability};
use crate::customers::{CustomerRole, SupportAccess};
use crate::staff::StaffRole;
use serde::{Deserialize, Serialize};

/// Read-only (the default) or edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    ReadOnly,
    Edit,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read_only",
            Mode::Edit => "edit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::ReadOnly => "Read-only",
            Mode::Edit => "Edit",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "read_only" => Some(Mode::ReadOnly),
            "edit" => Some(Mode::Edit),
            _ => None,
        }
    }
}

/// Everything the policy looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    pub staff_role: StaffRole,
    pub mode: Mode,
    /// Marked sensitive by Chaperone staff.
    pub account_marked_sensitive: bool,
    pub target_role: CustomerRole,
    /// The person to view as is a staff member (never allowed).
    pub target_is_staff: bool,
    pub customer_policy: SupportAccess,
    /// The requester is already inside a support session.
    pub already_in_session: bool,
    /// Break-glass entry with an incident reference.
    pub break_glass: bool,
}

/// What the policy decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyDecision {
    Allowed {
        reasons: Vec<String>,
    },
    NeedsApproval {
        manager: bool,
        owner: bool,
        reasons: Vec<String>,
    },
    Refused {
        reasons: Vec<String>,
    },
}

impl PolicyDecision {
    pub fn code(&self) -> &'static str {
        match self {
            PolicyDecision::Allowed { .. } => "allowed",
            PolicyDecision::NeedsApproval { .. } => "needs_approval",
            PolicyDecision::Refused { .. } => "refused",
        }
    }

    pub fn reasons(&self) -> &[String] {
        match self {
            PolicyDecision::Allowed { reasons }
            | PolicyDecision::NeedsApproval { reasons, .. }
            | PolicyDecision::Refused { reasons } => reasons,
        }
    }
}

/// Whether the account is sensitive for this request: marked sensitive, or
/// the user to view as is an owner, billing admin or admin.
pub fn is_sensitive(marked: bool, target: CustomerRole) -> bool {
    marked
        || matches!(
            target,
            CustomerRole::Owner | CustomerRole::BillingAdmin | CustomerRole::Admin
        )
}

/// Decides a support request.
pub fn decide(input: &PolicyInput) -> PolicyDecision {
    let refuse = |why: &str| PolicyDecision::Refused {
        reasons: vec![why.to_string()],
    };
    if input.already_in_session {
        return refuse("You are already in a support session. End it before starting another.");
    }
    if input.target_is_staff {
        return refuse("Staff members cannot be viewed as.");
    }
    if !staff_role_grants(input.staff_role, Capability::RequestReadOnlySession) {
        return refuse("Your role cannot open support sessions.");
    }
    if input.mode == Mode::Edit
        && !staff_role_grants(input.staff_role, Capability::RequestEditSession)
    {
        return refuse(
            "Your role can open read-only sessions only. Ask a senior agent for edit access.",
        );
    }
    if input.break_glass && !staff_role_grants(input.staff_role, Capability::BreakGlass) {
        return refuse("Only on-call engineers can use break-glass entry.");
    }
    if input.customer_policy == SupportAccess::Off {
        return refuse("The customer has turned support access off for this account.");
    }
    if input.break_glass {
        return PolicyDecision::Allowed {
            reasons: vec![
                "Break-glass entry during an incident: no approval waited for.".into(),
                "Managers and the account's owners are notified now, and the session must be reviewed.".into(),
            ],
        };
    }
    let mut reasons = Vec::new();
    let mut manager = false;
    if input.account_marked_sensitive {
        manager = true;
        reasons.push("The account is marked sensitive.".to_string());
    }
    if matches!(
        input.target_role,
        CustomerRole::Owner | CustomerRole::BillingAdmin | CustomerRole::Admin
    ) {
        manager = true;
        let who = match input.target_role {
            CustomerRole::Owner => "an owner",
            CustomerRole::BillingAdmin => "a billing admin",
            _ => "an admin",
        };
        reasons.push(format!("The user to view as is {who} of the account."));
    }
    if input.mode == Mode::Edit {
        manager = true;
        reasons.push("Edit access needs a manager's approval.".to_string());
    }
    let owner = input.customer_policy == SupportAccess::AskOwner;
    if owner {
        reasons.push(
            "The customer asks to be asked first: an owner of the account must approve."
                .to_string(),
        );
    }
    if manager || owner {
        PolicyDecision::NeedsApproval {
            manager,
            owner,
            reasons,
        }
    } else {
        PolicyDecision::Allowed {
            reasons: vec![
                "Read-only access to a non-sensitive user: allowed without approval.".into(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerRole::{BillingAdmin, Member, Owner};
    use StaffRole::{Agent, Auditor, Engineer, Manager, SeniorAgent};

    fn input(staff_role: StaffRole, mode: Mode, target_role: CustomerRole) -> PolicyInput {
        PolicyInput {
            staff_role,
            mode,
            account_marked_sensitive: false,
            target_role,
            target_is_staff: false,
            customer_policy: SupportAccess::Allow,
            already_in_session: false,
            break_glass: false,
        }
    }

    /// (staff role, mode, target role, marked sensitive, customer policy) → decision code, manager, owner
    type Row = (
        StaffRole,
        Mode,
        CustomerRole,
        bool,
        SupportAccess,
        &'static str,
        bool,
        bool,
    );

    #[test]
    fn the_policy_table() {
        use SupportAccess::*;
        let rows: &[Row] = &[
            (
                Agent,
                Mode::ReadOnly,
                Member,
                false,
                Allow,
                "allowed",
                false,
                false,
            ),
            (
                Agent,
                Mode::ReadOnly,
                Owner,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                Agent,
                Mode::ReadOnly,
                BillingAdmin,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                Agent,
                Mode::ReadOnly,
                CustomerRole::Admin,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                Agent,
                Mode::ReadOnly,
                Member,
                true,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                Agent,
                Mode::ReadOnly,
                Member,
                false,
                AskOwner,
                "needs_approval",
                false,
                true,
            ),
            (
                Agent,
                Mode::ReadOnly,
                Owner,
                false,
                AskOwner,
                "needs_approval",
                true,
                true,
            ),
            (
                Agent,
                Mode::ReadOnly,
                Member,
                false,
                Off,
                "refused",
                false,
                false,
            ),
            (
                Agent,
                Mode::Edit,
                Member,
                false,
                Allow,
                "refused",
                false,
                false,
            ),
            (
                SeniorAgent,
                Mode::Edit,
                Member,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                SeniorAgent,
                Mode::Edit,
                Owner,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                SeniorAgent,
                Mode::ReadOnly,
                Member,
                false,
                Allow,
                "allowed",
                false,
                false,
            ),
            (
                Engineer,
                Mode::Edit,
                Member,
                false,
                Allow,
                "needs_approval",
                true,
                false,
            ),
            (
                Engineer,
                Mode::ReadOnly,
                Member,
                false,
                Off,
                "refused",
                false,
                false,
            ),
            (
                Manager,
                Mode::ReadOnly,
                Member,
                false,
                Allow,
                "allowed",
                false,
                false,
            ),
            (
                Manager,
                Mode::Edit,
                Member,
                false,
                Allow,
                "refused",
                false,
                false,
            ),
            (
                Auditor,
                Mode::ReadOnly,
                Member,
                false,
                Allow,
                "refused",
                false,
                false,
            ),
            (
                StaffRole::Admin,
                Mode::ReadOnly,
                Member,
                false,
                Allow,
                "refused",
                false,
                false,
            ),
        ];
        for (role, mode, target, marked, policy, code, manager, owner) in rows {
            let mut i = input(*role, *mode, *target);
            i.account_marked_sensitive = *marked;
            i.customer_policy = *policy;
            let d = decide(&i);
            assert_eq!(d.code(), *code, "{i:?} → {d:?}");
            assert!(!d.reasons().is_empty(), "every decision says why: {i:?}");
            if let PolicyDecision::NeedsApproval {
                manager: m,
                owner: o,
                ..
            } = d
            {
                assert_eq!((m, o), (*manager, *owner), "{i:?}");
            }
        }
    }

    #[test]
    fn break_glass_is_for_engineers_and_never_into_an_account_that_said_off() {
        let mut i = input(Engineer, Mode::Edit, Owner);
        i.break_glass = true;
        i.account_marked_sensitive = true;
        i.customer_policy = SupportAccess::AskOwner;
        assert_eq!(decide(&i).code(), "allowed");
        i.customer_policy = SupportAccess::Off;
        assert_eq!(decide(&i).code(), "refused");
        let mut j = input(SeniorAgent, Mode::ReadOnly, Member);
        j.break_glass = true;
        assert_eq!(decide(&j).code(), "refused");
    }

    #[test]
    fn nobody_opens_a_second_session_or_views_as_staff() {
        let mut i = input(Manager, Mode::ReadOnly, Member);
        i.already_in_session = true;
        assert_eq!(decide(&i).code(), "refused");
        let mut j = input(Agent, Mode::ReadOnly, Member);
        j.target_is_staff = true;
        assert_eq!(decide(&j).code(), "refused");
    }

    #[test]
    fn sensitivity_follows_the_target_role() {
        assert!(is_sensitive(false, Owner));
        assert!(is_sensitive(false, BillingAdmin));
        assert!(is_sensitive(false, CustomerRole::Admin));
        assert!(!is_sensitive(false, Member));
        assert!(is_sensitive(true, Member));
    }
}
