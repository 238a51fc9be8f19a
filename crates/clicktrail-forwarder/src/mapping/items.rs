//! Itemisation: the items and the order discount of a conversion, in minor units.
//!
//! impact.com computes a conversion's sale amount as the sum of `ItemSubTotal{n}` minus
//! `OrderDiscount`, and refuses negative item amounts. Stripe lines can be negative (proration
//! credits), can add up to more than what was paid (coupons, customer balance, tax-inclusive
//! prices) or, when the payload holds only part of them, to less. The scheme below is
//! deterministic and always gives exactly the amount credited:
//!
//! 1. Lines with a positive amount become items (`ItemSubTotal` = the line's amount, `ItemQuantity`
//!    = its quantity, at least 1). Zero lines are dropped, unless every line is zero, in which case
//!    they are kept so that a $0 sign-up still names its plan.
//! 2. When those items add up to at least the amount credited, `OrderDiscount` = the difference:
//!    it absorbs negative proration lines, discounts, credits and tax included in prices.
//! 3. Otherwise (no lines, or lines adding up to less than what was credited) one summary item
//!    carries the amount credited and there is no discount.
//!
//! All arithmetic is on integers in the currency's minor unit. [`Itemised::to_wire`] then
//! rounds to impact.com's at most two decimals (3-decimal currencies) so that the sale amount
//! still equals the rounded credit exactly; rendering happens once, at the end.

use super::amounts::Precision;

/// One source line (an invoice line or a Checkout line item), amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `ItemSku`: the price id, else the product id.
    pub sku: Option<String>,
    /// `ItemName`: the line's description.
    pub name: Option<String>,
    /// `ItemQuantity`.
    pub quantity: u64,
    /// The line's amount before order-level discounts; negative for credits.
    pub amount: i64,
}

/// One item of a conversion, in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `ItemSku{n}`.
    pub sku: Option<String>,
    /// `ItemName{n}`.
    pub name: Option<String>,
    /// `ItemQuantity{n}`, at least 1.
    pub quantity: u64,
    /// `ItemSubTotal{n}`: never negative.
    pub subtotal: i64,
}

/// The items and `OrderDiscount` of a conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Itemised {
    /// The items, at least one.
    pub items: Vec<Item>,
    /// `OrderDiscount` in minor units, never negative; zero means "send no `OrderDiscount`".
    pub discount: i64,
}

impl Itemised {
    /// impact.com's sale amount: the sum of the items minus the discount.
    pub fn sale_amount(&self) -> i128 {
        self.items
            .iter()
            .map(|i| i128::from(i.subtotal))
            .sum::<i128>()
            - i128::from(self.discount)
    }
}

impl Itemised {
    /// The same items in impact.com's wire unit ([`Precision`]): each subtotal rounded half-up,
    /// and the discount chosen so that the sale amount is exactly `credited` (minor units)
    /// rounded half-up. When rounding the items left them short of that (several items each
    /// rounded down), the difference is added to the largest item instead, since impact.com
    /// refuses a negative discount. For currencies of at most two decimals nothing changes.
    pub fn to_wire(&self, precision: Precision, credited: i64) -> Itemised {
        let target = precision.to_wire(credited.max(0));
        let mut items: Vec<Item> = self
            .items
            .iter()
            .map(|item| Item {
                subtotal: precision.to_wire(item.subtotal),
                ..item.clone()
            })
            .collect();
        let total: i128 = items.iter().map(|i| i128::from(i.subtotal)).sum();
        let mut discount = total - i128::from(target);
        if discount < 0
            // The first of the largest items (`max_by_key` keeps the last, so look from the end).
            && let Some(largest) = items.iter_mut().rev().max_by_key(|i| i.subtotal)
        {
            let short = i64::try_from(-discount).unwrap_or(i64::MAX);
            largest.subtotal = largest.subtotal.saturating_add(short);
            discount = 0;
        }
        Itemised {
            items,
            discount: i64::try_from(discount).unwrap_or(i64::MAX),
        }
    }
}

