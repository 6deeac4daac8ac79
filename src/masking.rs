//! Masking: what each audience may see of a classified value. Product DTOs
//! are built through [`present`], on the server, before anything is
//! serialised. The masking work extends this to every surface (search,
//! exports, audit entries, logs); support agents are an [`Audience`] already.

use crate::classification::DataClass;

/// Who is looking at a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A customer user of the account: sees their own data.
    Customer,
    /// A support agent inside a session: sees the customer's view, masked.
    Agent,
}

/// The text shown for secrets that exist but are never displayed.
pub const HIDDEN: &str = "••••";

/// Presents a value of a class to an audience.
pub fn present(audience: Audience, class: DataClass, value: &str) -> String {
    match (audience, class) {
        (_, DataClass::Public) => value.to_string(),
        (_, DataClass::Secret) => HIDDEN.to_string(),
        (_, DataClass::Payment) => mask_card(value),
        (Audience::Customer, DataClass::Contact | DataClass::Identity | DataClass::Private) => {
            value.to_string()
        }
        (Audience::Agent, DataClass::Contact) => mask_contact(value),
        (Audience::Agent, DataClass::Identity | DataClass::Private) => "Hidden".to_string(),
    }
}

/// `•••• 4242`: the last four digits of a card or account number only.
pub fn mask_card(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return HIDDEN.to_string();
    }
    format!("•••• {}", &digits[digits.len() - 4..])
}

/// Contact data for agents: emails keep a hint (`j•••@acme.test`), phone
/// numbers their last four digits (`•••• 4321`), names and addresses their
/// first letter (`A•••`).
pub fn mask_contact(value: &str) -> String {
    if value.contains('@') {
        return mask_email(value);
    }
    let value = value.trim();
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    let phone_like = digits.len() >= 6
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like {
        let tail: String = digits[digits.len() - 4..].iter().collect();
        return format!("•••• {tail}");
    }
    // A name or an address: its first letter, no more.
    match value.chars().next() {
        Some(first) if value.chars().count() > 1 => format!("{first}•••"),
        _ => HIDDEN.to_string(),
    }
}

/// Masks an email-like value: first character of the local part, then
/// bullets, then the domain (`j•••@acme.test`). Anything that is not an
/// email (a password typed into the email field, say) is masked whole.
pub fn mask_email(value: &str) -> String {
    let value = value.trim();
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.contains('@') =>
        {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        _ => HIDDEN.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_only_a_hint() {
        assert_eq!(mask_email("jane@acme.test"), "j•••@acme.test");
        assert_eq!(
            mask_email("  Sarah.Lee@chaperone.test "),
            "S•••@chaperone.test"
        );
    }

    #[test]
    fn non_emails_are_hidden_entirely() {
        assert_eq!(mask_email("hunter2"), HIDDEN);
        assert_eq!(mask_email("@acme.test"), HIDDEN);
        assert_eq!(mask_email("p@ss@word"), HIDDEN);
        assert_eq!(mask_email("secret@localhost"), HIDDEN);
    }

    #[test]
    fn cards_show_last_four_to_everyone() {
        for audience in [Audience::Customer, Audience::Agent] {
            assert_eq!(
                present(audience, DataClass::Payment, "4242 4242 4242 4242"),
                "•••• 4242"
            );
        }
        assert_eq!(mask_card("12"), HIDDEN);
    }

    #[test]
    fn secrets_are_never_shown_to_anyone() {
        for audience in [Audience::Customer, Audience::Agent] {
            assert_eq!(
                present(audience, DataClass::Secret, "$argon2id$v=19$abc"),
                HIDDEN
            );
        }
    }

    #[test]
    fn customers_see_their_own_data_and_agents_see_it_masked() {
        assert_eq!(
            present(Audience::Customer, DataClass::Identity, "X1234567"),
            "X1234567"
        );
        assert_eq!(
            present(Audience::Agent, DataClass::Identity, "X1234567"),
            "Hidden"
        );
        assert_eq!(
            present(Audience::Agent, DataClass::Private, "our plan"),
            "Hidden"
        );
        assert_eq!(
            present(Audience::Agent, DataClass::Contact, "+44 20 7946 4321"),
            "•••• 4321"
        );
        assert_eq!(
            present(Audience::Agent, DataClass::Contact, "ana@acme.test"),
            "a•••@acme.test"
        );
        assert_eq!(
            present(Audience::Customer, DataClass::Contact, "ana@acme.test"),
            "ana@acme.test"
        );
    }
}
