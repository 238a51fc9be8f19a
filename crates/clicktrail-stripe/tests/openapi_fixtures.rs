//! The sample objects in Stripe's own `fixtures3.json` (stripe/openapi) parse through the typed
//! views, wrapped into events, and the views return the values the file holds.

use clicktrail_stripe::Event;
use serde_json::{Value, json};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/stripe-openapi/fixtures3.json"
);

fn resource(name: &str) -> Value {
    let text = std::fs::read(FIXTURES).expect("fixtures3.json");
    let all: Value = serde_json::from_slice(&text).expect("valid JSON");
    all["resources"][name].clone()
}

fn wrapped(name: &str, event_type: &str) -> Event {
    let object = resource(name);
    assert!(object.is_object(), "{name} missing from fixtures3.json");
    let body = json!({
        "id": "evt_fixture", "object": "event", "type": event_type, "created": 1234567890,
        "api_version": "2025-03-31.basil", "livemode": false, "data": {"object": object}
    });
    Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap()
}

#[test]
fn invoice() {
    let raw = resource("invoice");
    let invoice = wrapped("invoice", "invoice.paid").invoice().unwrap();
    assert_eq!(invoice.id, "in_1Pgc6tB7WZ01zgkWu9fdqL6I");
    assert_eq!(invoice.customer.as_deref(), Some("cus_QXg1o8vcGmoR32"));
    assert_eq!(invoice.billing_reason.as_deref(), Some("manual"));
    assert_eq!(
        (invoice.amount_due, invoice.amount_paid),
        (Some(1000), Some(0))
    );
    assert_eq!(invoice.currency.unwrap().code_upper(), "USD");
    assert_eq!(invoice.created, Some(1234567890));
    assert_eq!(
        invoice.lines.len(),
        raw["lines"]["data"].as_array().unwrap().len()
    );
    let line = &invoice.lines[0];
    assert_eq!(line.id.as_deref(), Some("il_1Pgc6sB7WZ01zgkWFnxLrLCq"));
    assert_eq!(line.amount, Some(1000));
    assert_eq!(
        line.description.as_deref(),
        Some("My First Invoice Item (created for API docs)")
    );
    assert_eq!(
        line.price, None,
        "`pricing.price_details` is absent in the sample"
    );
    // basil shape: `parent.subscription_details` (with `metadata: null`).
    assert_eq!(invoice.subscription.as_deref(), Some("subscription"));
    assert_eq!(invoice.subscription_metadata, None);
}

#[test]
fn checkout_session() {
    let session = wrapped("checkout.session", "checkout.session.completed")
        .checkout_session()
        .unwrap();
    assert_eq!(
        session.id,
        "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
    );
    assert_eq!(
        (
            session.amount_total,
            session.amount_subtotal,
            session.currency
        ),
        (None, None, None)
    );
    assert_eq!(session.email(), Some("example@example.com"));
    assert_eq!(session.created, Some(1234567890));
    assert_eq!(session.mode.as_deref(), Some("payment"));
    assert_eq!(session.payment_status.as_deref(), Some("unpaid"));
}

#[test]
fn charge() {
    let charge = wrapped("charge", "charge.refunded").charge().unwrap();
    assert_eq!(charge.id, "ch_1PgafuB7WZ01zgkWXYmPNZs8");
    assert_eq!(
        (charge.amount, charge.amount_refunded, charge.refunded),
        (Some(100), Some(0), Some(false))
    );
    assert_eq!(charge.amount_remaining(), Some(100));
    assert_eq!(charge.currency.unwrap().code_upper(), "USD");
    assert_eq!(charge.payment_intent, None);
    assert_eq!(charge.email(), None);
}

#[test]
fn refund() {
    let refund = wrapped("refund", "refund.created").refund().unwrap();
    assert_eq!(refund.id, "re_1Pgc72B7WZ01zgkWqPvrRrPE");
    assert_eq!(refund.amount, Some(100));
    assert_eq!(
        refund.charge.as_deref(),
        Some("ch_1PgafuB7WZ01zgkWXYmPNZs8")
    );
    assert_eq!(refund.status.as_deref(), Some("succeeded"));
}

#[test]
fn subscription() {
    let subscription = wrapped("subscription", "customer.subscription.created")
        .subscription()
        .unwrap();
    assert_eq!(subscription.id, "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw");
    assert_eq!(subscription.customer.as_deref(), Some("cus_QXg1o8vcGmoR32"));
    assert_eq!(subscription.created, Some(1234567890));
    assert_eq!(subscription.prices, ["price_1PgafmB7WZ01zgkW6dKueIc5"]);
    assert_eq!(subscription.status.as_deref(), Some("active"));
    assert_eq!(subscription.latest_invoice, None);
}

#[test]
fn customer() {
    let customer = wrapped("customer", "customer.created").customer().unwrap();
    assert_eq!(customer.id, "cus_QXg1o8vcGmoR32");
    assert!(!customer.deleted);
    assert_eq!(customer.email, None);
    assert!(customer.metadata.is_empty());
    let deleted = wrapped("deleted_customer", "customer.deleted")
        .customer()
        .unwrap();
    assert!(deleted.deleted);
}
