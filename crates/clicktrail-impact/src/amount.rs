//! Exact decimal money: an integer count of minor units and the currency's exponent.
//!
//! Stripe counts money in minor units (`2900` cents) and impact.com reads decimals in major units
//! (`29.00`). Going through a float would round, so [`Amount`] keeps the integer and the exponent
//! and writes the decimal point itself. The exponent comes from the caller (the Stripe crate owns
//! the currency table): `0` for JPY, `2` for USD, `3` for KWD.
//!
//! Amounts are signed. The type can hold a negative value (a credit line, a difference), and renders
//! it with a leading `-`; the request types decide where a negative amount is allowed (nowhere on
//! the wire today, see [`Conversion`](crate::Conversion)).

use std::cmp::Ordering;
use std::fmt;

use crate::Error;

/// An exact decimal amount: `minor / 10^exponent`.
///
/// Two amounts with the same value but different exponents (`29.0` and `29.00`) are different
/// values of this type, because they render differently; compare values with
/// [`Amount::cmp_value`].
///
/// ```
/// use clicktrail_impact::Amount;
///
/// assert_eq!(Amount::from_minor(2900, 2)?.to_string(), "29.00");
/// assert_eq!(Amount::from_minor(1000, 0)?.to_string(), "1000");
/// assert_eq!(Amount::from_minor(1000, 3)?.to_string(), "1.000");
/// assert_eq!(Amount::from_minor(-5, 2)?.to_string(), "-0.05");
/// assert_eq!(Amount::parse("29.00")?, Amount::from_minor(2900, 2)?);
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    minor: i64,
    exponent: u8,
}

impl Amount {
    /// The most decimals impact.com accepts in an amount: every decimal sent has at most 2 places.
    /// Requests refuse amounts with more ([`Error::TooManyDecimals`]); round first with
    /// [`Amount::round_half_up`].
    pub const WIRE_MAX_EXPONENT: u8 = 2;

    /// The largest exponent accepted: `10^18` is the largest power of ten in an `i64`. Real
    /// currencies use 0 to 4.
    pub const MAX_EXPONENT: u8 = 18;

    /// An amount of `minor` minor units in a currency with `exponent` decimals.
    ///
    /// Fails with [`Error::AmountOutOfRange`] when `exponent` is above [`Self::MAX_EXPONENT`].
    pub const fn from_minor(minor: i64, exponent: u8) -> Result<Self, Error> {
        if exponent > Self::MAX_EXPONENT {
            return Err(Error::AmountOutOfRange);
        }
        Ok(Self { minor, exponent })
    }

    /// Zero with `exponent` decimals (`0.00` for exponent 2).
    pub const fn zero(exponent: u8) -> Result<Self, Error> {
        Self::from_minor(0, exponent)
    }

