//! [`Refund`]: a tolerant view of a refund (`refund.*` events).

use serde_json::Value;

use super::Metadata;
use super::read::Obj;
use crate::{Currency, Error};

/// A tolerant view of a Stripe refund (`re_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// `re_...`.
    pub id: String,
    /// The refunded amount, minor units.
    pub amount: Option<i64>,
    /// The refunded charge id.
    pub charge: Option<String>,
    /// The refunded payment intent id.
    pub payment_intent: Option<String>,
    /// The refund currency.
    pub currency: Option<Currency>,
    /// `pending`, `succeeded`, `failed`, `canceled`, `requires_action`.
    pub status: Option<String>,
    /// `duplicate`, `fraudulent`, `requested_by_customer`, ...
    pub reason: Option<String>,
    /// The refund's metadata.
    pub metadata: Metadata,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
}

impl Refund {
    /// Reads a refund object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("refund")?;
        Ok(Self {
            id: o.required_string("id")?,
            amount: o.i64("amount")?,
            charge: o.expandable_id("charge")?,
            payment_intent: o.expandable_id("payment_intent")?,
            currency: o.currency("currency")?,
            status: o.string("status")?,
            reason: o.string("reason")?,
            metadata: o.metadata("metadata")?,
            created: o.i64("created")?,
        })
    }
}
