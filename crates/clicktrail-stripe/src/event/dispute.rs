//! [`Dispute`]: a tolerant view of a dispute (`charge.dispute.*` events).

use serde_json::Value;

use super::read::Obj;
use crate::{Currency, Error};

/// A tolerant view of a Stripe dispute (`dp_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// `dp_...`.
    pub id: String,
    /// The disputed amount, minor units (can be less than the charge's).
    pub amount: Option<i64>,
    /// The dispute currency.
    pub currency: Option<Currency>,
    /// The disputed charge id.
    pub charge: Option<String>,
    /// The disputed payment intent id, when the charge had one.
    pub payment_intent: Option<String>,
    /// `fraudulent`, `product_not_received`, ...
    pub reason: Option<String>,
    /// `warning_needs_response`, `needs_response`, `under_review`, ..., and on
    /// `charge.dispute.closed`: `won`, `lost` or `warning_closed`.
    pub status: Option<String>,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
}

impl Dispute {
    /// Reads a dispute object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("dispute")?;
        Ok(Self {
            id: o.required_string("id")?,
            amount: o.i64("amount")?,
            currency: o.currency("currency")?,
            charge: o.expandable_id("charge")?,
            payment_intent: o.expandable_id("payment_intent")?,
            reason: o.string("reason")?,
            status: o.string("status")?,
            created: o.i64("created")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_a_dispute_with_an_expanded_charge() {
        let d = Dispute::from_value(&json!({
            "id": "dp_1", "object": "dispute", "amount": 1000, "currency": "usd",
            "charge": {"id": "ch_1", "object": "charge"}, "payment_intent": null,
            "reason": "fraudulent", "status": "lost", "created": 1_700_000_000
        }))
        .unwrap();
        assert_eq!(d.charge.as_deref(), Some("ch_1"));
        assert_eq!(d.payment_intent, None);
        assert_eq!(d.status.as_deref(), Some("lost"));
        let err = Dispute::from_value(&json!({"id": "ch_1", "object": "charge"})).unwrap_err();
        assert!(err.to_string().contains("dispute"), "{err}");
    }
}
