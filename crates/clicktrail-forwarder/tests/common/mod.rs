//! Shared test helpers: Stripe objects in both API shapes, built from the repository's fixtures,
//! a runner that feeds decisions back into memory knowledge, and an independent recomputation of
//! impact.com's sale amount from the rendered parameters.

#![allow(dead_code)]

use std::sync::OnceLock;

use clicktrail_forwarder::knowledge::MemoryKnowledge;
use clicktrail_forwarder::mapping::{Decision, Fetched, Settings, decide};
use clicktrail_impact::ImpactRequest;
use clicktrail_stripe::Event;
use serde_json::{Value, json};

/// The two shapes Stripe renders objects in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `2025-03-31.basil` and later.
    Basil,
    /// Older versions (`subscription`, `subscription_details`, `charge.invoice`, ...).
    PreBasil,
}

pub const SHAPES: [Shape; 2] = [Shape::Basil, Shape::PreBasil];

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../fixtures/stripe-events/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One resource of Stripe's own `fixtures3.json` (basil+ shapes).
pub fn openapi(resource: &str) -> Value {
    static ALL: OnceLock<Value> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let path = format!(
            "{}/../../fixtures/stripe-openapi/fixtures3.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    });
    all["resources"][resource].clone()
}

/// Wraps `object` into an event envelope.
pub fn event(id: &str, event_type: &str, created: i64, object: Value) -> Event {
    Event::from_value(envelope(id, event_type, created, object)).unwrap()
}

pub fn envelope(id: &str, event_type: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id, "object": "event", "type": event_type, "created": created,
        "api_version": "2025-03-31.basil", "livemode": false, "data": {"object": object}
    })
}

/// A line of an invoice: amount (minor units), quantity, description, price id.
#[derive(Debug, Clone)]
pub struct L(pub i64, pub i64, pub &'static str, pub &'static str);

/// What a test says about an invoice; the rest comes from the fixture.
#[derive(Debug, Clone)]
pub struct Inv {
    pub id: &'static str,
    pub reason: &'static str,
    pub amount_paid: i64,
    pub tax: i64,
    pub currency: &'static str,
    pub customer: Option<&'static str>,
    pub email: Option<&'static str>,
    pub subscription: Option<&'static str>,
    /// The subscription metadata snapshot on the invoice (None: no snapshot at all).
    pub sub_metadata: Option<Value>,
    pub metadata: Value,
    pub lines: Vec<L>,
    pub has_more: bool,
    pub paid_at: Option<i64>,
    pub created: i64,
    /// Pre-basil only: the payment intent and charge on the invoice.
    pub payment_intent: Option<&'static str>,
    pub charge: Option<&'static str>,
}

impl Default for Inv {
    fn default() -> Self {
        Self {
            id: "in_1",
            reason: "subscription_create",
            amount_paid: 2900,
            tax: 0,
            currency: "usd",
            customer: Some("cus_1"),
            email: Some("  Buyer@Example.COM "),
            subscription: Some("sub_1"),
            sub_metadata: Some(json!({"impact_click_id": "CLICK1"})),
            metadata: json!({}),
            lines: vec![L(2900, 1, "1 × Pro (at $29.00 / month)", "price_pro")],
            has_more: false,
            paid_at: Some(1_795_741_000),
            created: 1_795_740_000,
            payment_intent: Some("pi_1"),
            charge: Some("ch_1"),
        }
    }
}