    /// Reads a decimal as impact.com and [`Display`](fmt::Display) write it: an optional `-`,
    /// ASCII digits, and optionally `.` followed by at least one digit. The exponent is the number
    /// of digits after the point, so `"29.00"` reads back as `from_minor(2900, 2)`.
    ///
    /// Refused: empty input, `+`, spaces, thousands separators, exponents (`1e3`), a point without
    /// digits on both sides, more than [`Self::MAX_EXPONENT`] decimals, values beyond `i64`.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let (negative, unsigned) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => {
                if frac.is_empty() {
                    return Err(Error::InvalidAmount(
                        "a decimal point must be followed by digits",
                    ));
                }
                (int, frac)
            }
            None => (unsigned, ""),
        };
        if int.is_empty() {
            return Err(Error::InvalidAmount(
                "expected digits before the decimal point",
            ));
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidAmount(
                "only digits, one optional leading '-' and one optional '.' are allowed",
            ));
        }
        let exponent = u8::try_from(frac.len())
            .ok()
            .filter(|e| *e <= Self::MAX_EXPONENT)
            .ok_or(Error::AmountOutOfRange)?;
        let mut value: i64 = 0;
        for digit in int.bytes().chain(frac.bytes()) {
            let d = i64::from(digit - b'0');
            // Accumulate negatively so that i64::MIN is readable too.
            value = value
                .checked_mul(10)
                .and_then(|v| {
                    if negative {
                        v.checked_sub(d)
                    } else {
                        v.checked_add(d)
                    }
                })
                .ok_or(Error::AmountOutOfRange)?;
        }
        Self::from_minor(value, exponent)
    }

    /// The count of minor units.
    pub const fn minor(self) -> i64 {
        self.minor
    }

    /// The number of decimals.
    pub const fn exponent(self) -> u8 {
        self.exponent
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    /// The same value written with `exponent` decimals. Fails when that would lose digits
    /// (`29.05` to 1 decimal) or overflow.
    pub fn rescale(self, exponent: u8) -> Result<Self, Error> {
        if exponent > Self::MAX_EXPONENT {
            return Err(Error::AmountOutOfRange);
        }
        let minor = match exponent.cmp(&self.exponent) {
            Ordering::Equal => self.minor,
            Ordering::Greater => self
                .minor
                .checked_mul(pow10(exponent - self.exponent))
                .ok_or(Error::AmountOutOfRange)?,
            Ordering::Less => {
                let factor = pow10(self.exponent - exponent);
                if self.minor % factor != 0 {
                    return Err(Error::InvalidAmount(
                        "rescaling would drop non-zero decimals",
                    ));
                }
                self.minor / factor
            }
        };
        Ok(Self { minor, exponent })
    }

    /// The value rounded half-up (half away from zero) to at most `exponent` decimals; an amount
    /// that already has `exponent` decimals or fewer is returned unchanged.
    ///
    /// ```
    /// use clicktrail_impact::Amount;
    ///
    /// // 12.345 KWD, 12.344 KWD and 5.120 KWD as impact.com takes them.
    /// assert_eq!(Amount::from_minor(12_345, 3)?.round_half_up(2)?.to_string(), "12.35");
    /// assert_eq!(Amount::from_minor(12_344, 3)?.round_half_up(2)?.to_string(), "12.34");
    /// assert_eq!(Amount::from_minor(5_120, 3)?.round_half_up(2)?.to_string(), "5.12");
    /// assert_eq!(Amount::from_minor(5_000, 0)?.round_half_up(2)?.to_string(), "5000");
    /// # Ok::<(), clicktrail_impact::Error>(())
    /// ```
    pub fn round_half_up(self, exponent: u8) -> Result<Self, Error> {
        if self.exponent <= exponent {
            return Ok(self);
        }
        let factor = i128::from(pow10(self.exponent - exponent));
        let minor = i128::from(self.minor);
        let half = factor / 2;
        let rounded = if minor >= 0 {
            (minor + half) / factor
        } else {
            (minor - half) / factor
        };
        let minor = i64::try_from(rounded).map_err(|_| Error::AmountOutOfRange)?;
        Ok(Self { minor, exponent })
    }

    /// `self + other`, written with the larger of the two exponents.
    pub fn checked_add(self, other: Self) -> Result<Self, Error> {
        let (a, b) = self.aligned(other)?;
        let minor = a
            .minor
            .checked_add(b.minor)
            .ok_or(Error::AmountOutOfRange)?;
        Ok(Self {
            minor,
            exponent: a.exponent,
        })
    }

    /// `self - other`, written with the larger of the two exponents.
    pub fn checked_sub(self, other: Self) -> Result<Self, Error> {
        let (a, b) = self.aligned(other)?;
        let minor = a
            .minor
            .checked_sub(b.minor)
            .ok_or(Error::AmountOutOfRange)?;
        Ok(Self {
            minor,
            exponent: a.exponent,
        })
    }

    /// Compares the values, whatever the exponents (`29.0` equals `29.00`).
    pub fn cmp_value(self, other: Self) -> Ordering {
        let scale = |a: Self, e: u8| i128::from(a.minor) * 10_i128.pow(u32::from(e - a.exponent));
        let e = self.exponent.max(other.exponent);
        scale(self, e).cmp(&scale(other, e))
    }

    fn aligned(self, other: Self) -> Result<(Self, Self), Error> {
        let e = self.exponent.max(other.exponent);
        Ok((self.rescale(e)?, other.rescale(e)?))
    }
}

const fn pow10(exponent: u8) -> i64 {
    10_i64.pow(exponent as u32)
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.minor.unsigned_abs().to_string();
        if self.minor < 0 {
            f.write_str("-")?;
        }
        let exponent = usize::from(self.exponent);
        if exponent == 0 {
            return f.write_str(&digits);
        }
        // Pad so that at least one digit stands before the point: 5 cents -> "005" -> "0.05".
        let padded = format!("{digits:0>width$}", width = exponent + 1);
        let (int, frac) = padded.split_at(padded.len() - exponent);
        write!(f, "{int}.{frac}")
    }
}

