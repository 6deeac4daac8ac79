//! Masking helpers. The masking work grows this into the one place that
//! masks every classified value; sign-in events already use it so a typed
//! email never lands in the log as typed.

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
        _ => "•••".to_string(),
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
        assert_eq!(mask_email("hunter2"), "•••");
        assert_eq!(mask_email("@acme.test"), "•••");
        assert_eq!(mask_email("p@ss@word"), "•••");
        assert_eq!(mask_email("secret@localhost"), "•••");
    }
}