/// An invoice object in `shape`, starting from a real payload of that shape.
pub fn invoice(shape: Shape, spec: &Inv) -> Value {
    let mut o = match shape {
        Shape::Basil => openapi("invoice"),
        Shape::PreBasil => fixture("invoice__subscription_create__dj-stripe.json"),
    };
    let m = o.as_object_mut().unwrap();
    for key in [
        "subscription",
        "subscription_details",
        "parent",
        "charge",
        "payment_intent",
        "paid",
        "tax",
        "total_tax_amounts",
        "total_taxes",
    ] {
        m.remove(key);
    }
    m.insert("id".into(), json!(spec.id));
    m.insert("billing_reason".into(), json!(spec.reason));
    m.insert("amount_paid".into(), json!(spec.amount_paid));
    m.insert("amount_due".into(), json!(spec.amount_paid));
    m.insert("currency".into(), json!(spec.currency));
    m.insert("customer".into(), json!(spec.customer));
    m.insert("customer_email".into(), json!(spec.email));
    m.insert("metadata".into(), spec.metadata.clone());
    m.insert("status".into(), json!("paid"));
    m.insert("created".into(), json!(spec.created));
    m.insert(
        "status_transitions".into(),
        json!({"finalized_at": spec.created, "marked_uncollectible_at": null, "paid_at": spec.paid_at, "voided_at": null}),
    );
    let lines: Vec<Value> = spec
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| line(shape, i, l, spec))
        .collect();
    m.insert(
        "lines".into(),
        json!({"object": "list", "data": lines, "has_more": spec.has_more, "url": format!("/v1/invoices/{}/lines", spec.id)}),
    );
    match shape {
        Shape::Basil => {
            let details = spec
                .subscription
                .map(|s| json!({"subscription": s, "metadata": spec.sub_metadata.clone()}));
            m.insert(
                "parent".into(),
                json!({"type": "subscription_details", "quote_details": null, "subscription_details": details}),
            );
            m.insert("total_taxes".into(), json!([{"amount": spec.tax, "tax_behavior": "exclusive", "taxability_reason": "standard_rated"}]));
        }
        Shape::PreBasil => {
            m.insert("subscription".into(), json!(spec.subscription));
            if let Some(metadata) = &spec.sub_metadata {
                m.insert("subscription_details".into(), json!({"metadata": metadata}));
            }
            m.insert("paid".into(), json!(true));
            m.insert("payment_intent".into(), json!(spec.payment_intent));
            m.insert("charge".into(), json!(spec.charge));
            m.insert("tax".into(), json!(spec.tax));
            m.insert(
                "total_tax_amounts".into(),
                json!([{"amount": spec.tax, "inclusive": false, "tax_rate": "txr_1"}]),
            );
        }
    }
    o
}

fn line(shape: Shape, index: usize, l: &L, spec: &Inv) -> Value {
    let mut line = match shape {
        Shape::Basil => openapi("line_item"),
        Shape::PreBasil => fixture("invoice.paid__manual__stripe-ruby-mock.json")["data"]["object"]
            ["lines"]["data"][0]
            .clone(),
    };
    let m = line.as_object_mut().unwrap();
    m.insert("id".into(), json!(format!("il_{index}")));
    m.insert("amount".into(), json!(l.0));
    m.insert("quantity".into(), json!(l.1));
    m.insert("description".into(), json!(l.2));
    m.insert("currency".into(), json!(spec.currency));
    m.insert("invoice".into(), json!(spec.id));
    match shape {
        Shape::Basil => {
            m.insert(
                "pricing".into(),
                json!({"type": "price_details", "price_details": {"price": l.3, "product": "prod_1"}, "unit_amount_decimal": null}),
            );
        }
        Shape::PreBasil => {
            m.insert(
                "price".into(),
                json!({"id": l.3, "object": "price", "product": "prod_1"}),
            );
            m.insert("proration".into(), json!(l.0 < 0));
        }
    }
    line
}

/// A charge after refunds, in `shape` (pre-basil charges name their invoice).
pub fn charge(
    shape: Shape,
    id: &str,
    amount: i64,
    refunded: i64,
    pi: Option<&str>,
    invoice: Option<&str>,
) -> Value {
    let mut o = match shape {
        Shape::Basil => openapi("charge"),
        Shape::PreBasil => {
            fixture("charge.refunded__full__stripe-sync-engine.json")["data"]["object"].clone()
        }
    };
    let m = o.as_object_mut().unwrap();
    m.insert("id".into(), json!(id));
    m.insert("amount".into(), json!(amount));
    m.insert("amount_captured".into(), json!(amount));
    m.insert("amount_refunded".into(), json!(refunded));
    m.insert("refunded".into(), json!(refunded == amount));
    m.insert("payment_intent".into(), json!(pi));
    m.insert("currency".into(), json!("usd"));
    match shape {
        Shape::Basil => {
            m.remove("invoice");
        }
        Shape::PreBasil => {
            m.insert("invoice".into(), json!(invoice));
        }
    }
    o
}

