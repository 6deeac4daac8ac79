//! The first line a manager reads: one pure renderer per kind of event.
//!
//! Events store their facts (names as they were, values already masked) in
//! `detail`; the sentence is made from them. It is made once in UTC when the
//! event is written (the stored `summary`, which exports and the SIEM stream
//! carry) and again for each reader, in the reader's own time zone, when the
//! log is shown. A kind without a renderer cannot exist: [`Kind`] is the only
//! way to name one, and [`sentence`] matches every kind.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

macro_rules! kinds {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Every kind of event, by its stable machine name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// The kind a stored name stands for; `None` for names this
            /// version does not know (then the stored summary is shown).
            pub fn parse(name: &str) -> Option<Kind> {
                match name { $($name => Some(Kind::$variant),)* _ => None }
            }
        }
    };
}

kinds! {
    SignInFailed => "auth.sign_in_failed",
    SignInRefusedLocked => "auth.sign_in_refused_locked",
    SignedIn => "auth.signed_in",
    SignedOut => "auth.signed_out",
    StaffCreated => "staff.created",
    StaffDisabled => "staff.disabled",
    StaffRoleChanged => "staff.role_changed",
    StaffUnlocked => "staff.unlocked",
    StaffPasswordChanged => "staff.password_changed",
    WrongDoor => "access.wrong_door",
    RoleRefused => "access.role_refused",
    Exported => "audit.exported",
    DemoDataLoaded => "system.demo_data_loaded",
    Requested => "support.requested",
    RequestRefused => "support.request_refused",
    BreakGlass => "support.break_glass",
    RequestCancelled => "support.request_cancelled",
    RequestApproved => "support.request_approved",
    RequestDenied => "support.request_denied",
    DecisionRefused => "support.decision_refused",
    RequestExpired => "support.request_expired",
    ApprovalLapsed => "support.approval_lapsed",
    ActionRequested => "support.action_requested",
    ActionApprovalUsed => "support.action_approval_used",
    EntryRefused => "support.entry_refused",
    IdentityCheckPaused => "support.identity_check_paused",
    IdentityCheckFailed => "support.identity_check_failed",
    SessionStarted => "support.session_started",
    SessionRevoked => "support.session_revoked",
    SessionEnded => "support.session_ended",
    PageViewed => "support.page_viewed",
    Blocked => "support.blocked",
    IdentityShown => "support.identity_shown",
    RevealRefused => "support.reveal_refused",
    SessionReviewed => "support.session_reviewed",
    ProfileUpdated => "product.profile_updated",
    RecoveryCodesRegenerated => "product.recovery_codes_regenerated",
    PasswordChanged => "product.password_changed",
    NotificationChanged => "product.notification_changed",
    ApiTokenCreated => "product.api_token_created",
    ApiTokenRevoked => "product.api_token_revoked",
    ProductExported => "product.exported",
    NoteAdded => "product.note_added",
    MemberInvited => "product.member_invited",
    MemberRoleChanged => "product.member_role_changed",
    MemberRemoved => "product.member_removed",
    InvoiceIssued => "product.invoice_issued",
    TaxRuleChanged => "product.tax_rule_changed",
    SupportPolicyChanged => "customer.support_policy_changed",
    OwnerApproved => "customer.request_approved",
    OwnerRefused => "customer.request_refused",
    VisitEndedByCustomer => "customer.visit_ended",
}

/// What a renderer reads besides who acted: the stored detail and the
/// reader's time zone.
struct Facts<'a> {
    detail: &'a Value,
    zone: Tz,
}

