//! Every key of every object the Stripe emulator renders in the basil+ shape exists in Stripe's own
//! fixture of that resource (`fixtures/stripe-openapi/fixtures3.json`, from stripe/openapi).
//!
//! The rule, applied recursively:
//! - an object is compared with the fixture object of the same resource (its `object` value; for a
//!   list, each item with the fixture's first item); every key we render must exist there;
//! - where the fixture holds `null`, `{}`, `[]` or a scalar, what we render below that key is not
//!   checked (the fixture says nothing about its shape);
//! - Stripe's polymorphic hashes name their variant in `type` and carry its data under the key of
//!   the same name (`payment: {type: "payment_intent", payment_intent: ...}`); the fixture, made by
//!   choosing one variant, omits that key, so a key equal to the hash's own `type` is accepted;
//! - an event's envelope is checked against the `event` fixture, its `data.object` against the
//!   fixture of that object's resource (a `dispute` for `charge.dispute.*`);
//! - `secret`, which Stripe returns only when a webhook endpoint is created, is absent from the
//!   fixture: the creation answer is checked without it, and retrieval must not carry it;
//! - fields Stripe includes only on request (`expand[]=line_items` on a session, `payments` on an
//!   invoice) are not in the fixtures; their items are checked as the resources they are (`item`,
//!   `invoice_payment`) through their own endpoints;
//! - `data.previous_attributes`, which Stripe sends only with events that describe a change
//!   (`*.updated`, `charge.refunded`), is absent from the fixture's event (a `plan.created`): it is
//!   accepted on those events only.

mod common;

use std::collections::BTreeSet;

use common::{Stripe, sandbox};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/stripe-openapi/fixtures3.json"
    );
    let text = std::fs::read_to_string(path).expect("fixtures3.json is in the repository");
    let all: Value = serde_json::from_str(&text).expect("valid JSON");
    all["resources"].clone()
}

fn check(path: &str, ours: &Value, theirs: &Value, problems: &mut BTreeSet<String>) {
    match (ours, theirs) {
        (Value::Object(o), Value::Object(t)) if !t.is_empty() => {
            let variant = o.get("type").and_then(Value::as_str);
            for (k, v) in o {
                match t.get(k) {
                    Some(tv) => check(&format!("{path}.{k}"), v, tv, problems),
                    None if Some(k.as_str()) == variant => {}
                    None => {
                        problems.insert(format!("{path}.{k}"));
                    }
                }
            }
        }
        (Value::Array(o), Value::Array(t)) => {
            if let Some(first) = t.first() {
                for item in o {
                    check(&format!("{path}[]"), item, first, problems);
                }
            }
        }
        _ => {}
    }
}

fn check_resource(
    fixtures: &Value,
    ours: &Value,
    problems: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) {
    let object = ours["object"].as_str().expect("every object has `object`");
    let key = if ours.get("deleted") == Some(&Value::Bool(true)) {
        format!("deleted_{object}")
    } else {
        object.to_owned()
    };
    let fixture = fixtures
        .get(&key)
        .unwrap_or_else(|| panic!("no fixture for {key}"));
    seen.insert(key.clone());
    if object == "event" {
        let mut envelope = ours.clone();
        envelope["data"]["object"] = Value::Null;
        let kind = ours["type"].as_str().unwrap_or_default();
        if kind.ends_with(".updated") || kind == "charge.refunded" {
            envelope["data"]
                .as_object_mut()
                .map(|d| d.remove("previous_attributes"));
        }
        check(&key, &envelope, fixture, problems);
        check_resource(fixtures, &ours["data"]["object"], problems, seen);
    } else {
        check(&key, ours, fixture, problems);
    }
}

fn items(list: &Value) -> Vec<Value> {
    list["data"].as_array().expect("a list").clone()
}

