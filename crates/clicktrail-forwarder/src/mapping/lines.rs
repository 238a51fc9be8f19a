//! Stripe's lines as itemisation inputs ([`Line`]): the one adapter shared by invoice lines and
//! Checkout line items.
//!
//! Both become a [`Line`] the same way: SKU = the price id, else the product id; name = the
//! description; quantity = Stripe's, at least 1 when absent or negative; amount = the line's
//! amount before order-level discounts (an invoice line's `amount`, a Checkout item's
//! `amount_subtotal`).

use clicktrail_stripe::{CheckoutLineItem, InvoiceLine};

use super::items::Line;

/// The fields of a Stripe line that the itemisation reads.
struct Source<'a> {
    price: Option<&'a String>,
    product: Option<&'a String>,
    description: Option<&'a String>,
    quantity: Option<i64>,
    amount: Option<i64>,
}

impl<'a> From<&'a InvoiceLine> for Source<'a> {
    fn from(line: &'a InvoiceLine) -> Self {
        Self {
            price: line.price.as_ref(),
            product: line.product.as_ref(),
            description: line.description.as_ref(),
            quantity: line.quantity,
            amount: line.amount,
        }
    }
}

impl<'a> From<&'a CheckoutLineItem> for Source<'a> {
    fn from(item: &'a CheckoutLineItem) -> Self {
        Self {
            price: item.price.as_ref(),
            product: item.product.as_ref(),
            description: item.description.as_ref(),
            quantity: item.quantity,
            amount: item.amount_subtotal,
        }
    }
}

/// An invoice's lines as itemisation inputs, in order.
pub(super) fn of_invoice(lines: &[InvoiceLine]) -> Vec<Line> {
    lines.iter().map(|l| line(l.into())).collect()
}

/// A Checkout Session's line items as itemisation inputs, in order.
pub(super) fn of_checkout(items: &[CheckoutLineItem]) -> Vec<Line> {
    items.iter().map(|i| line(i.into())).collect()
}

/// The one adapter: see the module docs.
fn line(source: Source<'_>) -> Line {
    Line {
        sku: source.price.or(source.product).cloned(),
        name: source.description.cloned(),
        quantity: source
            .quantity
            .and_then(|q| u64::try_from(q).ok())
            .unwrap_or(1),
        amount: source.amount.unwrap_or(0),
    }
}
