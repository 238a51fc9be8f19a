//! Invoice arithmetic, free of I/O: billing periods, coupon discounts spread over lines, proration
//! of unused and remaining time, and amounts in words for line descriptions.

use clicktrail_stripe::{Currency, Money};
use time::{Date, Month, OffsetDateTime};

use super::state::Coupon;

/// The end of a billing period that starts at `start` (Unix seconds) and lasts `count` intervals of
/// `interval` (`day`, `week`, `month`, `year`). Months keep the day of month, clamped to the month's
/// length (Jan 31 + 1 month = Feb 28 or 29), as Stripe does.
pub fn period_end(start: i64, interval: &str, count: i64) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(start) else {
        return start;
    };
    match interval {
        "day" => start + 86_400 * count,
        "week" => start + 7 * 86_400 * count,
        "month" | "year" => {
            let months = if interval == "year" {
                12 * count
            } else {
                count
            };
            let total = t.year() as i64 * 12 + (t.month() as i64 - 1) + months;
            let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u8);
            let Ok(month) = Month::try_from(month0 + 1) else {
                return start;
            };
            let day = t.day().min(month.length(year));
            Date::from_calendar_date(year, month, day)
                .map(|d| t.replace_date(d).unix_timestamp())
                .unwrap_or(start)
        }
        _ => start,
    }
}

/// Whether a coupon still applies to the invoice of period number `period` (0 = the first invoice).
/// `repeating` coupons count months; for other intervals each period counts as one.
pub fn coupon_applies(coupon: &Coupon, period: i64) -> bool {
    match coupon.duration.as_str() {
        "once" => period == 0,
        "repeating" => period < coupon.duration_in_months.unwrap_or(0),
        _ => true,
    }
}

/// Discount amounts per line for one coupon, given the line amounts still payable (after earlier
/// discounts). Percentages apply to each line (rounded half up); fixed amounts are spread over the
/// lines in proportion to their amounts, the last line taking the rounding rest, and never exceed
/// what is payable. Negative lines (credits) are not discounted.
pub fn discount_lines(coupon: &Coupon, payable: &[i64]) -> Vec<i64> {
    if let Some(pct) = coupon.percent_off {
        return payable
            .iter()
            .map(|&a| {
                if a > 0 {
                    ((a as f64) * pct / 100.0).round() as i64
                } else {
                    0
                }
            })
            .collect();
    }
    let base: i64 = payable.iter().filter(|a| **a > 0).sum();
    let off = coupon.amount_off.unwrap_or(0).min(base);
    if base == 0 || off == 0 {
        return vec![0; payable.len()];
    }
    let last_positive = payable.iter().rposition(|a| *a > 0);
    let mut given = 0;
    payable
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            if a <= 0 {
                0
            } else if Some(i) == last_positive {
                off - given
            } else {
                let share = (off as i128 * a as i128 / base as i128) as i64;
                given += share;
                share
            }
        })
        .collect()
}

/// The part of `amount` (for the whole period `start..end`) that covers `at..end`, rounded half up.
pub fn prorate(amount: i64, start: i64, end: i64, at: i64) -> i64 {
    if end <= start {
        return 0;
    }
    let remaining = (end - at).clamp(0, end - start);
    ((amount as i128 * remaining as i128 * 2 + (end - start) as i128) / (2 * (end - start) as i128))
        as i64
}

/// An amount in minor units as text in major units (`2000` usd -> `20.00`, `500` jpy -> `500`),
/// with the currency's real exponent: `clicktrail-stripe`'s [`Money`]. A currency whose exponent
/// is unknown (three letters, but none Stripe lists) shows the minor units as they are.
pub fn major_units(amount: i64, currency: &str) -> String {
    Currency::new(currency)
        .ok()
        .and_then(|currency| Money::new(amount, currency).to_decimal_string())
        .unwrap_or_else(|| amount.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coupon(
        percent: Option<f64>,
        amount: Option<i64>,
        duration: &str,
        months: Option<i64>,
    ) -> Coupon {
        Coupon {
            id: "C".into(),
            created: 0,
            percent_off: percent,
            amount_off: amount,
            currency: amount.map(|_| "usd".into()),
            duration: duration.into(),
            duration_in_months: months,
            name: None,
            metadata: Default::default(),
            times_redeemed: 0,
        }
    }

    fn ts(y: i32, m: u8, d: u8) -> i64 {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d)
            .unwrap()
            .midnight()
            .assume_utc()
            .unix_timestamp()
    }

    #[test]
    fn months_clamp_to_the_month_length() {
        assert_eq!(period_end(ts(2025, 1, 31), "month", 1), ts(2025, 2, 28));
        assert_eq!(period_end(ts(2024, 1, 31), "month", 1), ts(2024, 2, 29));
        assert_eq!(period_end(ts(2025, 11, 15), "month", 3), ts(2026, 2, 15));
        assert_eq!(period_end(ts(2024, 2, 29), "year", 1), ts(2025, 2, 28));
        assert_eq!(period_end(ts(2025, 1, 1), "week", 2), ts(2025, 1, 15));
        assert_eq!(period_end(ts(2025, 1, 1), "day", 1), ts(2025, 1, 2));
    }

    #[test]
    fn percent_and_amount_discounts() {
        assert_eq!(
            discount_lines(&coupon(Some(25.0), None, "once", None), &[2000, 999]),
            vec![500, 250]
        );
        assert_eq!(
            discount_lines(&coupon(None, Some(500), "once", None), &[1000, 3000]),
            vec![125, 375]
        );
        assert_eq!(
            discount_lines(&coupon(None, Some(1000), "once", None), &[333, 333, 334]),
            vec![333, 333, 334]
        );
        assert_eq!(
            discount_lines(&coupon(None, Some(5000), "once", None), &[1000]),
            vec![1000]
        );
        assert_eq!(
            discount_lines(&coupon(Some(50.0), None, "once", None), &[-500, 1000]),
            vec![0, 500]
        );
    }

    #[test]
    fn coupon_durations() {
        assert!(coupon_applies(&coupon(Some(10.0), None, "once", None), 0));
        assert!(!coupon_applies(&coupon(Some(10.0), None, "once", None), 1));
        let rep = coupon(Some(10.0), None, "repeating", Some(3));
        assert!(coupon_applies(&rep, 2) && !coupon_applies(&rep, 3));
        assert!(coupon_applies(
            &coupon(Some(10.0), None, "forever", None),
            99
        ));
    }

    #[test]
    fn proration_of_remaining_time() {
        assert_eq!(prorate(3000, 0, 30, 10), 2000);
        assert_eq!(prorate(1000, 0, 3, 1), 667);
        assert_eq!(prorate(1000, 0, 30, 0), 1000);
        assert_eq!(prorate(1000, 0, 30, 40), 0);
    }

    #[test]
    fn major_units_use_the_real_exponent() {
        assert_eq!(major_units(2000, "usd"), "20.00");
        assert_eq!(major_units(1000, "JPY"), "1000");
        assert_eq!(major_units(1000, "kwd"), "1.000");
        assert_eq!(major_units(-5, "eur"), "-0.05");
        assert_eq!(
            major_units(1234, "xyz"),
            "1234",
            "unknown exponent: minor units"
        );
    }
}
