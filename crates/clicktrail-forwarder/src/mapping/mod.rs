//! The mapping rules: one Stripe event, the settings and what the forwarder knows, in; one
//! [`Decision`] out. Pure code: no I/O, no clock (the caller passes `now`), no mutation of the
//! knowledge (the decision says what to record).
//!
//! The contract is "Mapping rules" in the architecture document. In short:
//!
//! - `invoice.paid` ([`invoice`](self)): `subscription_create` goes to `event_type_id`,
//!   `subscription_cycle` to `recurring_event_type_id`, `subscription_update` to
//!   `upgrade_event_type_id` when set; anything else is skipped. `trial` decides what a $0 sign-up
//!   means. The click id is looked for in the invoice's subscription snapshot (basil+ or older
//!   shape), the invoice metadata, what a Checkout Session taught us about the subscription, the
//!   subscription fetched from Stripe, what we learned about the customer, and the customer
//!   fetched from Stripe, in that order.
//! - `checkout.session.completed` / `checkout.session.async_payment_succeeded`
//!   ([`checkout`](self)): paid one-time payments are converted; subscription mode only teaches
//!   the click id for the subscription and the customer.
//! - `charge.refunded` ([`refund`](self)): matched to the conversion it belongs to; the credit
//!   shrinks in proportion to what is left of the charge ([`amounts`]), full refunds reverse,
//!   held for `refund_delay`, never moving the amount back up; a refund whose payment was not
//!   decided yet waits for it ([`Decision::AwaitConversion`]).
//! - `charge.dispute.closed` ([`dispute`](self)): a lost dispute reverses the conversion.
//! - Amounts go out with at most two decimals ([`amounts`]); a payment in a currency whose
//!   number of decimals is unknown is skipped ([`amounts::unknown_currency`]), never guessed.
//! - Every event is deduplicated by its id and by its business key first.
//!
//! ```
//! use clicktrail_forwarder::knowledge::MemoryKnowledge;
//! use clicktrail_forwarder::mapping::{decide, Decision, Fetched, Settings};
//! use clicktrail_stripe::Event;
//!
//! let event = Event::from_slice(br#"{
//!   "id": "evt_1", "type": "invoice.paid", "created": 1795741500,
//!   "data": {"object": {
//!     "id": "in_1", "object": "invoice", "billing_reason": "subscription_create",
//!     "currency": "usd", "amount_paid": 2900, "customer": "cus_1",
//!     "parent": {"subscription_details": {"subscription": "sub_1",
//!                "metadata": {"impact_click_id": "Qx9abc"}}},
//!     "lines": {"data": [{"amount": 2900, "quantity": 1, "description": "Pro"}], "has_more": false}
//!   }}
//! }"#)?;
//! let decision = decide(&event, &Settings::demo(), &MemoryKnowledge::default(), &Fetched::default(), event.created);
//! let Decision::Send { request, .. } = decision else { panic!("{decision:?}") };
//! assert!(request.params().contains(&("ClickId".into(), "Qx9abc".into())));
//! assert!(request.params().contains(&("ItemSubTotal1".into(), "29.00".into())));
//! # Ok::<(), clicktrail_stripe::Error>(())
//! ```

pub mod amounts;
mod checkout;
mod click_id;
mod conversion;
mod decision;
mod dedupe;
mod dispute;
mod invoice;
pub mod items;
mod lines;
mod need;
mod payment;
mod promo;
mod refund;
mod send;
mod settings;

use clicktrail_stripe::Event;

pub use decision::Decision;
pub use dedupe::business_key;
pub use need::{Fetched, Need, SubscriptionPurpose};
pub use refund::CONVERSION_WAIT;
pub use settings::Settings;

use crate::knowledge::{Knowledge, Record};

/// The event types the rules act on; every other type is skipped. `clicktrail setup` subscribes
/// the webhook endpoint to exactly these.
pub const HANDLED_EVENT_TYPES: [&str; 5] = [
    "invoice.paid",
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "charge.refunded",
    "charge.dispute.closed",
];

/// Decides what to do with `event`.
///
/// `fetched` holds the answers to earlier [`Decision::Lookup`]s for this event; `now` (unix
/// seconds) is only used to tell whether a new subscription is still worth waiting for, and
/// whether a refund may still wait for its conversion.
#[must_use = "a decision carries records that must be stored"]
pub fn decide<K: Knowledge + ?Sized>(
    event: &Event,
    settings: &Settings,
    knowledge: &K,
    fetched: &Fetched,
    now: i64,
) -> Decision {
    if !HANDLED_EVENT_TYPES.contains(&event.event_type.as_str()) {
        return Decision::Skip {
            reason: format!("event type {} is not handled", event.event_type),
            records: Vec::new(),
        };
    }
    let cx = Cx {
        event,
        settings,
        knowledge,
        fetched,
        now,
    };
    let key = match business_key(event) {
        Ok(key) => key,
        Err(reason) => return cx.skip(reason, Vec::new(), None),
    };
    if let Some(skip) = dedupe::check(&cx, &key) {
        return skip;
    }
    let handled = Record::EventHandled {
        event_id: event.id.clone(),
        key,
    };
    match event.event_type.as_str() {
        "invoice.paid" => invoice::decide(&cx, handled),
        "charge.refunded" => refund::decide(&cx, handled),
        "charge.dispute.closed" => dispute::decide(&cx, handled),
        _ => checkout::decide(&cx, handled),
    }
}

/// Everything a rule reads, passed around as one value.
struct Cx<'a, K: ?Sized> {
    event: &'a Event,
    settings: &'a Settings,
    knowledge: &'a K,
    fetched: &'a Fetched,
    now: i64,
}

impl<K: Knowledge + ?Sized> Cx<'_, K> {
    /// A final skip: the event is recorded as handled (when `handled` is given) with `records`.
    fn skip(
        &self,
        reason: impl Into<String>,
        records: Vec<Record>,
        handled: Option<Record>,
    ) -> Decision {
        let mut all: Vec<Record> = handled.into_iter().collect();
        all.extend(records);
        Decision::Skip {
            reason: reason.into(),
            records: all,
        }
    }
}
