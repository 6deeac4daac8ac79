//! Money in integer cents and rates in basis points; never floats.

/// Formats cents as `€1,234.56` (or `USD 1,234.56` for other currencies).
pub fn format_money(cents: i64, currency: &str) -> String {
    let negative = cents < 0;
    let abs = cents.unsigned_abs();
    let units = abs / 100;
    let rest = abs % 100;
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let symbol = match currency {
        "EUR" => "€".to_string(),
        "USD" => "$".to_string(),
        "GBP" => "£".to_string(),
        other => format!("{other} "),
    };
    format!(
        "{}{symbol}{grouped}.{rest:02}",
        if negative { "-" } else { "" }
    )
}

/// Formats basis points as a percentage: 2000 → `20%`, 750 → `7.5%`.
pub fn format_rate(bp: i32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac % 10 == 0 {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// Splits a non-negative decimal like `12.5` into its whole part and its
/// fraction in hundredths; `None` when it is not such a number or has more
/// than two decimals (`Some(Err)` tells the caller which).
fn parse_hundredths(cleaned: &str) -> Option<Result<(i64, i64), TooPrecise>> {
    let (whole, frac) = cleaned.split_once('.').unwrap_or((cleaned, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || !digits(whole) || !digits(frac) {
        return None;
    }
    if frac.len() > 2 {
        return Some(Err(TooPrecise));
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(Ok((whole, frac)))
}

struct TooPrecise;

/// Parses a percentage typed by a person (`10`, `7.5`, `7,5 %`) into basis
/// points, accepting 0–100 with at most two decimals.
pub fn parse_rate(text: &str) -> Result<i32, String> {
    let cleaned = text.trim().trim_end_matches('%').trim().replace(',', ".");
    if cleaned.is_empty() {
        return Err("Enter a tax rate, like 10 or 7.5.".into());
    }
    match parse_hundredths(&cleaned) {
        None => Err(format!(
            "“{}” is not a tax rate. Enter a percentage between 0 and 100, like 10 or 7.5.",
            text.trim()
        )),
        Some(Err(TooPrecise)) => Err("Tax rates can have at most two decimals.".into()),
        Some(Ok((whole, frac))) if whole * 100 + frac <= 10_000 => Ok((whole * 100 + frac) as i32),
        Some(Ok(_)) => Err("A tax rate must be between 0% and 100%.".into()),
    }
}

/// Parses an amount like `12`, `12.5`, `1,234.50` into cents (0 up to one billion).
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['€', '$', '£'])
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    if cleaned.is_empty() {
        return Err("Enter an amount, like 120 or 99.50.".into());
    }
    match parse_hundredths(&cleaned) {
        None if cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') && cleaned.len() > 12 => {
            Err("That amount is too large.".into())
        }
        None => Err(format!(
            "“{}” is not an amount. Enter a number like 120 or 99.50.",
            text.trim()
        )),
        Some(Err(TooPrecise)) => Err("Amounts can have at most two decimals.".into()),
        Some(Ok((whole, frac))) if whole * 100 + frac <= 100_000_000_000 => Ok(whole * 100 + frac),
        Some(Ok(_)) => Err("That amount is too large.".into()),
    }
}

/// Tax on a subtotal, rounded half up to the cent.
pub fn tax_cents(subtotal_cents: i64, rate_bp: i32) -> i64 {
    let tax = (i128::from(subtotal_cents) * i128::from(rate_bp) + 5_000) / 10_000;
    i64::try_from(tax).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_exact() {
        assert_eq!(format_money(123456, "EUR"), "€1,234.56");
        assert_eq!(format_money(5, "USD"), "$0.05");
        assert_eq!(format_money(100000000, "GBP"), "£1,000,000.00");
        assert_eq!(format_money(-250, "EUR"), "-€2.50");
        assert_eq!(format_money(1999, "CHF"), "CHF 19.99");
    }

    #[test]
    fn rates_read_like_people_write_them() {
        assert_eq!(format_rate(2000), "20%");
        assert_eq!(format_rate(750), "7.5%");
        assert_eq!(format_rate(725), "7.25%");
        assert_eq!(parse_rate("10"), Ok(1000));
        assert_eq!(parse_rate(" 7,5 % "), Ok(750));
        assert_eq!(parse_rate("0"), Ok(0));
        assert_eq!(parse_rate("100"), Ok(10000));
        assert!(parse_rate("100.01").is_err());
        assert!(parse_rate("-5").is_err());
        assert!(parse_rate("ten").is_err());
        assert!(parse_rate("1.234").is_err());
        assert!(parse_rate("").is_err());
        assert!(parse_rate("1e2").is_err());
    }

    #[test]
    fn amounts_parse_to_cents() {
        assert_eq!(parse_amount("120"), Ok(12000));
        assert_eq!(parse_amount("€1,234.5"), Ok(123450));
        assert_eq!(parse_amount("0.99"), Ok(99));
        assert!(parse_amount("-3").is_err());
        assert!(parse_amount("12.345").is_err());
        assert!(parse_amount("99999999999").is_err());
        assert!(parse_amount("abc").is_err());
    }

    #[test]
    fn tax_rounds_half_up_in_cents() {
        assert_eq!(tax_cents(10000, 2000), 2000);
        assert_eq!(tax_cents(333, 1000), 33);
        assert_eq!(tax_cents(335, 1000), 34); // 33.5 → 34
        assert_eq!(tax_cents(0, 2000), 0);
    }
}
