//! [`Money`] and [`Currency`]: an amount in the currency's minor unit, rendered with the
//! currency's real exponent.
//!
//! Stripe sends amounts as integers in the minor unit. For most currencies that is a hundredth,
//! but 16 currencies have no minor unit (`1000` JPY is 1000 yen) and 5 have three decimals (`1000`
//! KWD is 1.000 dinar): a naive "divide by 100" is wrong for those 21.

use std::fmt;

use crate::Error;

/// Currencies whose amounts are already whole units (Stripe's zero-decimal list).
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Currencies with three decimals (Stripe's three-decimal list).
const THREE_DECIMAL: [&str; 5] = ["BHD", "JOD", "KWD", "OMR", "TND"];

/// An ISO 4217 currency code, stored upper-case; parsed case-insensitively (Stripe sends `usd`).
///
/// ```
/// use clicktrail_stripe::Currency;
///
/// let jpy = Currency::new("jpy").unwrap();
/// assert_eq!(jpy.code_upper(), "JPY");
/// assert_eq!(jpy.exponent(), 0);
/// assert_eq!(Currency::new("KWD").unwrap().exponent(), 3);
/// assert_eq!(Currency::new("eur").unwrap().exponent(), 2);
/// assert!(Currency::new("dollars").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a three-letter code in any case. Refuses anything that is not three ASCII letters.
    pub fn new(code: &str) -> Result<Self, Error> {
        let bytes: [u8; 3] = code
            .as_bytes()
            .try_into()
            .map_err(|_| Error::InvalidCurrency)?;
        if !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::InvalidCurrency);
        }
        Ok(Self(bytes.map(|b| b.to_ascii_uppercase())))
    }

    /// The code in upper case, as impact.com's `CurrencyCode` wants it.
    pub fn code_upper(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The code in lower case, as Stripe writes it.
    pub fn code_lower(&self) -> String {
        self.code_upper().to_ascii_lowercase()
    }

    /// How many decimals the minor unit has: 0, 2 or 3.
    pub fn exponent(&self) -> u32 {
        let code = self.code_upper();
        if ZERO_DECIMAL.contains(&code) {
            0
        } else if THREE_DECIMAL.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code_upper())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code_upper())
    }
}

/// An amount in the currency's minor unit, exactly as Stripe sends it.
///
/// ```
/// use clicktrail_stripe::{Currency, Money};
///
/// let usd = Currency::new("usd").unwrap();
/// assert_eq!(Money::new(-1050, usd).to_decimal_string(), "-10.50");
/// assert_eq!(Money::new(1000, Currency::new("jpy").unwrap()).to_decimal_string(), "1000");
/// assert_eq!(Money::new(1000, Currency::new("kwd").unwrap()).to_decimal_string(), "1.000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount in minor units (cents for USD, yen for JPY, fils for KWD).
    pub amount: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// An amount in `currency`'s minor unit.
    pub fn new(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// The amount in major units as an exact decimal string with exactly
    /// [`exponent`](Currency::exponent) decimals: `-10.50`, `1000`, `1.000`. No rounding, no
    /// floating point, no grouping separators.
    pub fn to_decimal_string(&self) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.amount < 0 { "-" } else { "" };
        // `unsigned_abs` keeps i64::MIN exact.
        let magnitude = self.amount.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{magnitude}");
        }
        let scale = 10u64.pow(exponent);
        let width = exponent as usize;
        format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale)
    }
}

impl fmt::Display for Money {
    /// `12.34 USD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount: i64, code: &str) -> String {
        Money::new(amount, Currency::new(code).unwrap()).to_decimal_string()
    }

    #[test]
    fn every_zero_decimal_currency_renders_whole_units() {
        let codes = [
            "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ];
        for code in codes {
            let currency = Currency::new(&code.to_ascii_lowercase()).unwrap();
            assert_eq!(currency.exponent(), 0, "{code}");
            assert_eq!(money(1000, code), "1000", "{code}");
            assert_eq!(money(-5, code), "-5", "{code}");
            assert_eq!(money(0, code), "0", "{code}");
        }
    }

    #[test]
    fn every_three_decimal_currency_renders_three_decimals() {
        for code in ["BHD", "JOD", "KWD", "OMR", "TND"] {
            let currency = Currency::new(&code.to_ascii_lowercase()).unwrap();
            assert_eq!(currency.exponent(), 3, "{code}");
            assert_eq!(money(1000, code), "1.000", "{code}");
            assert_eq!(money(1, code), "0.001", "{code}");
            assert_eq!(money(-123456, code), "-123.456", "{code}");
        }
    }

    #[test]
    fn two_decimal_currencies_render_cents() {
        for code in ["usd", "EUR", "gbp", "Cad", "CHF", "inr", "mxn", "sek"] {
            assert_eq!(Currency::new(code).unwrap().exponent(), 2, "{code}");
            assert_eq!(money(1000, code), "10.00", "{code}");
            assert_eq!(money(5, code), "0.05", "{code}");
            assert_eq!(money(-1050, code), "-10.50", "{code}");
            assert_eq!(money(-7, code), "-0.07", "{code}");
            assert_eq!(money(0, code), "0.00", "{code}");
        }
    }

    #[test]
    fn extremes_are_exact() {
        assert_eq!(money(i64::MIN, "usd"), "-92233720368547758.08");
        assert_eq!(money(i64::MAX, "kwd"), "9223372036854775.807");
        assert_eq!(money(i64::MIN, "jpy"), "-9223372036854775808");
    }

    #[test]
    fn codes_are_case_insensitive_and_validated() {
        assert_eq!(Currency::new("usd").unwrap(), Currency::new("USD").unwrap());
        assert_eq!(Currency::new("uSd").unwrap().code_upper(), "USD");
        assert_eq!(Currency::new("USD").unwrap().code_lower(), "usd");
        for bad in ["", "us", "usdd", "u$d", "ü12", "12a"] {
            assert_eq!(Currency::new(bad), Err(Error::InvalidCurrency), "{bad:?}");
        }
    }

    #[test]
    fn display_shows_amount_and_code() {
        let m = Money::new(1234, Currency::new("eur").unwrap());
        assert_eq!(m.to_string(), "12.34 EUR");
    }
}
