//! Staff members: the people who work in the console.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod repo;

/// A staff member's role. Roles are data (a column), and what each role may
/// do is decided in one place: [`crate::access::Capability`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Agent,
    SeniorAgent,
    Engineer,
    Manager,
    Auditor,
    Admin,
}

impl StaffRole {
    /// Every role, in the order DESIGN.md lists them.
    pub const ALL: [StaffRole; 6] = [
        StaffRole::Agent,
        StaffRole::SeniorAgent,
        StaffRole::Engineer,
        StaffRole::Manager,
        StaffRole::Auditor,
        StaffRole::Admin,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Agent => "agent",
            StaffRole::SeniorAgent => "senior_agent",
            StaffRole::Engineer => "engineer",
            StaffRole::Manager => "manager",
            StaffRole::Auditor => "auditor",
            StaffRole::Admin => "admin",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Agent => "Support agent",
            StaffRole::SeniorAgent => "Senior agent",
            StaffRole::Engineer => "On-call engineer",
            StaffRole::Manager => "Manager",
            StaffRole::Auditor => "Auditor",
            StaffRole::Admin => "Admin",
        }
    }
}

impl std::str::FromStr for StaffRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StaffRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown staff role {s:?}; expected one of: {}",
                    StaffRole::ALL.map(|r| r.as_str()).join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(role));
        }
        assert!("root".parse::<StaffRole>().is_err());
    }
}