#[tokio::test]
async fn every_rendered_key_exists_in_stripes_fixture() {
    let fixtures = fixtures();
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let mut rendered: Vec<Value> = Vec::new();

    stripe
        .ok(
            "/v1/coupons",
            &[
                ("id", "TEN"),
                ("percent_off", "10"),
                ("duration", "forever"),
            ],
        )
        .await;
    let (customer, price, sub) = stripe.subscribe(2500, &[("coupon", "TEN")]).await;
    let sub_id = sub["id"].as_str().unwrap();
    let invoice_id = sub["latest_invoice"].as_str().unwrap();
    rendered.push(customer.clone());
    rendered.push(price.clone());
    rendered.push(sub.clone());
    rendered.push(
        stripe
            .fetch(&format!(
                "/v1/products/{}",
                price["product"].as_str().unwrap()
            ))
            .await,
    );
    rendered.push(stripe.fetch("/v1/coupons/TEN").await);
    let expanded = stripe
        .fetch(&format!("/v1/subscriptions/{sub_id}?expand[]=discounts"))
        .await;
    rendered.extend(expanded["discounts"].as_array().unwrap().iter().cloned());
    let invoice = stripe.fetch(&format!("/v1/invoices/{invoice_id}")).await;
    rendered.push(invoice.clone());
    let payments = stripe
        .fetch(&format!("/v1/invoice_payments?invoice={invoice_id}"))
        .await;
    rendered.extend(items(&payments));
    let pi = payments["data"][0]["payment"]["payment_intent"]
        .as_str()
        .unwrap();
    let intent = stripe.fetch(&format!("/v1/payment_intents/{pi}")).await;
    let charge_id = intent["latest_charge"].as_str().unwrap().to_owned();
    rendered.push(intent);
    rendered.push(
        stripe
            .ok("/v1/refunds", &[("charge", &charge_id), ("amount", "500")])
            .await,
    );
    rendered.push(stripe.fetch(&format!("/v1/charges/{charge_id}")).await);
    // A dispute (an inquiry that closes): the helper's answer, retrieval, the list, the charge.
    let dispute = stripe
        .ok(
            &format!("/_sandbox/charges/{charge_id}/dispute"),
            &[("status", "warning_closed"), ("amount", "1000")],
        )
        .await;
    rendered.push(
        stripe
            .fetch(&format!("/v1/disputes/{}", dispute["id"].as_str().unwrap()))
            .await,
    );
    rendered.push(dispute);
    rendered.extend(items(&stripe.fetch("/v1/disputes").await));
    rendered.push(stripe.fetch(&format!("/v1/charges/{charge_id}")).await);
    // Cycle and proration invoices (discounted lines, proration lines).
    rendered.push(stripe.advance(sub_id, &[]).await);
    let other = stripe
        .ok(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "9900"),
                ("recurring[interval]", "year"),
                ("product", price["product"].as_str().unwrap()),
            ],
        )
        .await;
    let monthly = stripe
        .ok(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "5000"),
                ("recurring[interval]", "month"),
                ("product", price["product"].as_str().unwrap()),
            ],
        )
        .await;
    rendered.push(other);
    rendered.push(
        stripe
            .ok(
                &format!("/_sandbox/subscriptions/{sub_id}/change_price"),
                &[("price", monthly["id"].as_str().unwrap())],
            )
            .await,
    );
    // Checkout sessions: open, completed in both modes.
    let one_time = stripe.price("usd", 1200, "Ebook").await;
    let open = stripe
        .checkout(
            "payment",
            &one_time,
            &[("customer", customer["id"].as_str().unwrap())],
        )
        .await;
    rendered.push(open.clone());
    let line_items = stripe
        .fetch(&format!(
            "/v1/checkout/sessions/{}/line_items",
            open["id"].as_str().unwrap()
        ))
        .await;
    rendered.extend(items(&line_items));
    let lines = stripe
        .fetch(&format!("/v1/invoices/{invoice_id}/lines"))
        .await;
    rendered.extend(items(&lines));
    rendered.push(
        stripe
            .complete_checkout(open["id"].as_str().unwrap(), &[])
            .await,
    );
    let sub_session = stripe
        .checkout("subscription", &price, &[("customer_email", "s@x.io")])
        .await;
    rendered.push(
        stripe
            .complete_checkout(sub_session["id"].as_str().unwrap(), &[])
            .await,
    );
    // Webhook endpoints: the creation answer (without `secret`), retrieval, deletion.
    let mut created = stripe
        .ok(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://hooks.example/x"),
                ("enabled_events[]", "*"),
                ("description", "d"),
            ],
        )
        .await;
    assert!(created.as_object_mut().unwrap().remove("secret").is_some());
    let we = created["id"].as_str().unwrap().to_owned();
    rendered.push(created);
    let fetched = stripe.fetch(&format!("/v1/webhook_endpoints/{we}")).await;
    assert!(fetched.get("secret").is_none());
    rendered.push(fetched);
    rendered.push(
        stripe
            .delete(&format!("/v1/webhook_endpoints/{we}"))
            .await
            .1,
    );
    let spare = stripe.ok("/v1/customers", &[]).await;
    rendered.push(
        stripe
            .delete(&format!("/v1/customers/{}", spare["id"].as_str().unwrap()))
            .await
            .1,
    );
    // Every event (and so every object as it was at each step).
    let mut cursor: Option<String> = None;
    loop {
        let path = cursor
            .as_ref()
            .map_or("/v1/events?limit=100".to_owned(), |c| {
                format!("/v1/events?limit=100&starting_after={c}")
            });
        let page = stripe.fetch(&path).await;
        let data = items(&page);
        cursor = data
            .last()
            .and_then(|e| e["id"].as_str())
            .map(str::to_owned);
        rendered.extend(data);
        if page["has_more"] == false {
            break;
        }
    }

    let mut problems = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for object in &rendered {
        check_resource(&fixtures, object, &mut problems, &mut seen);
    }
    assert!(
        problems.is_empty(),
        "keys missing from Stripe's fixtures: {problems:#?}"
    );
    let expected = [
        "charge",
        "checkout.session",
        "coupon",
        "customer",
        "deleted_customer",
        "deleted_webhook_endpoint",
        "discount",
        "dispute",
        "event",
        "invoice",
        "invoice_payment",
        "payment_intent",
        "price",
        "product",
        "refund",
        "subscription",
        "webhook_endpoint",
    ];
    for resource in expected {
        assert!(
            seen.contains(resource),
            "{resource} was not checked; checked {seen:?}"
        );
    }
}

#[test]
fn the_checker_catches_unknown_keys() {
    let fixtures = fixtures();
    let mut problems = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let bogus = serde_json::json!({"object": "refund", "id": "re_1", "amount_refunded_twice": 1, "destination_details": {"type": "card", "card": {}, "bank": {}}});
    check_resource(&fixtures, &bogus, &mut problems, &mut seen);
    assert_eq!(
        problems.into_iter().collect::<Vec<_>>(),
        [
            "refund.amount_refunded_twice",
            "refund.destination_details.bank"
        ]
    );
}
