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
//! # Your own parameters win
//!
//! [`ClickId::stripe_params`] gives a [`StripeParams`]. [`StripeParams::add_to`] (for a
//! `Vec` of pairs) and [`StripeParams::missing_from`] (for any other form type) add only the
//! parameters your call does not already set: **a `client_reference_id` you set yourself (your
//! user id, your cart id) is never overwritten**, nor a `metadata[impact_click_id]` you set, nor
//! a metadata hash you clear with `metadata=`. (Stripe keeps the last of two values of a key, so
//! blindly appending would replace yours.) [`StripeParams::to_vec`] gives them all, for a call
//! you build from scratch.
//!
//! # How to opt out of a carrier
//!
//! Each [`Carrier`] can be left out with [`StripeParams::without`]; only that carrier goes, the
//! others stay:
//!
//! - [`Carrier::ClientReferenceId`]: when `client_reference_id` is yours (the helpers already
//!   keep a value you set; opt out to keep the field empty);
//! - [`Carrier::Metadata`]: the object's own metadata (subscription, customer or Checkout
//!   Session), when you keep your metadata for yourself;
//! - [`Carrier::SubscriptionData`] / [`Carrier::PaymentIntentData`]: the metadata of the
//!   subscription or payment a Checkout Session creates.
//!
//! Opting out has a price: the forwarder credits an invoice from the subscription's metadata
//! and a one-time payment from the session or its payment intent (with `client_reference_id` as
//! the fallback), so leave at least one carrier that reaches the object that is paid.
//!
//! # Example
//!
//! ```
//! use clicktrail_tower::{Carrier, ClickId, StripeTarget};
//!
//! let click_id = ClickId::new("Qx9:abc").unwrap();
//!
//! // The merchant's own Checkout Session parameters, with its own client_reference_id.
//! let mut params = vec![
//!     ("mode", "subscription".to_owned()),
//!     ("client_reference_id", "cart_42".to_owned()),
//! ];
//! click_id.stripe_params(StripeTarget::CheckoutSubscription).add_to(&mut params);
//! assert_eq!(params, [
//!     ("mode", "subscription".to_owned()),
//!     ("client_reference_id", "cart_42".to_owned()), // kept
//!     ("metadata[impact_click_id]", "Qx9:abc".to_owned()),
//!     ("subscription_data[metadata][impact_click_id]", "Qx9:abc".to_owned()),
//! ]);
//!
//! // Opting out of one carrier removes only that one.
//! let params = click_id
//!     .stripe_params(StripeTarget::CheckoutSubscription)
//!     .without(Carrier::Metadata)
//!     .to_vec();
//! assert_eq!(params[0], ("subscription_data[metadata][impact_click_id]", "Qx9:abc".to_owned()));
//! assert_eq!(params[1].0, "client_reference_id");
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
    /// The carriers of this call, in the order of the [module docs](self)' table.
    pub fn carriers(self) -> &'static [Carrier] {
        use Carrier::*;
        match self {
            Self::SubscriptionCreate | Self::CustomerCreate | Self::CustomerUpdate => &[Metadata],
            Self::CheckoutSubscription => &[Metadata, SubscriptionData, ClientReferenceId],
            Self::CheckoutPayment => &[Metadata, PaymentIntentData, ClientReferenceId],
            Self::CheckoutSetup => &[Metadata, ClientReferenceId],
        }
    }

    /// The form keys this call carries the click id in. `client_reference_id` takes the `irc_`
    /// encoding; every other key takes the click id verbatim.
    pub fn keys(self) -> impl Iterator<Item = &'static str> {
        self.carriers().iter().map(|carrier| carrier.key())
    }
}

/// One parameter of a Stripe call that carries the click id. Each can be left out with
/// [`StripeParams::without`] (see ["How to opt out"](self#how-to-opt-out-of-a-carrier)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Carrier {
    /// `metadata[impact_click_id]`: the created or updated object's own metadata (the
    /// subscription's, the customer's, or the Checkout Session's). Opt out when you keep that
    /// metadata for yourself.
    Metadata,
    /// `subscription_data[metadata][impact_click_id]`: the subscription a Checkout Session in
    /// `subscription` mode creates, whose invoices the forwarder credits. Opt out only if you set
    /// the subscription's metadata another way.
    SubscriptionData,
    /// `payment_intent_data[metadata][impact_click_id]`: the payment a Checkout Session in
    /// `payment` mode creates. Opt out only if you set it another way.
    PaymentIntentData,
    /// `client_reference_id`, the click id in the `irc_` encoding. A value you set yourself is
    /// always kept by [`StripeParams::add_to`] and [`StripeParams::missing_from`]; opt out to
    /// leave the field empty.
    ClientReferenceId,
}

impl Carrier {
    /// The form key of this carrier.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Metadata => "metadata[impact_click_id]",
            Self::SubscriptionData => "subscription_data[metadata][impact_click_id]",
            Self::PaymentIntentData => "payment_intent_data[metadata][impact_click_id]",
            Self::ClientReferenceId => "client_reference_id",
        }
    }

    /// Whether a call whose parameters have the keys `present` already sets this carrier: its
    /// own key, or its whole metadata hash (`metadata=` clears the metadata on an update).
    pub(crate) fn is_set_in<K: AsRef<str>>(self, present: &[K]) -> bool {
        let key = self.key();
        let parent = key.rfind('[').map(|at| &key[..at]);
        present
            .iter()
            .any(|k| k.as_ref() == key || Some(k.as_ref()) == parent)
    }
}

