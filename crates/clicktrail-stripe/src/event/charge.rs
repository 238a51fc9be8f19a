//! [`Charge`]: a tolerant view of a charge (`charge.refunded` carries one).

use serde_json::Value;

use super::Metadata;
use super::read::Obj;
use crate::{Currency, Error};

/// A tolerant view of a Stripe charge (`ch_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// `ch_...`.
    pub id: String,
    /// The charged amount, minor units.
    pub amount: Option<i64>,
    /// Refunded so far, cumulative across refunds, minor units.
    pub amount_refunded: Option<i64>,
    /// `true` only when fully refunded.
    pub refunded: Option<bool>,
    /// The charge currency.
    pub currency: Option<Currency>,
    /// The payment intent id.
    pub payment_intent: Option<String>,
    /// The invoice id (pre-basil only: removed in `2025-03-31.basil`).
    pub invoice: Option<String>,
    /// The customer id.
    pub customer: Option<String>,
    /// The charge's metadata.
    pub metadata: Metadata,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
    /// `succeeded`, `pending` or `failed`.
    pub status: Option<String>,
    /// `billing_details.email`.
    pub billing_email: Option<String>,
    /// `receipt_email`.
    pub receipt_email: Option<String>,
    /// Whether the charge is from live mode.
    pub livemode: Option<bool>,
}

impl Charge {
    /// Reads a charge object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    /// What is left after refunds: `amount - amount_refunded`, when both are present.
    pub fn amount_remaining(&self) -> Option<i64> {
        self.amount?.checked_sub(self.amount_refunded?)
    }

    /// The payer's email: `billing_details.email`, else `receipt_email`.
    pub fn email(&self) -> Option<&str> {
        self.billing_email
            .as_deref()
            .or(self.receipt_email.as_deref())
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("charge")?;
        let billing_details = o.obj("billing_details")?;
        Ok(Self {
            id: o.required_string("id")?,
            amount: o.i64("amount")?,
            amount_refunded: o.i64("amount_refunded")?,
            refunded: o.bool("refunded")?,
            currency: o.currency("currency")?,
            payment_intent: o.expandable_id("payment_intent")?,
            invoice: o.expandable_id("invoice")?,
            customer: o.expandable_id("customer")?,
            metadata: o.metadata("metadata")?,
            created: o.i64("created")?,
            status: o.string("status")?,
            billing_email: billing_details
                .map(|b| b.string("email"))
                .transpose()?
                .flatten(),
            receipt_email: o.string("receipt_email")?,
            livemode: o.bool("livemode")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn remaining_amount_and_email_fallback() {
        let charge = Charge::from_value(&json!({
            "id": "ch_1", "object": "charge", "amount": 1500, "amount_refunded": 500,
            "refunded": false, "currency": "usd", "billing_details": {"email": null},
            "receipt_email": "r@example.com", "invoice": {"id": "in_1", "object": "invoice"}
        }))
        .unwrap();
        assert_eq!(charge.amount_remaining(), Some(1000));
        assert_eq!(charge.email(), Some("r@example.com"));
        assert_eq!(charge.invoice.as_deref(), Some("in_1"));
        let err = Charge::from_value(&json!({"id": "ch_2", "refunded": "yes"})).unwrap_err();
        assert_eq!(err.to_string(), "field `refunded` is not a boolean");
    }
}
