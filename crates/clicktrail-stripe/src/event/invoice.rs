//! [`Invoice`] and [`InvoiceLine`]: a tolerant view of an invoice, pre-basil or basil+.
//!
//! `2025-03-31.basil` moved the subscription and its metadata under
//! `parent.subscription_details`, removed `charge`, `payment_intent` and `paid` (payments live in
//! `payments`, present only when expanded), replaced `tax` / `total_tax_amounts` with
//! `total_taxes`, and moved a line's price to `pricing.price_details` and its proration flag to
//! `parent.subscription_item_details`. Every field below reads whichever shape is present; the
//! newer one wins when a payload mixes both.

use serde_json::Value;

use super::read::Obj;
use super::{Metadata, PromotionCode};
use crate::{Currency, Error, Money};

/// A tolerant view of a Stripe invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// `in_...`; the conversion's OrderId.
    pub id: String,
    /// The customer id (expanded or not).
    pub customer: Option<String>,
    /// The customer's email as copied onto the invoice.
    pub customer_email: Option<String>,
    /// The invoice currency.
    pub currency: Option<Currency>,
    /// What was paid, minor units.
    pub amount_paid: Option<i64>,
    /// What is due, minor units.
    pub amount_due: Option<i64>,
    /// Sum of the lines before invoice-level discounts and tax.
    pub subtotal: Option<i64>,
    /// Total after discounts and tax.
    pub total: Option<i64>,
    /// Total after discounts, before tax.
    pub total_excluding_tax: Option<i64>,
    /// Tax: basil `total_taxes[].amount` summed, else the older `tax`, else
    /// `total_tax_amounts[].amount` summed; `None` when the payload has none of them.
    pub tax: Option<i64>,
    /// `total_discount_amounts[].amount` summed; `None` when absent.
    pub total_discount_amount: Option<i64>,
    /// Why the invoice exists: `subscription_create`, `subscription_cycle`, `manual`, ...
    pub billing_reason: Option<String>,
    /// `draft`, `open`, `paid`, `uncollectible`, `void`.
    pub status: Option<String>,
    /// Pre-basil `paid` flag (gone in basil: use `status == "paid"`).
    pub paid: Option<bool>,
    /// The invoice's own metadata.
    pub metadata: Metadata,
    /// The subscription id: basil `parent.subscription_details.subscription`, else the older
    /// top-level `subscription`.
    pub subscription: Option<String>,
    /// The subscription's metadata snapshot: basil `parent.subscription_details.metadata`, else
    /// the older `subscription_details.metadata`; `None` when neither is there.
    pub subscription_metadata: Option<Metadata>,
    /// The payment intent: pre-basil top-level `payment_intent`, else from the expanded
    /// `payments.data[].payment.payment_intent` (the paid one first).
    pub payment_intent: Option<String>,
    /// The charge: pre-basil top-level `charge`, else from the expanded
    /// `payments.data[].payment.charge`.
    pub charge: Option<String>,
    /// `status_transitions.paid_at`, unix seconds.
    pub paid_at: Option<i64>,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
    /// Whether the invoice is from live mode.
    pub livemode: Option<bool>,
    /// The lines included in the payload (`lines.data`).
    pub lines: Vec<InvoiceLine>,
    /// `lines.has_more`: more lines exist than the payload carries.
    pub lines_has_more: bool,
    /// The promotion codes its discounts name, in Stripe's order: `discounts` elements that are
    /// expanded discount objects, then the older single `discount` object. Unexpanded discount
    /// ids name none.
    pub promotion_codes: Vec<PromotionCode>,
}

