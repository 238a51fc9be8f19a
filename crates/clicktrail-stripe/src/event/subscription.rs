//! [`Subscription`]: a tolerant view of a subscription.

use serde_json::Value;

use super::Metadata;
use super::read::Obj;
use crate::Error;

/// A tolerant view of a Stripe subscription (`sub_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `sub_...`.
    pub id: String,
    /// The customer id.
    pub customer: Option<String>,
    /// The subscription's metadata, where the click id is written at creation.
    pub metadata: Metadata,
    /// `trialing`, `active`, `past_due`, `canceled`, `incomplete`, ...
    pub status: Option<String>,
    /// Trial start, unix seconds.
    pub trial_start: Option<i64>,
    /// Trial end, unix seconds.
    pub trial_end: Option<i64>,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
    /// The latest invoice id.
    pub latest_invoice: Option<String>,
    /// The price ids of `items.data[].price` present in the payload.
    pub prices: Vec<String>,
}

impl Subscription {
    /// Reads a subscription object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("subscription")?;
        let mut prices = Vec::new();
        if let Some((items, _)) = o.list("items")? {
            for item in &items {
                prices.extend(item.expandable_id("price")?);
            }
        }
        Ok(Self {
            id: o.required_string("id")?,
            customer: o.expandable_id("customer")?,
            metadata: o.metadata("metadata")?,
            status: o.string("status")?,
            trial_start: o.i64("trial_start")?,
            trial_end: o.i64("trial_end")?,
            created: o.i64("created")?,
            latest_invoice: o.expandable_id("latest_invoice")?,
            prices,
        })
    }
}