impl std::str::FromStr for Amount {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn amount(minor: i64, exponent: u8) -> Amount {
        Amount::from_minor(minor, exponent).unwrap()
    }

    #[test]
    fn renders_with_the_currency_exponent() {
        let cases = [
            (2900, 2, "29.00"),
            (1000, 0, "1000"),
            (1000, 3, "1.000"),
            (5, 2, "0.05"),
            (0, 2, "0.00"),
            (0, 0, "0"),
            (-5, 2, "-0.05"),
            (-2900, 2, "-29.00"),
            (123_456, 4, "12.3456"),
            (i64::MAX, 2, "92233720368547758.07"),
            (i64::MIN, 2, "-92233720368547758.08"),
            (1, 18, "0.000000000000000001"),
        ];
        for (minor, exponent, text) in cases {
            assert_eq!(
                amount(minor, exponent).to_string(),
                text,
                "{minor} e{exponent}"
            );
            assert_eq!(
                Amount::parse(text).unwrap(),
                amount(minor, exponent),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_exponents_that_do_not_fit() {
        assert_eq!(Amount::from_minor(1, 19), Err(Error::AmountOutOfRange));
        assert_eq!(
            Amount::parse("0.0000000000000000001"),
            Err(Error::AmountOutOfRange)
        );
    }

    #[test]
    fn parse_refuses_what_is_not_a_plain_decimal() {
        for bad in [
            "",
            "-",
            "+1",
            " 1",
            "1 ",
            "1.",
            ".5",
            "-.5",
            "1.2.3",
            "1,000",
            "1e3",
            "--1",
            "0x10",
            "1.-5",
            "١٢",
            "9223372036854775808",
            "-9223372036854775809",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad:?} was accepted");
        }
        // Leading zeros and the extremes of i64 are fine.
        assert_eq!(Amount::parse("007.50").unwrap(), amount(750, 2));
        assert_eq!(
            Amount::parse("-9223372036854775808").unwrap(),
            amount(i64::MIN, 0)
        );
    }

    #[test]
    fn arithmetic_aligns_exponents_and_reports_overflow() {
        assert_eq!(
            amount(2900, 2).checked_add(amount(1, 0)).unwrap(),
            amount(3000, 2)
        );
        assert_eq!(
            amount(2900, 2).checked_sub(amount(3000, 2)).unwrap(),
            amount(-100, 2)
        );
        assert_eq!(
            amount(i64::MAX, 0).checked_add(amount(1, 0)),
            Err(Error::AmountOutOfRange)
        );
        assert_eq!(amount(i64::MAX, 0).rescale(2), Err(Error::AmountOutOfRange));
        assert!(amount(2905, 2).rescale(1).is_err());
        assert_eq!(amount(2900, 2).rescale(0).unwrap(), amount(29, 0));
        assert_eq!(amount(290, 1).cmp_value(amount(2900, 2)), Ordering::Equal);
        assert_eq!(amount(-1, 3).cmp_value(amount(0, 0)), Ordering::Less);
    }

    #[test]
    fn serde_uses_the_decimal_string() {
        let json = serde_json::to_string(&amount(2900, 2)).unwrap();
        assert_eq!(json, r#""29.00""#);
        assert_eq!(
            serde_json::from_str::<Amount>(&json).unwrap(),
            amount(2900, 2)
        );
        assert!(serde_json::from_str::<Amount>(r#""29,00""#).is_err());
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in any::<i64>(), exponent in 0..=Amount::MAX_EXPONENT) {
            let a = amount(minor, exponent);
            let text = a.to_string();
            prop_assert_eq!(Amount::parse(&text).unwrap(), a);
            // Exactly `exponent` digits after the point, and no point at all for exponent 0.
            let decimals = text.split_once('.').map_or(0, |(_, frac)| frac.len());
            prop_assert_eq!(decimals, usize::from(exponent));
        }

        #[test]
        fn parse_then_display_round_trips_canonical_text(
            negative in any::<bool>(),
            int in "(0|[1-9][0-9]{0,14})",
            frac in proptest::option::of("[0-9]{1,3}"),
        ) {
            let mut text = String::new();
            let zero = int == "0" && frac.as_deref().is_none_or(|f| f.bytes().all(|b| b == b'0'));
            if negative && !zero {
                text.push('-');
            }
            text.push_str(&int);
            if let Some(frac) = &frac {
                text.push('.');
                text.push_str(frac);
            }
            prop_assert_eq!(Amount::parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,30}") {
            let _ = Amount::parse(&input);
        }
    }
}