impl Facts<'_> {
    /// A text fact; a missing one reads as "unknown" rather than vanishing.
    fn s(&self, key: &str) -> String {
        match &self.detail[key] {
            Value::String(s) => s.clone(),
            Value::Null => "unknown".into(),
            other => other.to_string(),
        }
    }

    fn has(&self, key: &str) -> bool {
        !self.detail[key].is_null() && self.detail[key] != ""
    }

    /// A time fact in the reader's zone, with the zone's abbreviation.
    fn time(&self, key: &str) -> String {
        self.detail[key]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&self.zone).format("%H:%M %Z").to_string())
            .unwrap_or_else(|| "an unknown time".into())
    }

    /// "in Acme Co as Tom Becker"
    fn inside(&self) -> String {
        format!("in {} as {}", self.s("account"), self.s("as"))
    }

    /// A label looked up from a stored code, or the code itself.
    fn label(&self, key: &str, of: fn(&str) -> Option<&'static str>) -> String {
        let code = self.s(key);
        of(&code).map(str::to_string).unwrap_or(code)
    }

    /// "Tax rate from 20% to 10% and Tax region from EU to DE"
    fn changes(&self) -> String {
        let list = self.detail["changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if list.is_empty() {
            return "nothing".into();
        }
        list.iter()
            .map(|c| {
                let text = |v: &Value| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => "(empty)".into(),
                    other => other.to_string(),
                };
                format!(
                    "{} from {} to {}",
                    text(&c["field"]),
                    text(&c["old"]),
                    text(&c["new"])
                )
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

fn staff_role(code: &str) -> Option<&'static str> {
    code.parse::<crate::staff::StaffRole>()
        .ok()
        .map(|r| r.label())
}

fn customer_role(code: &str) -> Option<&'static str> {
    code.parse::<crate::customers::CustomerRole>()
        .ok()
        .map(|r| r.label())
}

fn mode(code: &str) -> Option<&'static str> {
    crate::access::policy::Mode::parse(code).map(|m| m.label())
}

fn action(code: &str) -> Option<&'static str> {
    crate::access::actions::BlockedAction::parse(code).map(|a| a.label())
}

fn end_cause(code: &str) -> Option<&'static str> {
    crate::access::sessions::EndCause::parse(code).map(|c| c.words())
}

fn policy_words(code: &str) -> Option<&'static str> {
    code.parse::<crate::customers::SupportAccess>()
        .ok()
        .map(|p| p.words())
}

fn door(side: &str) -> &'static str {
    match side {
        "staff" => "the console",
        _ => "the product",
    }
}

