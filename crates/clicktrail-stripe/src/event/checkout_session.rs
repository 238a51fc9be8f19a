//! [`CheckoutSession`] and [`CheckoutLineItem`]: a tolerant view of a Checkout Session.

use serde_json::Value;

use super::read::Obj;
use super::{Metadata, PromotionCode};
use crate::{Currency, Error};

/// A tolerant view of a Stripe Checkout Session (`cs_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    /// `cs_test_...` / `cs_live_...`.
    pub id: String,
    /// `payment`, `subscription` or `setup`.
    pub mode: Option<String>,
    /// `paid`, `unpaid` (delayed payment methods) or `no_payment_required`.
    pub payment_status: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: Option<String>,
    /// The session's metadata (not copied to the subscription or payment intent by Stripe).
    pub metadata: Metadata,
    /// `client_reference_id`: only `[A-Za-z0-9_-]`, up to 200 characters.
    pub client_reference_id: Option<String>,
    /// Total after discounts and tax, minor units.
    pub amount_total: Option<i64>,
    /// Total before discounts and tax, minor units.
    pub amount_subtotal: Option<i64>,
    /// `total_details.amount_tax`.
    pub amount_tax: Option<i64>,
    /// `total_details.amount_discount`.
    pub amount_discount: Option<i64>,
    /// The session currency.
    pub currency: Option<Currency>,
    /// The customer id (expanded or not).
    pub customer: Option<String>,
    /// `customer_details.email`: what the buyer typed at checkout.
    pub customer_details_email: Option<String>,
    /// `customer_email`: the email the session was created with.
    pub customer_email: Option<String>,
    /// The payment intent id (`mode = payment`).
    pub payment_intent: Option<String>,
    /// The subscription id (`mode = subscription`).
    pub subscription: Option<String>,
    /// The invoice id, when one was created.
    pub invoice: Option<String>,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
    /// Whether the session is from live mode.
    pub livemode: Option<bool>,
    /// `line_items.data`, only when the payload carries them (they must be expanded).
    pub line_items: Option<Vec<CheckoutLineItem>>,
    /// `line_items.has_more`.
    pub line_items_has_more: bool,
    /// The promotion codes its `discounts` name (Checkout allows one), in Stripe's order.
    pub promotion_codes: Vec<PromotionCode>,
}

/// One line of a Checkout Session (`li_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutLineItem {
    /// `li_...`.
    pub id: Option<String>,
    /// Description (the product name by default).
    pub description: Option<String>,
    /// Quantity.
    pub quantity: Option<i64>,
    /// Before discounts and tax, minor units.
    pub amount_subtotal: Option<i64>,
    /// After discounts and tax, minor units.
    pub amount_total: Option<i64>,
    /// Tax, minor units: `amount_tax`, else `taxes[].amount` summed.
    pub amount_tax: Option<i64>,
    /// Discount, minor units: `amount_discount`, else `discounts[].amount` summed.
    pub amount_discount: Option<i64>,
    /// The line currency.
    pub currency: Option<Currency>,
    /// `price.id` (or `price` as an id).
    pub price: Option<String>,
    /// `price.product` (id or expanded).
    pub product: Option<String>,
}

