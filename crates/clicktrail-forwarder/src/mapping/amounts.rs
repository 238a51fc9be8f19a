//! Money as impact.com takes it: at most two decimals, and refunds in proportion to the credit.
//!
//! Stripe counts in the currency's minor unit (cents, yen, fils: exponent 2, 0 or 3); impact.com
//! reads decimals with at most two places. [`Precision`] is that pair: amounts are computed
//! exactly in the currency's minor unit and rounded half-up once, to impact.com's unit (the
//! "wire unit": a hundredth for 2- and 3-decimal currencies, the whole unit for 0-decimal ones),
//! when they are rendered.
//!
//! Refunds shrink the credit in proportion to what is left of the charge
//! ([`proportional`]): a 29.00 credit on a 31.90 taxed charge refunded 10.00 becomes
//! `2900 x 2190 / 3190 = 1990.9...`, rounded half-up to 19.91, never the seed's gross 21.90.
//!
//! All arithmetic is on integers (`i128` where products may overflow `i64`); no floats.

use clicktrail_impact::Amount;
use clicktrail_stripe::Currency;

/// A currency's minor unit, and impact.com's at most two-decimal unit of the same currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precision {
    exponent: u8,
}

impl Precision {
    /// The precision of a currency with `exponent` decimals in its minor unit.
    pub const fn new(exponent: u8) -> Self {
        Self { exponent }
    }

    /// The precision of `currency`; `Err` (a skip reason, [`unknown_currency`]) when its number
    /// of decimals is not known: amounts are never rendered by guessing two decimals.
    pub fn of(currency: Currency) -> Result<Self, String> {
        let Some(exponent) = currency.exponent() else {
            return Err(unknown_currency(currency));
        };
        u8::try_from(exponent)
            .ok()
            .filter(|e| *e <= Amount::MAX_EXPONENT)
            .map(Self::new)
            .ok_or_else(|| {
                format!("the currency {currency} has {exponent} decimals, which clicktrail cannot render")
            })
    }

    /// The currency's own number of decimals (0, 2 or 3).
    pub const fn exponent(self) -> u8 {
        self.exponent
    }

    /// The number of decimals sent to impact.com: the currency's, at most 2.
    pub const fn wire_exponent(self) -> u8 {
        if self.exponent > Amount::WIRE_MAX_EXPONENT {
            Amount::WIRE_MAX_EXPONENT
        } else {
            self.exponent
        }
    }

    /// How many minor units make one wire unit (10 for 3-decimal currencies, else 1).
    pub const fn factor(self) -> i64 {
        10_i64.pow((self.exponent - self.wire_exponent()) as u32)
    }

    /// `minor` (the currency's minor unit) in wire units, rounded half-up (half away from zero).
    pub fn to_wire(self, minor: i64) -> i64 {
        round_div(i128::from(minor), i128::from(self.factor()))
    }

    /// `wire` wire units back in the currency's minor unit (exact).
    pub fn from_wire(self, wire: i64) -> i64 {
        wire.saturating_mul(self.factor())
    }

    /// `wire` wire units as the decimal impact.com reads (`12.35`, `5000`).
    pub fn amount(self, wire: i64) -> Amount {
        Amount::from_minor(wire, self.wire_exponent())
            .expect("the wire exponent is at most 2, a valid exponent")
    }
}

/// The skip reason for an amount in `currency` when its number of decimals is not known (a code
/// in none of Stripe's currency lists): `clicktrail explain` and `jobs` show it as is.
///
/// ```
/// use clicktrail_forwarder::mapping::amounts::{Precision, unknown_currency};
/// use clicktrail_stripe::Currency;
///
/// let xyz = Currency::new("xyz").unwrap();
/// assert_eq!(Precision::of(xyz), Err(unknown_currency(xyz)));
/// assert!(unknown_currency(xyz).contains("XYZ"));
/// ```
pub fn unknown_currency(currency: Currency) -> String {
    format!(
        "the currency {currency} has no known number of decimals (it is on none of Stripe's currency lists), so its amounts are not credited rather than guessed"
    )
}

/// `numerator / denominator` rounded half away from zero; `denominator` must be positive.
fn round_div(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let q = if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        (numerator - half) / denominator
    };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

/// The credit left after refunds: `credited x (charge - refunded) / charge`, in the currency's
/// minor unit, rounded half-up; between 0 and `credited`. A charge amount of 0 or less leaves
/// the credit as it is (there is nothing to take a proportion of), and a refund of the whole
/// charge or more leaves 0.
///
/// ```
/// use clicktrail_forwarder::mapping::amounts::proportional;
///
/// // 29.00 credited on a 31.90 charge (2.90 tax), 10.00 refunded: 19.91.
/// assert_eq!(proportional(2900, 3190, 1000), 1991);
/// assert_eq!(proportional(2900, 3190, 0), 2900);
/// assert_eq!(proportional(2900, 3190, 3190), 0);
/// ```
pub fn proportional(credited: i64, charge: i64, refunded: i64) -> i64 {
    let credited = credited.max(0);
    if charge <= 0 {
        return credited;
    }
    let remaining = charge.saturating_sub(refunded.max(0)).clamp(0, charge);
    round_div(
        i128::from(credited) * i128::from(remaining),
        i128::from(charge),
    )
    .clamp(0, credited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_decimal_currencies_round_half_up_to_hundredths() {
        let kwd = Precision::new(3);
        assert_eq!(kwd.wire_exponent(), 2);
        assert_eq!(kwd.to_wire(12_345), 1235);
        assert_eq!(kwd.to_wire(12_344), 1234);
        assert_eq!(kwd.to_wire(5), 1);
        assert_eq!(kwd.to_wire(4), 0);
        assert_eq!(kwd.amount(kwd.to_wire(5_120)).to_string(), "5.12");
        assert_eq!(kwd.from_wire(1235), 12_350);
        let jpy = Precision::new(0);
        assert_eq!(
            (jpy.to_wire(5000), jpy.amount(5000).to_string()),
            (5000, "5000".into())
        );
        let usd = Precision::new(2);
        assert_eq!(usd.amount(usd.to_wire(2900)).to_string(), "29.00");
    }

    #[test]
    fn known_currencies_keep_their_decimals_and_unknown_ones_have_no_precision() {
        let of = |code: &str| Precision::of(Currency::new(code).unwrap());
        assert_eq!(of("jpy"), Ok(Precision::new(0)));
        assert_eq!(of("usd"), Ok(Precision::new(2)));
        assert_eq!(of("kwd"), Ok(Precision::new(3)));
        let xyz = Currency::new("xyz").unwrap();
        assert_eq!(Precision::of(xyz), Err(unknown_currency(xyz)));
    }

    #[test]
    fn proportions_round_half_up_and_stay_within_the_credit() {
        // 10 x 1 / 4 = 2.5 -> 3; 10 x 3 / 4 = 7.5 -> 8.
        assert_eq!(proportional(10, 4, 3), 3);
        assert_eq!(proportional(10, 4, 1), 8);
        assert_eq!(proportional(2900, 3190, 5000), 0, "over-refunded");
        assert_eq!(proportional(2900, 0, 0), 2900, "no charge amount");
        assert_eq!(proportional(i64::MAX, i64::MAX, 1), i64::MAX - 1);
    }
}
