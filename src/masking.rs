//! Masking: what each audience may see of a product value. The class comes
//! from the registry by `(table, column)`, never from the call site, and a
//! column nobody classified is served as secret. Product DTOs hold
//! [`Shown`] values, which only [`shown`] makes; the log keeps the
//! [`recorded`] form. All of it happens on the server, before anything is
//! serialised.

use crate::classification::{class_of, DataClass};
use serde::{Deserialize, Serialize};

/// A product value as its audience may see it. Only [`shown`] makes one on
/// the server, from the registry's class for the column; DTO fields that
/// come from a non-public product column have this type, so an unmasked
/// value does not fit where a shown one belongs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Shown(String);

impl Shown {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Pages render a shown value as its text.
impl leptos::tachys::view::IntoRender for Shown {
    type Output = String;

    fn into_render(self) -> String {
        self.0
    }
}

impl From<Shown> for String {
    fn from(shown: Shown) -> String {
        shown.0
    }
}

/// A product column's value as `audience` may see it, masked by the class
/// the registry gives `(table, column)`. `None` is an empty value — or one
/// the audience's query was not allowed to read, which then shows as
/// hidden rather than empty.
pub fn shown(audience: Audience, table: &str, column: &str, value: Option<&str>) -> Shown {
    let class = class_of(table, column);
    Shown(match value {
        Some(v) => present(audience, class, v),
        None => match (audience, class) {
            (_, DataClass::Public | DataClass::Contact | DataClass::Payment) => String::new(),
            (_, DataClass::Secret) => HIDDEN.to_string(),
            (Audience::Customer, _) => String::new(),
            (Audience::Agent, _) => "Hidden".to_string(),
        },
    })
}

/// A product column's value in the form the audit log keeps: masked as an
/// agent sees it, so nothing that must stay hidden lands in a record that
/// can never be deleted.
pub fn recorded(table: &str, column: &str, value: &str) -> String {
    present(Audience::Agent, class_of(table, column), value)
}

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

/// Presents a value of a class to an audience. Private: callers name the
/// column, and the registry names the class.
fn present(audience: Audience, class: DataClass, value: &str) -> String {
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
    fn the_registry_picks_the_mask_and_unclassified_columns_are_secret() {
        let agent = Audience::Agent;
        assert_eq!(
            shown(agent, "users", "email", Some("ana@acme.test")).as_str(),
            "a•••@acme.test"
        );
        assert_eq!(
            shown(agent, "users", "national_id", Some("GB-1")).as_str(),
            "Hidden"
        );
        assert_eq!(
            shown(agent, "users", "national_id", None).as_str(),
            "Hidden"
        );
        assert_eq!(
            shown(agent, "users", "shoe_size", Some("44")).as_str(),
            HIDDEN
        );
        assert_eq!(
            shown(Audience::Customer, "users", "shoe_size", Some("44")).as_str(),
            HIDDEN
        );
        assert_eq!(
            shown(Audience::Customer, "users", "national_id", Some("GB-1")).as_str(),
            "GB-1"
        );
        assert_eq!(
            shown(Audience::Customer, "users", "phone", None).as_str(),
            ""
        );
        assert_eq!(recorded("users", "phone", "+44 20 7946 4321"), "•••• 4321");
        assert_eq!(recorded("users", "birth_date", "1984-05-12"), "Hidden");
    }

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

/// Free text with a payment card number or an API token typed into it — a
/// token named "CI 4111 1111 1111 1111", an invoice line holding a card —
/// with those masked as their own columns would be: a card as `•••• 1111`,
/// a token as `bf_••••`. Used on everything the audit log keeps, which can
/// never be deleted, whatever column the text came from. A card is 13 to
/// 19 digits in one run (single spaces or dashes between groups allowed)
/// that passes the Luhn check; longer runs (ids) are left alone.
pub fn scrub_secrets(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // An API token: `bf_` and at least 20 letters or digits.
        if bytes[i..].starts_with(b"bf_") && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let end = i
                + 3
                + bytes[i + 3..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
            if end - i - 3 >= 20 {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&text[copied..i]);
                o.push_str("bf_");
                o.push_str(HIDDEN);
                copied = end;
                i = end;
                continue;
            }
        }
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            // The longest run of digits with single separators between them.
            let (mut end, mut digits, mut last_digit_end) = (i, Vec::new(), i);
            while end < bytes.len() {
                if bytes[end].is_ascii_digit() {
                    digits.push(bytes[end] - b'0');
                    end += 1;
                    last_digit_end = end;
                } else if (bytes[end] == b' ' || bytes[end] == b'-')
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
                {
                    end += 1;
                } else {
                    break;
                }
            }
            let ends_cleanly = bytes
                .get(last_digit_end)
                .is_none_or(|b| !b.is_ascii_alphanumeric());
            if (13..=19).contains(&digits.len()) && ends_cleanly && luhn(&digits) {
                let last4: String = digits[digits.len() - 4..]
                    .iter()
                    .map(|d| char::from(b'0' + d))
                    .collect();
                let o = out.get_or_insert_with(String::new);
                o.push_str(&text[copied..i]);
                o.push_str(&format!("{HIDDEN} {last4}"));
                copied = last_digit_end;
            }
            i = last_digit_end.max(i + 1);
            continue;
        }
        i += 1;
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// [`scrub_secrets`] on every string inside a JSON value (an event's
/// detail), keys included.
pub fn scrub_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = scrub_secrets(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::Object(map) => {
            let dirty: Vec<String> = map
                .keys()
                .filter(|k| matches!(scrub_secrets(k), std::borrow::Cow::Owned(_)))
                .cloned()
                .collect();
            for key in dirty {
                if let Some(v) = map.remove(&key) {
                    map.insert(scrub_secrets(&key).into_owned(), v);
                }
            }
            map.values_mut().for_each(scrub_json);
        }
        _ => {}
    }
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if !i.is_multiple_of(2) {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod scrub_tests {
    use super::*;

    #[test]
    fn card_numbers_in_free_text_are_masked_wherever_they_sit() {
        assert_eq!(scrub_secrets("CI 4111 1111 1111 1111"), "CI •••• 1111");
        assert_eq!(
            scrub_secrets("=HYPERLINK(x) 4111-1111-1111-1111 paid"),
            "=HYPERLINK(x) •••• 1111 paid"
        );
        assert_eq!(scrub_secrets("card 4242424242424242."), "card •••• 4242.");
    }

    #[test]
    fn tokens_in_free_text_are_masked() {
        assert_eq!(
            scrub_secrets("deploy with bf_AbCdEfGhIjKlMnOpQrStUvWxYz012345 now"),
            "deploy with bf_•••• now"
        );
        assert_eq!(scrub_secrets("bf_short"), "bf_short");
    }

    #[test]
    fn numbers_that_are_not_cards_are_left_alone() {
        for text in [
            "INV-2026-0001",
            "4111 1111 1111 1112",                  // fails Luhn
            "12345678-1234-1234-1234-123456789012", // an id, too long
            "+1 555 123 4567",                      // too short
            "2026-11-24T09:00:00Z",
            "order 41111111111111111111111", // too long
            "x4111111111111111",             // part of a word
        ] {
            assert_eq!(scrub_secrets(text), text, "{text}");
        }
    }

    #[test]
    fn every_string_in_a_detail_is_scrubbed() {
        let mut detail = serde_json::json!({
            "name": "CI 4111 1111 1111 1111",
            "changes": [{ "field": "note", "old": "x", "new": "4242 4242 4242 4242" }],
            "count": 4111111111111111u64,
        });
        scrub_json(&mut detail);
        assert_eq!(detail["name"], "CI •••• 1111");
        assert_eq!(detail["changes"][0]["new"], "•••• 4242");
        assert_eq!(detail["count"], 4111111111111111u64, "numbers are not text");
    }
}