/// Splits `credited` (minor units; negative is treated as zero) over `lines` as described in the
/// module docs. `summary_name` names the single item of the fallback.
pub fn itemise(lines: &[Line], credited: i64, summary_name: &str) -> Itemised {
    let credited = credited.max(0);
    let item = |line: &Line| Item {
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: line.quantity.max(1),
        subtotal: line.amount,
    };
    let positive: Vec<Item> = lines.iter().filter(|l| l.amount > 0).map(item).collect();
    let total: i128 = positive.iter().map(|i| i128::from(i.subtotal)).sum();

    if positive.is_empty() && credited == 0 && !lines.is_empty() {
        let zeros = lines.iter().filter(|l| l.amount == 0).map(item).collect();
        return Itemised {
            items: zeros,
            discount: 0,
        };
    }
    if !positive.is_empty()
        && total >= i128::from(credited)
        && let Ok(discount) = i64::try_from(total - i128::from(credited))
    {
        return Itemised {
            items: positive,
            discount,
        };
    }
    Itemised {
        items: vec![Item {
            sku: None,
            name: Some(summary_name.to_owned()),
            quantity: 1,
            subtotal: credited,
        }],
        discount: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(amount: i64) -> Line {
        Line {
            sku: Some(format!("price_{amount}")),
            name: None,
            quantity: 1,
            amount,
        }
    }

    #[test]
    fn plain_lines_are_items_without_discount() {
        let out = itemise(&[line(2900), line(1000)], 3900, "Invoice");
        assert_eq!(
            out.items.iter().map(|i| i.subtotal).collect::<Vec<_>>(),
            [2900, 1000]
        );
        assert_eq!(out.discount, 0);
    }

    #[test]
    fn negative_proration_lines_go_into_the_discount() {
        // Upgrade from 10.00 to 30.00 mid-period: -5.00 unused time, +15.00 remaining time.
        let out = itemise(&[line(-500), line(1500)], 1000, "Invoice");
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].subtotal, 1500);
        assert_eq!(out.discount, 500);
        assert_eq!(out.sale_amount(), 1000);
    }

    #[test]
    fn coupons_and_credits_become_the_discount() {
        let out = itemise(&[line(2900)], 1450, "Invoice");
        assert_eq!((out.items[0].subtotal, out.discount), (2900, 1450));
    }

    #[test]
    fn lines_short_of_the_credited_amount_fall_back_to_one_summary_item() {
        let out = itemise(&[line(100)], 2900, "Invoice in_1");
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].name.as_deref(), Some("Invoice in_1"));
        assert_eq!((out.items[0].subtotal, out.discount), (2900, 0));
        let none = itemise(&[], 700, "Order");
        assert_eq!((none.items[0].subtotal, none.discount), (700, 0));
    }

    #[test]
    fn zero_invoices_keep_their_plan_and_zero_lines_are_dropped_otherwise() {
        let trial = itemise(&[line(0)], 0, "Invoice");
        assert_eq!(trial.items.len(), 1);
        assert_eq!(trial.items[0].sku.as_deref(), Some("price_0"));
        let mixed = itemise(&[line(0), line(900)], 900, "Invoice");
        assert_eq!(mixed.items.len(), 1);
        assert_eq!(mixed.items[0].subtotal, 900);
    }

    #[test]
    fn negative_credited_is_zero_and_quantity_is_at_least_one() {
        let out = itemise(
            &[Line {
                quantity: 0,
                ..line(500)
            }],
            -20,
            "Invoice",
        );
        assert_eq!(out.items[0].quantity, 1);
        assert_eq!(out.sale_amount(), 0);
    }

    #[test]
    fn three_decimal_items_round_and_the_shortfall_goes_to_the_largest_item() {
        let kwd = Precision::new(3);
        // 1.004 + 1.004 = 2.008 credited: items round to 1.00 + 1.00, the credit to 2.01.
        let out = itemise(&[line(1004), line(1004)], 2008, "Order").to_wire(kwd, 2008);
        assert_eq!(out.sale_amount(), 201);
        assert_eq!(
            out.items.iter().map(|i| i.subtotal).collect::<Vec<_>>(),
            [101, 100]
        );
        assert_eq!(out.discount, 0);
        // 12.345 credited from a 15.000 line: 15.00 - 2.65 = 12.35.
        let out = itemise(&[line(15_000)], 12_345, "Order").to_wire(kwd, 12_345);
        assert_eq!((out.items[0].subtotal, out.discount), (1500, 265));
        // Two decimals: unchanged.
        let usd = itemise(&[line(2900)], 1450, "Order");
        assert_eq!(usd.to_wire(Precision::new(2), 1450), usd);
    }

    proptest! {
        #[test]
        fn wire_items_always_make_the_rounded_credit(
            amounts in proptest::collection::vec(-1_000_000_i64..10_000_000, 0..12),
            credited in -1000_i64..20_000_000,
            exponent in prop_oneof![Just(0_u8), Just(2_u8), Just(3_u8)],
        ) {
            let lines: Vec<Line> = amounts.iter().map(|&a| line(a)).collect();
            let precision = Precision::new(exponent);
            let out = itemise(&lines, credited, "Invoice").to_wire(precision, credited);
            // Independent arithmetic: half-up to the wire unit by hand.
            let factor = if exponent == 3 { 10 } else { 1 };
            let expected = (credited.max(0) + factor / 2) / factor;
            prop_assert!(out.items.iter().all(|i| i.subtotal >= 0 && i.quantity >= 1));
            prop_assert!(out.discount >= 0);
            prop_assert_eq!(out.sale_amount(), i128::from(expected));
        }

        #[test]
        fn the_sale_amount_is_always_the_amount_credited(
            amounts in proptest::collection::vec(-1_000_000_i64..10_000_000, 0..12),
            credited in -1000_i64..20_000_000,
        ) {
            let lines: Vec<Line> = amounts.iter().map(|&a| line(a)).collect();
            let out = itemise(&lines, credited, "Invoice");
            prop_assert!(!out.items.is_empty());
            prop_assert!(out.items.iter().all(|i| i.subtotal >= 0 && i.quantity >= 1));
            prop_assert!(out.discount >= 0);
            prop_assert_eq!(out.sale_amount(), i128::from(credited.max(0)));
        }
    }
}
