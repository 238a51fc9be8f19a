//! Realistic signed `invoice.paid` events, made fast enough that the load generator is not the
//! bottleneck.
//!
//! The invoice is the basil-shaped one from `fixtures/stripe-events/` (a real payload published
//! by the `pay` gem), turned into a paid first-subscription invoice that carries a click id in
//! its subscription metadata, so the forwarder can decide without asking Stripe anything. It is
//! serialized once with placeholders; each event is a few string replacements away, with its own
//! event id, invoice id and subscription id.

use bytes::Bytes;
use clicktrail_stripe::webhook::{WebhookSecret, sign};
use serde_json::{Value, json};

/// The basil invoice fixture (payload of `invoice.payment_failed`, API version 2025-03-31.basil).
const BASIL_INVOICE: &str = include_str!(
    "../../fixtures/stripe-events/invoice.payment_failed__subscription_cycle_basil__pay.json"
);

/// Placeholder of the per-event key inside the template.
const KEY: &str = "BENCHKEY";
/// Placeholder of the event's `created`.
const CREATED: &str = "1999999999";

/// Makes unique `invoice.paid` events from one template.
#[derive(Debug, Clone)]
pub struct EventFactory {
    /// The compact JSON, holding [`KEY`] and [`CREATED`] placeholders.
    template: String,
    /// A random tag, so that runs against the same database never collide.
    run: String,
}

impl EventFactory {
    /// Builds the template from the fixture; `run` tags every id (pass a random value).
    pub fn new(run: &str) -> Self {
        let fixture: Value =
            serde_json::from_str(BASIL_INVOICE).expect("the fixture is valid JSON (compiled in)");
        let mut invoice = fixture["object"].clone();
        let sub = format!("sub_{KEY}");
        let inv = format!("in_{KEY}");
        invoice["id"] = json!(inv);
        invoice["billing_reason"] = json!("subscription_create");
        invoice["status"] = json!("paid");
        invoice["amount_paid"] = json!(24900);
        invoice["amount_remaining"] = json!(0);
        invoice["attempt_count"] = json!(1);
        invoice["next_payment_attempt"] = Value::Null;
        invoice["livemode"] = json!(false);
        invoice["parent"]["subscription_details"]["subscription"] = json!(sub);
        invoice["parent"]["subscription_details"]["metadata"]["impact_click_id"] =
            json!(format!("Qx{KEY}"));
        if let Some(line) = invoice["lines"]["data"].get_mut(0) {
            line["invoice"] = json!(inv);
            line["livemode"] = json!(false);
            line["parent"]["subscription_item_details"]["subscription"] = json!(sub);
        }
        let event = json!({
            "id": format!("evt_{KEY}"),
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": CREATED.parse::<i64>().expect("a number"),
            "data": {"object": invoice},
            "livemode": false,
            "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null},
            "type": "invoice.paid",
        });
        Self {
            template: event.to_string(),
            run: run.to_owned(),
        }
    }

    /// The raw body of event number `n`, created at `now` (unix seconds).
    pub fn body(&self, n: u64, now: i64) -> Bytes {
        let key = self.key(n);
        Bytes::from(
            self.template
                .replace(KEY, &key)
                .replacen(CREATED, &now.to_string(), 1),
        )
    }

    /// The per-event key: `b<run><n>` (letters and digits only, valid in every id and in a click
    /// id).
    pub fn key(&self, n: u64) -> String {
        format!("b{}x{n}", self.run)
    }

    /// The impact.com `OrderId` event `n` leads to (the invoice id).
    pub fn order_id(&self, n: u64) -> String {
        format!("in_{}", self.key(n))
    }
}

/// One signed delivery: the body and its `Stripe-Signature` value.
pub fn signed(factory: &EventFactory, secret: &WebhookSecret, n: u64, now: i64) -> (Bytes, String) {
    let body = factory.body(n, now);
    let header = sign(&body, secret, now);
    (body, header)
}

#[cfg(test)]
mod tests {
    use clicktrail_stripe::Event;
    use clicktrail_stripe::webhook::Verifier;

    use super::*;

    #[test]
    fn events_are_about_three_kilobytes_unique_and_parse() {
        let factory = EventFactory::new("r1");
        let a = factory.body(1, 1_800_000_000);
        let b = factory.body(2, 1_800_000_000);
        assert!((2_500..4_000).contains(&a.len()), "{} bytes", a.len());
        let ea = Event::from_slice(&a).unwrap();
        let eb = Event::from_slice(&b).unwrap();
        assert_ne!(ea.id, eb.id);
        assert_eq!(ea.event_type, "invoice.paid");
        assert_eq!(ea.created, 1_800_000_000);
        let invoice = ea.invoice().unwrap();
        assert_eq!(invoice.id, factory.order_id(1));
    }

    #[test]
    fn signatures_verify() {
        let secret = WebhookSecret::new("whsec_bench").unwrap();
        let verifier = Verifier::with_default_tolerance(vec![secret.clone()]).unwrap();
        let (body, header) = signed(&EventFactory::new("r"), &secret, 7, 1_800_000_000);
        assert_eq!(verifier.verify(&body, &header, 1_800_000_001), Ok(()));
    }
}