/// A set of [`Carrier`]s, `Copy` so that services clone it for free.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CarrierSet(u8);

impl CarrierSet {
    pub(crate) fn insert(&mut self, carrier: Carrier) {
        self.0 |= 1 << carrier as u8;
    }

    pub(crate) fn contains(self, carrier: Carrier) -> bool {
        self.0 & (1 << carrier as u8) != 0
    }
}

/// The parameters that carry a click id in one Stripe call, from [`ClickId::stripe_params`].
///
/// Get them with [`add_to`](Self::add_to) or [`missing_from`](Self::missing_from), which never
/// overwrite a parameter your call sets (your `client_reference_id`), or with
/// [`to_vec`](Self::to_vec) for a call you build from scratch. Leave a carrier out with
/// [`without`](Self::without).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "the parameters do nothing until added to a Stripe call"]
pub struct StripeParams<'a> {
    click_id: &'a ClickId,
    target: StripeTarget,
    skipped: CarrierSet,
}

impl<'a> StripeParams<'a> {
    /// The parameters of every carrier of `target`.
    pub fn new(click_id: &'a ClickId, target: StripeTarget) -> Self {
        Self {
            click_id,
            target,
            skipped: CarrierSet::default(),
        }
    }

    /// Leaves `carrier` out; the other carriers stay. A carrier the call does not take is
    /// ignored. See ["How to opt out"](self#how-to-opt-out-of-a-carrier).
    pub fn without(mut self, carrier: Carrier) -> Self {
        self.skipped.insert(carrier);
        self
    }

    /// Leaves out every carrier of `skipped`.
    pub(crate) fn without_all(mut self, skipped: CarrierSet) -> Self {
        self.skipped.0 |= skipped.0;
        self
    }

    /// The carriers left, in the order of the [module docs](self)' table.
    pub fn carriers(&self) -> impl Iterator<Item = Carrier> + '_ {
        self.target
            .carriers()
            .iter()
            .copied()
            .filter(|&carrier| !self.skipped.contains(carrier))
    }

    /// Every parameter left, whether or not your call sets it: for a call you build from
    /// scratch. When your parameters may set one (your `client_reference_id`), use
    /// [`add_to`](Self::add_to) or [`missing_from`](Self::missing_from).
    pub fn to_vec(&self) -> Vec<(&'static str, String)> {
        self.carriers().map(|c| self.param(c)).collect()
    }

    /// The parameters left that a call with the (unencoded) keys `present` does not set already:
    /// a key of yours, or a metadata hash you clear (`metadata=`), is never overwritten. For
    /// form types other than a `Vec` of pairs.
    pub fn missing_from<K: AsRef<str>>(
        &self,
        present: impl IntoIterator<Item = K>,
    ) -> Vec<(&'static str, String)> {
        let present: Vec<K> = present.into_iter().collect();
        self.carriers()
            .filter(|carrier| !carrier.is_set_in(&present))
            .map(|c| self.param(c))
            .collect()
    }

    /// Appends to `params` the parameters left that it does not set already (see
    /// [`missing_from`](Self::missing_from)): your `client_reference_id` is kept.
    pub fn add_to<K, V>(&self, params: &mut Vec<(K, V)>)
    where
        K: AsRef<str> + From<&'static str>,
        V: From<String>,
    {
        let missing = self.missing_from(params.iter().map(|(key, _)| key));
        params.extend(
            missing
                .into_iter()
                .map(|(key, value)| (K::from(key), V::from(value))),
        );
    }

    fn param(&self, carrier: Carrier) -> (&'static str, String) {
        (carrier.key(), self.click_id.stripe_value(carrier))
    }
}

impl ClickId {
    /// The parameters that carry this click id in the Stripe call `target` (see the
    /// [module docs](crate::stripe)' table). Add them to the call's other parameters with
    /// [`StripeParams::add_to`], which keeps any your call already sets, such as your own
    /// `client_reference_id`; leave a carrier out with [`StripeParams::without`].
    pub fn stripe_params(&self, target: StripeTarget) -> StripeParams<'_> {
        StripeParams::new(self, target)
    }

    /// The metadata map `{"impact_click_id": <click id>}`, for Stripe clients that take metadata
    /// as a map (async-stripe's `metadata: Option<HashMap<String, String>>`). Put it on the
    /// subscription, the customer, and a Checkout Session's `subscription_data` or
    /// `payment_intent_data`.
    pub fn stripe_metadata(&self) -> HashMap<String, String> {
        HashMap::from([(METADATA_KEY.to_owned(), self.as_str().to_owned())])
    }

    /// The value of `carrier`: the `irc_` encoding for `client_reference_id`, else verbatim.
    pub(crate) fn stripe_value(&self, carrier: Carrier) -> String {
        match carrier {
            Carrier::ClientReferenceId => self.to_client_reference_id(),
            _ => self.as_str().to_owned(),
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
            let params = id.stripe_params(target).to_vec();
            let (_, reference) = params
                .iter()
                .find(|(k, _)| *k == "client_reference_id")
                .unwrap();
            assert_eq!(ClickId::from_client_reference_id(reference).unwrap(), id);
        }
    }
}
