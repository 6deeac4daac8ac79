//! Proving who someone is: passwords (argon2id), throttled checks, and the
//! principal a login session keeps. Staff and customers sign in through
//! separate doors with the same rules. What a signed-in person may do, and
//! what ends with their sign-in, is access's business (`access::signing`):
//! auth never names access.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod lockout;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sign_in;

/// Which door someone signs in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Staff,
    Customer,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Staff => "staff",
            Side::Customer => "customer",
        }
    }

    /// Where this side's sign-in page is.
    pub fn sign_in_path(self) -> &'static str {
        match self {
            Side::Staff => "/console/login",
            Side::Customer => "/login",
        }
    }
}
