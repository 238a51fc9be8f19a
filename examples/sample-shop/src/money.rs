//! Amounts as people type them ("10", "10.5", "10.50") to Stripe's minor units, and back. Pure.

use clicktrail_stripe::{Currency, Money};

/// Reads a positive amount in major units with at most `exponent` decimals into minor units:
/// `parse_major("10.5", 2) == Some(1050)`. `None` for anything else (signs, spaces, `1e3`,
/// more decimals than the currency has, zero, overflow).
pub fn parse_major(text: &str, exponent: u32) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let dot_without_decimals = text.contains('.') && fraction.is_empty();
    if whole.is_empty() && fraction.is_empty()
        || dot_without_decimals
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > exponent as usize
    {
        return None;
    }
    let scale = 10_i64.checked_pow(exponent)?;
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let padded = format!("{fraction:0<width$}", width = exponent as usize);
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    let minor = whole.checked_mul(scale)?.checked_add(fraction)?;
    (minor > 0).then_some(minor)
}

/// `1050, "usd"` -> `"10.50 USD"`; an unknown currency (or one whose exponent is unknown) shows
/// the minor units.
pub fn format_minor(amount: i64, currency: &str) -> String {
    match Currency::new(currency) {
        Ok(c) => Money::new(amount, c).to_string(),
        Err(_) => format!("{amount} (minor units) {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_become_minor_units() {
        assert_eq!(parse_major("10", 2), Some(1000));
        assert_eq!(parse_major("10.5", 2), Some(1050));
        assert_eq!(parse_major(" 10.05 ", 2), Some(1005));
        assert_eq!(parse_major(".5", 2), Some(50));
        assert_eq!(parse_major("500", 0), Some(500));
        assert_eq!(parse_major("1.234", 3), Some(1234));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            ".",
            "-1",
            "+1",
            "1e3",
            "10.505",
            "1,50",
            "0",
            "0.00",
            "ten",
            "1.2.3",
            "5.",
            "9223372036854775807",
        ] {
            assert_eq!(parse_major(bad, 2), None, "{bad:?}");
        }
        assert_eq!(parse_major("1.5", 0), None);
    }

    #[test]
    fn minor_units_are_shown_with_the_currency_exponent() {
        assert_eq!(format_minor(1050, "usd"), "10.50 USD");
        assert_eq!(format_minor(500, "jpy"), "500 JPY");
        assert_eq!(format_minor(1234, "xyz"), "1234 (minor units) XYZ");
    }
}
