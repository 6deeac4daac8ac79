//! Actions blocked in every support session unless a manager approves that
//! one action for one object. The list exists once, here, and the browser
//! (the banner's form) reads the same list.

use serde::{Deserialize, Serialize};

/// An action support never takes in a session without a one-action
/// approval, whatever the session's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockedAction {
    Export,
    ResetLoginDetails,
    DeleteRecords,
    Refund,
    /// Showing one identity field of the viewed user, once, for the case.
    RevealIdentity,
}

impl BlockedAction {
    pub const ALL: [BlockedAction; 5] = [
        BlockedAction::Export,
        BlockedAction::ResetLoginDetails,
        BlockedAction::DeleteRecords,
        BlockedAction::Refund,
        BlockedAction::RevealIdentity,
    ];

    pub fn parse(text: &str) -> Option<BlockedAction> {
        BlockedAction::ALL
            .into_iter()
            .find(|a| a.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BlockedAction::Export => "export",
            BlockedAction::ResetLoginDetails => "reset_login_details",
            BlockedAction::DeleteRecords => "delete_records",
            BlockedAction::Refund => "refund",
            BlockedAction::RevealIdentity => "reveal_identity",
        }
    }

    /// Whether the action changes the customer's data (an export only reads
    /// it). Only actions that change nothing may be approved inside a
    /// read-only session.
    pub fn changes_product(self) -> bool {
        !matches!(self, BlockedAction::Export | BlockedAction::RevealIdentity)
    }

    /// The kind of action, as a heading ("Exports and bulk downloads").
    pub fn label(self) -> &'static str {
        match self {
            BlockedAction::Export => "Exports and bulk downloads",
            BlockedAction::ResetLoginDetails => "Resetting login details",
            BlockedAction::DeleteRecords => "Deleting records",
            BlockedAction::Refund => "Refunds",
            BlockedAction::RevealIdentity => "Revealing identity data",
        }
    }
}

/// One blocked action aimed at one object, as the banner offers it for
/// approval: what the agent tried, in words the manager reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedAttempt {
    pub action: BlockedAction,
    /// The object's key, as the product named it (`member:<id>`,
    /// `invoices.csv`): an approval is bound to it.
    pub object: String,
    /// What was tried, in words ("remove Tom Becker from the team").
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for a in BlockedAction::ALL {
            assert_eq!(BlockedAction::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::json!(a.as_str())
            );
        }
        assert_eq!(BlockedAction::parse("drop_tables"), None);
    }
}