/// One invoice line, tolerant of both shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// `il_...` (or an older `ii_...` / `sli_...`).
    pub id: Option<String>,
    /// The line amount before discounts and tax, minor units.
    pub amount: Option<i64>,
    /// The line currency.
    pub currency: Option<Currency>,
    /// Quantity.
    pub quantity: Option<i64>,
    /// Human-readable description (`1 × Pro (at $20.00 / month)`).
    pub description: Option<String>,
    /// The price id: basil `pricing.price_details.price`, else `price.id`, else `plan.id`.
    pub price: Option<String>,
    /// The product id: basil `pricing.price_details.product`, else `price.product`, else
    /// `plan.product`.
    pub product: Option<String>,
    /// Whether the line is a proration: basil `parent.subscription_item_details.proration`, else
    /// the older `proration`; `false` when absent.
    pub proration: bool,
    /// `discount_amounts[].amount` summed (0 when absent).
    pub discount_amount: i64,
    /// Tax: basil `taxes[].amount` summed, else `tax_amounts[].amount` summed (0 when absent).
    pub tax_amount: i64,
    /// The line's metadata.
    pub metadata: Metadata,
}

impl Invoice {
    /// Reads an invoice object (for example one fetched from the API).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    /// `true` when the payload carries every line (`lines.has_more` is false).
    pub fn lines_complete(&self) -> bool {
        !self.lines_has_more
    }

    /// `amount_paid` with its currency, when both are present.
    pub fn amount_paid_money(&self) -> Option<Money> {
        Some(Money::new(self.amount_paid?, self.currency?))
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("invoice")?;

        // basil+: `parent.subscription_details.{subscription, metadata}`; before: top-level
        // `subscription` and `subscription_details.metadata`. The newer place wins.
        let (basil_subscription, basil_metadata) = match o.obj("parent")? {
            Some(parent) => match parent.obj("subscription_details")? {
                Some(details) => (
                    details.expandable_id("subscription")?,
                    details.metadata_opt("metadata")?,
                ),
                None => (None, None),
            },
            None => (None, None),
        };
        let subscription = match basil_subscription {
            Some(id) => Some(id),
            None => o.expandable_id("subscription")?,
        };
        let subscription_metadata = match basil_metadata {
            Some(metadata) => Some(metadata),
            None => match o.obj("subscription_details")? {
                Some(details) => details.metadata_opt("metadata")?,
                None => None,
            },
        };

        let tax = match o.sum_amounts("total_taxes")? {
            Some(sum) => Some(sum),
            None => match o.i64("tax")? {
                Some(tax) => Some(tax),
                None => o.sum_amounts("total_tax_amounts")?,
            },
        };

        let (payment_intent_basil, charge_basil) = read_payments(&o)?;
        let payment_intent = o.expandable_id("payment_intent")?.or(payment_intent_basil);
        let charge = o.expandable_id("charge")?.or(charge_basil);

        let paid_at = match o.obj("status_transitions")? {
            Some(st) => st.i64("paid_at")?,
            None => None,
        };

        let (lines, lines_has_more) = match o.list("lines")? {
            Some((items, has_more)) => (
                items
                    .iter()
                    .map(InvoiceLine::read)
                    .collect::<Result<_, _>>()?,
                has_more,
            ),
            None => (Vec::new(), false),
        };

        Ok(Self {
            id: o.required_string("id")?,
            customer: o.expandable_id("customer")?,
            customer_email: o.string("customer_email")?,
            currency: o.currency("currency")?,
            amount_paid: o.i64("amount_paid")?,
            amount_due: o.i64("amount_due")?,
            subtotal: o.i64("subtotal")?,
            total: o.i64("total")?,
            total_excluding_tax: o.i64("total_excluding_tax")?,
            tax,
            total_discount_amount: o.sum_amounts("total_discount_amounts")?,
            billing_reason: o.string("billing_reason")?,
            status: o.string("status")?,
            paid: o.bool("paid")?,
            metadata: o.metadata("metadata")?,
            subscription,
            subscription_metadata,
            payment_intent,
            charge,
            paid_at,
            created: o.i64("created")?,
            livemode: o.bool("livemode")?,
            lines,
            lines_has_more,
            promotion_codes: promotion_codes(&o)?,
        })
    }
}

