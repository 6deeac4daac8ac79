//! The reason gate: a request needs a reason that says something, and a
//! ticket reference in the configured shape.

/// Phrases that say nothing on their own.
const VAGUE: &[&str] = &[
    "support",
    "help",
    "check",
    "check issue",
    "check account",
    "test",
    "testing",
    "fix",
    "fix issue",
    "debug",
    "look",
    "look into it",
    "investigate",
    "investigation",
    "issue",
    "problem",
    "customer request",
    "ticket",
    "as requested",
    "n/a",
    "na",
    "none",
    "asdf",
    "todo",
    "see ticket",
    "per ticket",
];

/// What a useful reason looks like, shown with every refusal.
pub const REASON_HINT: &str =
    "Say what the customer reported and what you will look at, e.g. “Customer says EU invoices show 20% tax instead of 10%; checking the EU workspace's tax rule”.";

/// Checks a reason; `Err` says what is missing.
pub fn check_reason(reason: &str) -> Result<String, String> {
    let reason = reason.trim();
    let normalized = reason.to_lowercase();
    let normalized =
        normalized.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    if VAGUE.contains(&normalized) {
        return Err(format!(
            "“{reason}” does not say why you need access. {REASON_HINT}"
        ));
    }
    let words = reason
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    if reason.chars().count() < 15 || words < 3 {
        return Err(format!(
            "The reason is too short: write at least 3 words and 15 characters. {REASON_HINT}"
        ));
    }
    if reason.chars().count() > 1000 {
        return Err("The reason can have at most 1,000 characters.".into());
    }
    Ok(reason.to_string())
}

/// The default ticket pattern: `#1234` or `ABC-123`.
pub const DEFAULT_TICKET_PATTERN: &str = r"^(#[0-9]{1,10}|[A-Z][A-Z0-9]{1,9}-[0-9]{1,10})$";

/// Checks a ticket reference against the pattern.
#[cfg(feature = "ssr")]
pub fn check_ticket(ticket: &str, pattern: &regex::Regex) -> Result<String, String> {
    let ticket = ticket.trim();
    if ticket.is_empty() {
        return Err("Enter the ticket reference for this case, like #4821 or SUP-123.".into());
    }
    if !pattern.is_match(ticket) {
        return Err(format!(
            "“{ticket}” is not a ticket reference. Use the form #4821 or SUP-123."
        ));
    }
    Ok(ticket.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vague_reasons_are_refused_with_a_hint() {
        for vague in [
            "support",
            "Check issue",
            "  TEST ",
            "help!",
            "debug",
            "investigate",
            "look",
            "fix",
        ] {
            let err = check_reason(vague).unwrap_err();
            assert!(err.contains("e.g."), "{vague}: {err}");
        }
    }

    #[test]
    fn short_reasons_are_refused() {
        assert!(check_reason("tax wrong").is_err());
        assert!(check_reason("a b c").is_err());
        assert!(check_reason("tax is wrong").is_err());
        assert!(
            check_reason("invoicetaxrateiswrong").is_err(),
            "one long word"
        );
    }

    #[test]
    fn useful_reasons_pass() {
        assert!(check_reason("Customer says EU invoices show 20% tax").is_ok());
        assert!(check_reason("Weekly digest emails stopped arriving").is_ok());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn tickets_follow_the_pattern() {
        let p = regex::Regex::new(DEFAULT_TICKET_PATTERN).unwrap();
        assert_eq!(check_ticket(" #4821 ", &p), Ok("#4821".into()));
        assert_eq!(check_ticket("SUP-123", &p), Ok("SUP-123".into()));
        assert!(check_ticket("4821", &p).is_err());
        assert!(check_ticket("sup-1", &p).is_err());
        assert!(check_ticket("", &p).is_err());
        assert!(check_ticket("#1; drop table", &p).is_err());
    }
}
