//! impact.com's sale amount, recomputed from rendered form parameters.
//!
//! impact.com credits `sum(ItemSubTotal{n}) - OrderDiscount`. The mapping tests use this function
//! on the parameters a decision would send, so they check the wire form itself rather than the
//! values that went into it.

use crate::{Amount, Error};

/// Computes impact.com's sale amount from conversion parameters: every `ItemSubTotal{n}` added,
/// `OrderDiscount` subtracted. Zero (exponent 0) when neither is present.
///
/// Fails when a value is not a decimal, when a key repeats, or when the parameters hold an
/// `ItemPrice{n}` (impact.com would then multiply by the quantity, which this function does not
/// model because clicktrail never sends it).
///
/// ```
/// use clicktrail_impact::{Amount, sale_amount};
///
/// let params = [("ItemSubTotal1", "29.00"), ("ItemSubTotal2", "1.50"), ("OrderDiscount", "5.00")];
/// assert_eq!(sale_amount(&params)?, Amount::parse("25.50")?);
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
pub fn sale_amount<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Result<Amount, Error> {
    let mut total = Amount::zero(0)?;
    let mut discount = None;
    let mut seen = std::collections::HashSet::new();
    for (key, value) in params {
        let key = key.as_ref();
        if !seen.insert(key) {
            return Err(Error::InvalidAmount("a parameter appears twice"));
        }
        if is_indexed(key, "ItemPrice") {
            return Err(Error::InvalidAmount(
                "ItemPrice is present; only ItemSubTotal is modelled",
            ));
        }
        if is_indexed(key, "ItemSubTotal") {
            total = total.checked_add(Amount::parse(value.as_ref())?)?;
        } else if key == "OrderDiscount" {
            discount = Some(Amount::parse(value.as_ref())?);
        }
    }
    match discount {
        Some(d) => total.checked_sub(d),
        None => Ok(total),
    }
}

/// `prefix` followed by a positive decimal index without leading zeros.
fn is_indexed(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|n| {
        !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_subtotals_and_subtracts_the_discount() {
        let params = [
            ("CampaignId", "1000"),
            ("ItemSubTotal1", "29.00"),
            ("ItemQuantity1", "3"),
            ("ItemSubTotal10", "0.99"),
            ("OrderDiscount", "2.00"),
        ];
        assert_eq!(
            sale_amount(&params).unwrap(),
            Amount::parse("27.99").unwrap()
        );
        assert_eq!(
            sale_amount::<&str, &str>(&[]).unwrap(),
            Amount::zero(0).unwrap()
        );
        // Only a discount: the sale is negative, and reported as such.
        assert!(
            sale_amount(&[("OrderDiscount", "1.00")])
                .unwrap()
                .is_negative()
        );
    }

    #[test]
    fn ignores_look_alike_keys() {
        let params = [
            ("ItemSubTotal", "5.00"),
            ("ItemSubTotal01", "5.00"),
            ("ItemSubTotalX", "5.00"),
            ("ItemSubTotal1", "1"),
        ];
        assert_eq!(sale_amount(&params).unwrap(), Amount::parse("1").unwrap());
    }

    #[test]
    fn refuses_what_it_cannot_compute_faithfully() {
        assert!(sale_amount(&[("ItemPrice1", "5.00")]).is_err());
        assert!(sale_amount(&[("ItemSubTotal1", "5,00")]).is_err());
        assert!(sale_amount(&[("ItemSubTotal1", "5.00"), ("ItemSubTotal1", "5.00")]).is_err());
    }
}
