//! The Stripe parameters that carry the click id to the invoice.
//!
//! The forwarder finds the click id of an `invoice.paid` event in the subscription's metadata
//! (copied by Stripe onto the invoice), and of a one-time payment in the Checkout Session or its
//! payment intent. So every Stripe object that leads to money must carry it:
//!
//! | Stripe call | [`StripeTarget`] | parameters |
//! |---|---|---|
//! | `POST /v1/subscriptions` | `SubscriptionCreate` | `metadata[impact_click_id]` |
//! | `POST /v1/customers` | `CustomerCreate` | `metadata[impact_click_id]` |
//! | `POST /v1/customers/{id}` | `CustomerUpdate` | `metadata[impact_click_id]` |
//! | `POST /v1/checkout/sessions`, `mode=subscription` | `CheckoutSubscription` | `metadata[impact_click_id]`, `subscription_data[metadata][impact_click_id]`, `client_reference_id` |
//! | `POST /v1/checkout/sessions`, `mode=payment` | `CheckoutPayment` | `metadata[impact_click_id]`, `payment_intent_data[metadata][impact_click_id]`, `client_reference_id` |
//! | `POST /v1/checkout/sessions`, `mode=setup` | `CheckoutSetup` | `metadata[impact_click_id]`, `client_reference_id` |
//!
//! Checkout Session metadata does not reach the subscription by itself, hence
//! `subscription_data[metadata]`. `client_reference_id` holds the click id in the reversible
//! `irc_` encoding (Stripe allows only `[A-Za-z0-9_-]` there), so it survives even when the
//! merchant's own code never sets metadata. Values are never blank: a [`ClickId`] is never empty.
//!
//! # Example
//!
//! ```
//! use clicktrail_tower::{ClickId, StripeTarget};
//!
//! let click_id = ClickId::new("Qx9:abc").unwrap();
//! let params = click_id.stripe_params(StripeTarget::CheckoutSubscription);
//! assert_eq!(params[0], ("metadata[impact_click_id]", "Qx9:abc".to_string()));
//! assert_eq!(params[1], ("subscription_data[metadata][impact_click_id]", "Qx9:abc".to_string()));
//! assert_eq!(params[2].0, "client_reference_id");
//!
//! // With a Stripe client that takes a metadata map (async-stripe):
//! let metadata = click_id.stripe_metadata();
//! assert_eq!(metadata["impact_click_id"], "Qx9:abc");
//! ```

use std::collections::HashMap;

use crate::ClickId;

/// The metadata key that carries the click id on Stripe objects: `impact_click_id`.
pub const METADATA_KEY: &str = "impact_click_id";

/// A Stripe API call that must carry the click id. See the [module docs](self) for the
/// parameters of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StripeTarget {
    /// `POST /v1/subscriptions`.
    SubscriptionCreate,
    /// `POST /v1/customers`.
    CustomerCreate,
    /// `POST /v1/customers/{id}`.
    CustomerUpdate,
    /// `POST /v1/checkout/sessions` with `mode=subscription`.
    CheckoutSubscription,
    /// `POST /v1/checkout/sessions` with `mode=payment`.
    CheckoutPayment,
    /// `POST /v1/checkout/sessions` with `mode=setup` (no money yet; the id is kept for later).
    CheckoutSetup,
}

impl StripeTarget {
    /// The form keys this call carries the click id in. `client_reference_id` takes the `irc_`
    /// encoding; every other key takes the click id verbatim.
    pub fn keys(self) -> &'static [&'static str] {
        const META: &str = "metadata[impact_click_id]";
        const SUBSCRIPTION: &str = "subscription_data[metadata][impact_click_id]";
        const PAYMENT_INTENT: &str = "payment_intent_data[metadata][impact_click_id]";
        const REFERENCE: &str = "client_reference_id";
        match self {
            Self::SubscriptionCreate | Self::CustomerCreate | Self::CustomerUpdate => &[META],
            Self::CheckoutSubscription => &[META, SUBSCRIPTION, REFERENCE],
            Self::CheckoutPayment => &[META, PAYMENT_INTENT, REFERENCE],
            Self::CheckoutSetup => &[META, REFERENCE],
        }
    }
}

impl ClickId {
    /// The form parameters that carry this click id in the Stripe call `target`, in the order
    /// of the [module docs](crate::stripe)' table. Append them to the call's other parameters
    /// (they serialize with `serde_urlencoded`, reqwest's `.form()`, or
    /// `form_urlencoded::Serializer::extend_pairs`).
    pub fn stripe_params(&self, target: StripeTarget) -> Vec<(&'static str, String)> {
        target
            .keys()
            .iter()
            .map(|&key| (key, self.stripe_value(key)))
            .collect()
    }

    /// The metadata map `{"impact_click_id": <click id>}`, for Stripe clients that take metadata
    /// as a map (async-stripe's `metadata: Option<HashMap<String, String>>`). Put it on the
    /// subscription, the customer, and a Checkout Session's `subscription_data` or
    /// `payment_intent_data`.
    pub fn stripe_metadata(&self) -> HashMap<String, String> {
        HashMap::from([(METADATA_KEY.to_owned(), self.as_str().to_owned())])
    }

    /// The value of the form key `key` (one of [`StripeTarget::keys`]).
    pub(crate) fn stripe_value(&self, key: &str) -> String {
        if key == "client_reference_id" {
            self.to_client_reference_id()
        } else {
            self.as_str().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_reference_decodes_back() {
        let id = ClickId::new("VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30").unwrap();
        for target in [
            StripeTarget::CheckoutPayment,
            StripeTarget::CheckoutSubscription,
        ] {
            let params = id.stripe_params(target);
            let (_, reference) = params
                .iter()
                .find(|(k, _)| *k == "client_reference_id")
                .unwrap();
            assert_eq!(ClickId::from_client_reference_id(reference).unwrap(), id);
        }
    }
}