/// The sentence for an event of `kind` by `actor`, times in `zone`.
pub fn sentence(kind: Kind, actor: &str, detail: &Value, zone: Tz) -> String {
    let f = Facts { detail, zone };
    let a = actor;
    match kind {
        Kind::SignInFailed => {
            let mut s = format!(
                "A sign-in to {} failed for {} from {}",
                door(&f.s("side")),
                f.s("email"),
                f.s("ip")
            );
            if f.has("locked_until") {
                s.push_str(&format!(
                    "; this reached a limit, so further attempts are refused until {}",
                    f.time("locked_until")
                ));
            }
            s
        }
        Kind::SignInRefusedLocked => format!(
            "A sign-in to {} was refused for {} from {}: too many failed attempts",
            door(&f.s("side")),
            f.s("email"),
            f.s("ip")
        ),
        Kind::SignedIn if f.has("account") => {
            format!("{a} signed in to {} from {}", f.s("account"), f.s("ip"))
        }
        Kind::SignedIn => format!("{a} signed in to the console from {}", f.s("ip")),
        Kind::SignedOut if f.has("account") => format!("{a} signed out of {}", f.s("account")),
        Kind::SignedOut => format!("{a} signed out of the console"),
        Kind::StaffCreated => format!(
            "{a} added {} to the staff as {}",
            f.s("name"),
            f.label("role", staff_role)
        ),
        Kind::StaffUnlocked => format!("{a} unlocked {}'s sign-in", f.s("name")),
        Kind::StaffPasswordChanged => format!("{a} changed their own password"),
        Kind::StaffDisabled => format!("{a} disabled {}'s staff account", f.s("name")),
        Kind::StaffRoleChanged => format!(
            "{a} changed {}'s role from {} to {}",
            f.s("name"),
            f.label("old", staff_role),
            f.label("new", staff_role)
        ),
        Kind::WrongDoor => {
            let door = match f.s("door").as_str() {
                "console" => "the staff console",
                _ => "the product outside a support session",
            };
            format!("{a} tried to open {door} ({}); refused", f.s("path"))
        }
        Kind::RoleRefused => {
            let (function, needs) = (f.s("function"), f.s("needs"));
            let tried = crate::access::Capability::parse(&needs)
                .map_or(format!("use {function}"), |c| format!("{} ({function})", c.action_words()));
            format!("{a} tried to {tried} without a role that allows it; refused")
        }
        Kind::Exported => format!("{a} exported {} as {}", f.s("what"), f.s("file")),
        Kind::DemoDataLoaded => format!(
            "Chaperone loaded the demo data ({} new records)",
            f.s("created")
        ),
        Kind::Requested | Kind::RequestRefused => format!(
            "{a} asked to view {} as {} ({}), {}, for “{}” (ticket {}): {}",
            f.s("account"),
            f.s("as"),
            f.label("as_role", customer_role).to_lowercase(),
            f.label("mode", mode).to_lowercase(),
            f.s("reason"),
            f.s("ticket"),
            f.s("outcome")
        ),
        Kind::BreakGlass => format!(
            "Break-glass: {a} is entering {} as {} for incident {} without approval; managers and owners notified, review required",
            f.s("account"),
            f.s("as"),
            f.s("incident")
        ),
        Kind::RequestCancelled => format!(
            "{a} cancelled the request to view {} as {}",
            f.s("account"),
            f.s("as")
        ),
        Kind::RequestApproved | Kind::RequestDenied => {
            let verb = if kind == Kind::RequestApproved {
                "approved"
            } else {
                "denied"
            };
            let note = if f.has("note") {
                format!(": “{}”", f.s("note"))
            } else {
                String::new()
            };
            format!(
                "{a} {verb} {}'s request to {}{note}",
                f.s("requester"),
                f.s("asked")
            )
        }
        Kind::DecisionRefused => format!(
            "{a} tried to {} {}'s request to {}; refused: {}",
            if f.detail["approve"] == Value::Bool(true) {
                "approve"
            } else {
                "deny"
            },
            f.s("requester"),
            f.s("asked"),
            f.s("refusal")
        ),
        Kind::RequestExpired => format!(
            "{}'s request to {} expired undecided at {}",
            f.s("requester"),
            f.s("asked"),
            f.time("at")
        ),
        Kind::ApprovalLapsed => format!(
            "{}'s request to {} lapsed unused at {}",
            f.s("requester"),
            f.s("asked"),
            f.time("at")
        ),
        Kind::ActionRequested => format!(
            "{a} asked for approval of one blocked action ({}: {}) {}, for “{}”",
            f.label("action", action).to_lowercase(),
            f.s("object_label"),
            f.inside(),
            f.s("reason")
        ),
        Kind::ActionApprovalUsed => format!(
            "{a} used the one-time approval for {} ({}) {}",
            f.label("action", action).to_lowercase(),
            f.s("object_label"),
            f.inside()
        ),
        Kind::EntryRefused => format!(
            "{a} was refused entry to {} as {}: {}",
            f.s("account"),
            f.s("as"),
            f.s("why")
        ),
        Kind::IdentityCheckPaused => format!(
            "{a} was refused an identity check before entering {} as {}: too many failed checks",
            f.s("account"),
            f.s("as")
        ),
        Kind::IdentityCheckFailed => format!(
            "{a} failed the identity check before entering {} as {}",
            f.s("account"),
            f.s("as")
        ),
        Kind::SessionStarted => format!(
            "{a} entered {} as {} ({}), {}, for “{}” (ticket {})",
            f.s("account"),
            f.s("as"),
            f.label("as_role", customer_role).to_lowercase(),
            f.label("mode", mode).to_lowercase(),
            f.s("reason"),
            f.s("ticket")
        ),
        Kind::SessionRevoked => format!(
            "{a} ended {}'s live support session in {}: “{}”",
            f.s("staff"),
            f.s("account"),
            f.s("note")
        ),
        Kind::SessionEnded => format!(
            "{}'s support session in {} (viewing as {}) {} at {} after {} min",
            f.s("staff"),
            f.s("account"),
            f.s("as"),
            f.label("cause", end_cause),
            f.time("ended_at"),
            f.s("minutes")
        ),
        Kind::PageViewed => format!(
            "{a} viewed {} › {} as {}",
            f.s("account"),
            f.s("page"),
            f.s("as")
        ),
        Kind::Blocked => match f.s("why").as_str() {
            "blocked_action" => format!(
                "{a} tried an action blocked in support sessions ({}: {}) {}; refused",
                f.label("attempted", action).to_lowercase(),
                f.s("object_label"),
                f.inside()
            ),
            "no_approval" => format!(
                "{a} tried to see the {} without an unused approval; refused",
                crate::ui::lower_first(&f.s("label"))
            ),
            "never_in_session" => format!(
                "{a} tried to {} {}; refused: support never does this",
                f.s("attempted"),
                f.inside()
            ),
            _ => format!(
                "{a} tried to change {} {}; refused because the session is read-only",
                f.s("attempted"),
                f.inside()
            ),
        },
        Kind::IdentityShown => format!(
            "{a} was shown the {} in {} once, for ticket {}",
            crate::ui::lower_first(&f.s("label")),
            f.s("account"),
            f.s("ticket")
        ),
        Kind::RevealRefused => format!(
            "{a} asked to reveal “{}” {}; refused: {}",
            f.s("field"),
            f.inside(),
            f.s("why")
        ),
        Kind::SessionReviewed if f.s("verdict") == "flagged" => format!(
            "{a} flagged {}'s session in {}: “{}”",
            f.s("staff"),
            f.s("account"),
            f.s("note")
        ),
        Kind::SessionReviewed => {
            let note = if f.has("note") {
                format!(": “{}”", f.s("note"))
            } else {
                String::new()
            };
            format!(
                "{a} marked {}'s session in {} as fine{note}",
                f.s("staff"),
                f.s("account")
            )
        }
        Kind::SupportPolicyChanged => format!(
            "{a} changed support access for {} from “{}” to “{}”",
            f.s("account"),
            f.label("old", policy_words),
            f.label("new", policy_words)
        ),
        Kind::OwnerApproved | Kind::OwnerRefused => {
            let note = if f.has("note") {
                format!(": “{}”", f.s("note"))
            } else {
                String::new()
            };
            format!(
                "{a}, an owner of the account, {} {}'s request to {}{note}",
                if kind == Kind::OwnerApproved {
                    "approved"
                } else {
                    "refused"
                },
                f.s("requester"),
                f.s("asked")
            )
        }
        Kind::VisitEndedByCustomer => format!(
            "{a} ended {}'s support visit to {}",
            f.s("staff"),
            f.s("account")
        ),
        Kind::ProfileUpdated | Kind::NotificationChanged | Kind::MemberRoleChanged => {
            format!(
                "{a} changed {} in {} › {}",
                f.changes(),
                f.s("account"),
                f.s("place")
            )
        }
        Kind::TaxRuleChanged => format!(
            "{a} changed {} in {} › Billing › Tax settings ({} workspace)",
            f.changes(),
            f.s("account"),
            f.s("workspace")
        ),
        Kind::RecoveryCodesRegenerated => format!(
            "{a} generated new recovery codes for {} in {} › Profile",
            f.s("as"),
            f.s("account")
        ),
        Kind::PasswordChanged => format!(
            "{a} changed the password for {} in {} › Profile",
            f.s("as"),
            f.s("account")
        ),
        Kind::ApiTokenCreated => format!(
            "{a} created the API token “{}” ({}) in {} › Developers › API tokens",
            f.s("name"),
            f.s("shown"),
            f.s("account")
        ),
        Kind::ApiTokenRevoked => format!(
            "{a} revoked the API token “{}” ({}) in {} › Developers › API tokens",
            f.s("name"),
            f.s("shown"),
            f.s("account")
        ),
        Kind::ProductExported => format!(
            "{a} downloaded {} as CSV ({} rows) from {}",
            f.s("what"),
            f.s("rows"),
            f.s("account")
        ),
        Kind::NoteAdded => format!(
            "{a} added a private note in {} › Private notes",
            f.s("account")
        ),
        Kind::MemberInvited => format!(
            "{a} invited {} as {} in {} › Team",
            f.s("email"),
            f.label("role", customer_role).to_lowercase(),
            f.s("account")
        ),
        Kind::MemberRemoved => format!(
            "{a} removed {} ({}) in {} › Team",
            f.s("name"),
            f.label("role", customer_role),
            f.s("account")
        ),
        Kind::InvoiceIssued => format!(
            "{a} issued invoice {} for {} in {} › Billing › Invoices ({} workspace, tax {})",
            f.s("number"),
            f.s("total"),
            f.s("account"),
            f.s("workspace"),
            f.s("tax")
        ),
    }
}

/// The sentence for a stored event in the reader's zone: rendered from its
/// facts when this version knows the kind, else the summary it was written
/// with.
pub fn for_reader(kind: &str, actor: &str, detail: &Value, summary: &str, zone: Tz) -> String {
    match Kind::parse(kind) {
        Some(kind) => sentence(kind, actor, detail, zone),
        None => summary.to_string(),
    }
}

/// When an event is written: the time as a fact renderers read.
pub fn at(time: DateTime<Utc>) -> Value {
    Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

#[cfg(test)]
mod goldens;