/// A completed Checkout Session built from Stripe's fixture.
pub fn session(mode: &str, status: &str, patch: Value) -> Value {
    let mut o = openapi("checkout.session");
    let m = o.as_object_mut().unwrap();
    m.insert("id".into(), json!("cs_test_1"));
    m.insert("mode".into(), json!(mode));
    m.insert("status".into(), json!("complete"));
    m.insert("payment_status".into(), json!(status));
    m.insert("currency".into(), json!("usd"));
    m.insert("customer".into(), json!("cus_1"));
    m.insert("amount_subtotal".into(), json!(5000));
    m.insert("amount_total".into(), json!(5400));
    m.insert(
        "total_details".into(),
        json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 400}),
    );
    m.insert("currency_conversion".into(), Value::Null);
    m.insert("shipping_cost".into(), Value::Null);
    if mode == "subscription" {
        m.insert("payment_intent".into(), Value::Null);
        m.insert("subscription".into(), json!("sub_1"));
    } else {
        m.insert("payment_intent".into(), json!("pi_checkout"));
        // As retrieved with `expand[]=line_items`: event payloads never carry them, and a rule
        // without them asks Stripe (tests of that patch `line_items` to null).
        m.insert(
            "line_items".into(),
            json!({"object": "list", "has_more": false, "data": [{
                "id": "li_1", "object": "item", "description": "Ebook", "quantity": 1,
                "amount_subtotal": 5000, "amount_total": 5400, "currency": "usd",
                "price": {"id": "price_ebook", "product": "prod_ebook"}
            }]}),
        );
    }
    if let Value::Object(patch) = patch {
        for (k, v) in patch {
            m.insert(k, v);
        }
    }
    o
}

/// Runs decisions in order, storing their records, like the service and `explain` do.
pub struct Run {
    pub settings: Settings,
    pub knowledge: MemoryKnowledge,
}

impl Run {
    pub fn new() -> Self {
        Self::with(Settings::demo())
    }

    pub fn with(settings: Settings) -> Self {
        Self {
            settings,
            knowledge: MemoryKnowledge::default(),
        }
    }

    /// Decides with no Stripe answers, at the event's own time.
    pub fn decide(&mut self, event: &Event) -> Decision {
        self.decide_with(event, &Fetched::default(), event.created)
    }

    pub fn decide_with(&mut self, event: &Event, fetched: &Fetched, now: i64) -> Decision {
        let decision = decide(event, &self.settings, &self.knowledge, fetched, now);
        self.knowledge.apply(decision.records());
        decision
    }
}

/// The request of a `Send`, or a panic naming what was decided instead.
pub fn sent(decision: &Decision) -> (&ImpactRequest, i64) {
    match decision {
        Decision::Send {
            request,
            not_before,
            ..
        } => (request, *not_before),
        other => panic!("expected a send, got {other:?}"),
    }
}

/// The note of a `Send` (what it gave up on, and why), or a panic naming what was decided.
pub fn note(decision: &Decision) -> Option<&str> {
    match decision {
        Decision::Send { note, .. } => note.as_deref(),
        other => panic!("expected a send, got {other:?}"),
    }
}

/// The reason of a `Skip`, or a panic.
pub fn skipped(decision: &Decision) -> &str {
    match decision {
        Decision::Skip { reason, .. } => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

pub fn param(request: &ImpactRequest, key: &str) -> Option<String> {
    request
        .params()
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// What impact.com must receive for `minor` units of a currency with `exponent` decimals, by
/// independent arithmetic: at most two decimals, three-decimal amounts rounded half-up
/// (`12.345` -> `12.35`). Returns (the amount in the sent unit, the decimals sent).
pub fn on_the_wire(minor: i64, exponent: u32) -> (i128, u32) {
    if exponent > 2 {
        let factor = 10_i128.pow(exponent - 2);
        ((i128::from(minor) * 2 + factor) / (2 * factor), 2)
    } else {
        (i128::from(minor), exponent)
    }
}

/// impact.com's sale amount recomputed from the rendered parameters alone: the sum of every
/// `ItemSubTotal{n}` minus `OrderDiscount`, as an exact decimal with `exponent` places. Also
/// checks that no amount is negative and that each has exactly `exponent` decimals.
pub fn sale_amount(request: &ImpactRequest, exponent: u32) -> i128 {
    let parse = |key: &str, text: &str| -> i128 {
        assert!(!text.starts_with('-'), "{key} is negative: {text}");
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        assert_eq!(
            frac.len(),
            exponent as usize,
            "{key}={text} has the wrong number of decimals"
        );
        format!("{int}{frac}").parse::<i128>().unwrap()
    };
    let mut total = 0;
    for (key, value) in request.params() {
        if key.starts_with("ItemSubTotal") {
            total += parse(&key, &value);
        } else if key == "OrderDiscount" {
            total -= parse(&key, &value);
        } else if key.starts_with("ItemPrice") {
            panic!("ItemPrice is never sent (ItemSubTotal is)");
        }
    }
    total
}
