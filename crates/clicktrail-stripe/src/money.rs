//! [`Money`] and [`Currency`]: an amount in the currency's minor unit, rendered with the
//! currency's real exponent.
//!
//! Stripe sends amounts as integers in the minor unit. For most currencies that is a hundredth,
//! but 16 currencies have no minor unit (`1000` JPY is 1000 yen) and 5 have three decimals (`1000`
//! KWD is 1.000 dinar): a naive "divide by 100" is wrong for those 21.
//!
//! The exponent is known only for the currencies Stripe lists ([`Currency::exponent`] is `None`
//! for any other code): an amount in an unknown currency is never rendered by guessing two
//! decimals.

use std::fmt;

use crate::Error;

/// Currencies whose amounts are already whole units (Stripe's zero-decimal list).
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Currencies with three decimals (Stripe's three-decimal list).
const THREE_DECIMAL: [&str; 5] = ["BHD", "JOD", "KWD", "OMR", "TND"];

/// Every other currency Stripe can charge in (its presentment currencies): two decimals in the
/// API. ISK, HUF and TWD are among them: Stripe takes their amounts with two decimals although
/// it pays out or charges some of them in whole units only; UGX is on the zero-decimal list.
/// SLL (replaced by SLE) stays for older events.
const TWO_DECIMAL: [&str; 120] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY",
    "COP", "CRC", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "ISK",
    "JMD", "KES", "KGS", "KHR", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL",
    "MKD", "MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB",
    "SAR", "SBD", "SCR", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "STD", "SZL", "THB",
    "TJS", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "WST", "XCD", "XCG",
    "YER", "ZAR", "ZMW",
];

/// An ISO 4217 currency code, stored upper-case; parsed case-insensitively (Stripe sends `usd`).
///
/// ```
/// use clicktrail_stripe::Currency;
///
/// let jpy = Currency::new("jpy").unwrap();
/// assert_eq!(jpy.code_upper(), "JPY");
/// assert_eq!(jpy.exponent(), Some(0));
/// assert_eq!(Currency::new("KWD").unwrap().exponent(), Some(3));
/// assert_eq!(Currency::new("eur").unwrap().exponent(), Some(2));
/// // Three letters, but no currency Stripe lists: the number of decimals is unknown.
/// assert_eq!(Currency::new("xyz").unwrap().exponent(), None);
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

    /// How many decimals the minor unit has: 0, 2 or 3; `None` for a code that is in none of
    /// Stripe's lists, whose decimals are not known (never assumed to be two).
    pub fn exponent(&self) -> Option<u32> {
        let code = self.code_upper();
        if ZERO_DECIMAL.contains(&code) {
            Some(0)
        } else if THREE_DECIMAL.contains(&code) {
            Some(3)
        } else if TWO_DECIMAL.contains(&code) {
            Some(2)
        } else {
            None
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
/// assert_eq!(Money::new(-1050, usd).to_decimal_string().as_deref(), Some("-10.50"));
/// assert_eq!(Money::new(1000, Currency::new("jpy").unwrap()).to_decimal_string().as_deref(), Some("1000"));
/// assert_eq!(Money::new(1000, Currency::new("kwd").unwrap()).to_decimal_string().as_deref(), Some("1.000"));
/// // An unknown currency's decimals are not guessed.
/// let xyz = Money::new(1000, Currency::new("xyz").unwrap());
/// assert_eq!(xyz.to_decimal_string(), None);
/// assert_eq!(xyz.to_string(), "1000 (minor units) XYZ");
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
    /// floating point, no grouping separators. `None` when the currency's exponent is unknown.
    pub fn to_decimal_string(&self) -> Option<String> {
        let exponent = self.currency.exponent()?;
        let sign = if self.amount < 0 { "-" } else { "" };
        // `unsigned_abs` keeps i64::MIN exact.
        let magnitude = self.amount.unsigned_abs();
        if exponent == 0 {
            return Some(format!("{sign}{magnitude}"));
        }
        let scale = 10u64.pow(exponent);
        let width = exponent as usize;
        Some(format!(
            "{sign}{}.{:0width$}",
            magnitude / scale,
            magnitude % scale
        ))
    }
}

impl fmt::Display for Money {
    /// `12.34 USD`; `1234 (minor units) XYZ` for a currency whose exponent is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_decimal_string() {
            Some(decimal) => write!(f, "{decimal} {}", self.currency),
            None => write!(f, "{} (minor units) {}", self.amount, self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount: i64, code: &str) -> String {
        Money::new(amount, Currency::new(code).unwrap())
            .to_decimal_string()
            .expect("a known currency")
    }

    #[test]
    fn every_zero_decimal_currency_renders_whole_units() {
        let codes = [
            "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ];
        for code in codes {
            let currency = Currency::new(&code.to_ascii_lowercase()).unwrap();
            assert_eq!(currency.exponent(), Some(0), "{code}");
            assert_eq!(money(1000, code), "1000", "{code}");
            assert_eq!(money(-5, code), "-5", "{code}");
            assert_eq!(money(0, code), "0", "{code}");
        }
    }

    #[test]
    fn every_three_decimal_currency_renders_three_decimals() {
        for code in ["BHD", "JOD", "KWD", "OMR", "TND"] {
            let currency = Currency::new(&code.to_ascii_lowercase()).unwrap();
            assert_eq!(currency.exponent(), Some(3), "{code}");
            assert_eq!(money(1000, code), "1.000", "{code}");
            assert_eq!(money(1, code), "0.001", "{code}");
            assert_eq!(money(-123456, code), "-123.456", "{code}");
        }
    }

    #[test]
    fn two_decimal_currencies_render_cents() {
        for code in ["usd", "EUR", "gbp", "Cad", "CHF", "inr", "mxn", "sek"] {
            assert_eq!(Currency::new(code).unwrap().exponent(), Some(2), "{code}");
            assert_eq!(money(1000, code), "10.00", "{code}");
            assert_eq!(money(5, code), "0.05", "{code}");
            assert_eq!(money(-1050, code), "-10.50", "{code}");
            assert_eq!(money(-7, code), "-0.07", "{code}");
            assert_eq!(money(0, code), "0.00", "{code}");
        }
    }

    #[test]
    fn every_listed_currency_has_one_exponent_and_others_have_none() {
        let lists = [&ZERO_DECIMAL[..], &THREE_DECIMAL[..], &TWO_DECIMAL[..]];
        let mut all: Vec<&str> = lists.concat();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a code is on two lists");
        for code in TWO_DECIMAL {
            assert_eq!(Currency::new(code).unwrap().exponent(), Some(2), "{code}");
        }
        // Special cases Stripe takes with two decimals; UGX is zero-decimal.
        for code in ["isk", "huf", "twd"] {
            assert_eq!(Currency::new(code).unwrap().exponent(), Some(2), "{code}");
        }
        assert_eq!(Currency::new("ugx").unwrap().exponent(), Some(0));
        for code in ["xyz", "XXX", "abc", "XAU"] {
            let currency = Currency::new(code).unwrap();
            assert_eq!(currency.exponent(), None, "{code}");
            assert_eq!(
                Money::new(1234, currency).to_decimal_string(),
                None,
                "{code}"
            );
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