impl CheckoutSession {
    /// Reads a Checkout Session object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    /// The buyer's email: `customer_details.email`, else `customer_email`.
    pub fn email(&self) -> Option<&str> {
        self.customer_details_email
            .as_deref()
            .or(self.customer_email.as_deref())
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("checkout.session")?;
        let total_details = o.obj("total_details")?;
        let customer_details = o.obj("customer_details")?;
        let (line_items, line_items_has_more) = match o.list("line_items")? {
            Some((items, has_more)) => (
                Some(
                    items
                        .iter()
                        .map(CheckoutLineItem::read)
                        .collect::<Result<_, _>>()?,
                ),
                has_more,
            ),
            None => (None, false),
        };
        Ok(Self {
            id: o.required_string("id")?,
            mode: o.string("mode")?,
            payment_status: o.string("payment_status")?,
            status: o.string("status")?,
            metadata: o.metadata("metadata")?,
            client_reference_id: o.string("client_reference_id")?,
            amount_total: o.i64("amount_total")?,
            amount_subtotal: o.i64("amount_subtotal")?,
            amount_tax: total_details
                .as_ref()
                .map(|t| t.i64("amount_tax"))
                .transpose()?
                .flatten(),
            amount_discount: total_details
                .as_ref()
                .map(|t| t.i64("amount_discount"))
                .transpose()?
                .flatten(),
            currency: o.currency("currency")?,
            customer: o.expandable_id("customer")?,
            customer_details_email: customer_details
                .as_ref()
                .map(|c| c.string("email"))
                .transpose()?
                .flatten(),
            customer_email: o.string("customer_email")?,
            payment_intent: o.expandable_id("payment_intent")?,
            subscription: o.expandable_id("subscription")?,
            invoice: o.expandable_id("invoice")?,
            created: o.i64("created")?,
            livemode: o.bool("livemode")?,
            line_items,
            line_items_has_more,
            promotion_codes: PromotionCode::in_discounts(&o, "discounts")?,
        })
    }
}

impl CheckoutLineItem {
    /// Reads one line item (an element of `line_items.data`, or of
    /// `GET /v1/checkout/sessions/{id}/line_items`).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(&Obj::new(value, "")?)
    }

    fn read(o: &Obj<'_>) -> Result<Self, Error> {
        let price_obj = match o.get("price") {
            Some(Value::Object(_)) => o.obj("price")?,
            _ => None,
        };
        let amount_tax = match o.i64("amount_tax")? {
            Some(tax) => Some(tax),
            None => o.sum_amounts("taxes")?,
        };
        let amount_discount = match o.i64("amount_discount")? {
            Some(discount) => Some(discount),
            None => o.sum_amounts("discounts")?,
        };
        Ok(Self {
            id: o.string("id")?,
            description: o.string("description")?,
            quantity: o.i64("quantity")?,
            amount_subtotal: o.i64("amount_subtotal")?,
            amount_total: o.i64("amount_total")?,
            amount_tax,
            amount_discount,
            currency: o.currency("currency")?,
            price: o.expandable_id("price")?,
            product: price_obj
                .map(|p| p.expandable_id("product"))
                .transpose()?
                .flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_totals_email_and_expanded_line_items() {
        let session = CheckoutSession::from_value(&json!({
            "id": "cs_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
            "amount_total": 1200, "amount_subtotal": 1000, "currency": "EUR",
            "total_details": {"amount_tax": 200, "amount_discount": 0, "amount_shipping": 0},
            "customer": {"id": "cus_1", "object": "customer"}, "customer_email": "b@example.com",
            "customer_details": {"email": null},
            "line_items": {"object": "list", "has_more": false, "data": [{
                "id": "li_1", "description": "Mug", "quantity": 2, "amount_subtotal": 1000,
                "amount_total": 1200, "amount_tax": 200, "amount_discount": 0, "currency": "eur",
                "price": {"id": "price_1", "product": "prod_1"}}]}
        }))
        .unwrap();
        assert_eq!(session.amount_tax, Some(200));
        assert_eq!(session.customer.as_deref(), Some("cus_1"));
        assert_eq!(session.email(), Some("b@example.com"));
        assert_eq!(session.currency.unwrap().code_upper(), "EUR");
        let items = session.line_items.unwrap();
        assert_eq!(items[0].price.as_deref(), Some("price_1"));
        assert_eq!(items[0].product.as_deref(), Some("prod_1"));
        assert_eq!(items[0].amount_total, Some(1200));
    }

    #[test]
    fn line_items_are_none_when_not_expanded() {
        let session = CheckoutSession::from_value(&json!({"id": "cs_2"})).unwrap();
        assert_eq!(session.line_items, None);
        assert_eq!(session.email(), None);
    }
}