/// Basil's expanded `payments.data[].payment`: the payment intent and charge of the paid entry
/// (else of the first entry).
/// [`Invoice::promotion_codes`]: expanded `discounts`, then the older single `discount`.
fn promotion_codes(o: &Obj<'_>) -> Result<Vec<PromotionCode>, Error> {
    let mut codes = PromotionCode::in_discounts(o, "discounts")?;
    if let Some(discount) = o.obj("discount")? {
        codes.extend(PromotionCode::named_by(&discount)?);
    }
    Ok(codes)
}

fn read_payments(o: &Obj<'_>) -> Result<(Option<String>, Option<String>), Error> {
    let Some((items, _)) = o.list("payments")? else {
        return Ok((None, None));
    };
    let mut chosen = None;
    for item in &items {
        let paid = item.str("status")? == Some("paid");
        if paid || chosen.is_none() {
            chosen = Some(item);
        }
        if paid {
            break;
        }
    }
    let Some(payment) = chosen
        .map(|item| item.obj("payment"))
        .transpose()?
        .flatten()
    else {
        return Ok((None, None));
    };
    Ok((
        payment.expandable_id("payment_intent")?,
        payment.expandable_id("charge")?,
    ))
}

impl InvoiceLine {
    /// Reads one invoice line object (for example an item of `GET /v1/invoices/{id}/lines`).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(&Obj::new(value, "")?)
    }

    fn read(o: &Obj<'_>) -> Result<Self, Error> {
        let price_details = match o.obj("pricing")? {
            Some(pricing) => pricing.obj("price_details")?,
            None => None,
        };
        let legacy_price = match o.get("price") {
            Some(Value::Object(_)) => o.obj("price")?,
            _ => None,
        };
        let plan = o.obj("plan")?;

        let mut price = None;
        let mut product = None;
        if let Some(details) = &price_details {
            price = details.expandable_id("price")?;
            product = details.expandable_id("product")?;
        }
        if price.is_none() {
            price = o.expandable_id("price")?;
        }
        if price.is_none() {
            price = plan.as_ref().map(|p| p.string("id")).transpose()?.flatten();
        }
        if product.is_none() {
            product = legacy_price
                .as_ref()
                .map(|p| p.expandable_id("product"))
                .transpose()?
                .flatten();
        }
        if product.is_none() {
            product = plan
                .as_ref()
                .map(|p| p.expandable_id("product"))
                .transpose()?
                .flatten();
        }

        let basil_proration = match o.obj("parent")? {
            Some(parent) => match parent.obj("subscription_item_details")? {
                Some(details) => details.bool("proration")?,
                None => None,
            },
            None => None,
        };
        let proration = match basil_proration {
            Some(p) => p,
            None => o.bool("proration")?.unwrap_or(false),
        };

        let tax_amount = match o.sum_amounts("taxes")? {
            Some(sum) => sum,
            None => o.sum_amounts("tax_amounts")?.unwrap_or(0),
        };

        Ok(Self {
            id: o.string("id")?,
            amount: o.i64("amount")?,
            currency: o.currency("currency")?,
            quantity: o.i64("quantity")?,
            description: o.string("description")?,
            price,
            product,
            proration,
            discount_amount: o.sum_amounts("discount_amounts")?.unwrap_or(0),
            tax_amount,
            metadata: o.metadata("metadata")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn basil_and_pre_basil_shapes_give_the_same_answers() {
        let basil = json!({
            "id": "in_1", "object": "invoice", "currency": "usd", "amount_paid": 1100,
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": "sub_1", "metadata": {"impact_click_id": "CK"}}},
            "total_taxes": [{"amount": 60}, {"amount": 40}],
            "payments": {"object": "list", "has_more": false, "data": [
                {"status": "canceled", "payment": {"type": "payment_intent", "payment_intent": "pi_old"}},
                {"status": "paid", "payment": {"type": "payment_intent",
                    "payment_intent": {"id": "pi_1", "object": "payment_intent"}, "charge": "ch_1"}}]},
            "lines": {"object": "list", "has_more": true, "data": [{
                "id": "il_1", "amount": 1000, "quantity": 2,
                "pricing": {"type": "price_details", "price_details": {"price": "price_1", "product": "prod_1"}},
                "parent": {"type": "subscription_item_details", "subscription_item_details": {"proration": true}},
                "taxes": [{"amount": 100}], "discount_amounts": [{"amount": 5}]}]}
        });
        let legacy = json!({
            "id": "in_1", "object": "invoice", "currency": "usd", "amount_paid": 1100,
            "subscription": {"id": "sub_1", "object": "subscription"},
            "subscription_details": {"metadata": {"impact_click_id": "CK"}},
            "tax": 100, "payment_intent": "pi_1", "charge": {"id": "ch_1"},
            "lines": {"object": "list", "has_more": true, "data": [{
                "id": "il_1", "amount": 1000, "quantity": 2, "proration": true,
                "price": {"id": "price_1", "product": {"id": "prod_1", "object": "product"}},
                "plan": {"id": "plan_ignored"},
                "tax_amounts": [{"amount": 100}], "discount_amounts": [{"amount": 5}]}]}
        });
        let a = Invoice::from_value(&basil).unwrap();
        let b = Invoice::from_value(&legacy).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.subscription.as_deref(), Some("sub_1"));
        assert_eq!(
            a.subscription_metadata.as_ref().unwrap()["impact_click_id"],
            "CK"
        );
        assert_eq!(a.tax, Some(100));
        assert_eq!(a.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(a.charge.as_deref(), Some("ch_1"));
        assert!(!a.lines_complete());
        let line = &a.lines[0];
        assert_eq!(
            (line.price.as_deref(), line.product.as_deref()),
            (Some("price_1"), Some("prod_1"))
        );
        assert!(line.proration);
        assert_eq!((line.tax_amount, line.discount_amount), (100, 5));
        assert_eq!(
            a.amount_paid_money()
                .unwrap()
                .to_decimal_string()
                .as_deref(),
            Some("11.00")
        );
    }

    #[test]
    fn older_shapes_fall_back_to_plan_and_total_tax_amounts() {
        let old = json!({
            "id": "in_2", "tax": null, "total_tax_amounts": [{"amount": 7}, {"amount": 3}],
            "lines": {"data": [{"plan": {"id": "plan_1", "product": "prod_9"}, "price": null}]}
        });
        let invoice = Invoice::from_value(&old).unwrap();
        assert_eq!(invoice.tax, Some(10));
        assert_eq!(invoice.lines[0].price.as_deref(), Some("plan_1"));
        assert_eq!(invoice.lines[0].product.as_deref(), Some("prod_9"));
        assert!(!invoice.lines[0].proration);
        assert!(invoice.lines_complete());
        assert_eq!(invoice.subscription, None);
        assert_eq!(invoice.subscription_metadata, None);
    }

    #[test]
    fn a_minimal_invoice_parses_and_wrong_types_name_the_field() {
        let invoice = Invoice::from_value(&json!({"id": "in_3", "surprise": [1, 2]})).unwrap();
        assert_eq!(invoice.amount_paid, None);
        assert!(invoice.lines.is_empty());
        let err = Invoice::read(
            &json!({"id": "in_4", "lines": {"data": [{"amount": "10"}]}}),
            "data.object",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `data.object.lines.data[0].amount` is not an integer"
        );
        let err = Invoice::from_value(&json!({"id": "in_5", "currency": "dollars"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `currency` is not a three-letter currency code"
        );
        let err = Invoice::from_value(&json!({"amount_paid": 1})).unwrap_err();
        assert_eq!(err.to_string(), "missing field `id`");
    }
}
