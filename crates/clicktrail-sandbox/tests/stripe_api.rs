//! The Stripe emulator over HTTP: wire format, keys, idempotency, pagination, resources, API
//! versions and events.

mod common;

use clicktrail_sandbox::SandboxConfig;
use common::{Stripe, sandbox, sandbox_with};
use serde_json::Value;

#[tokio::test]
async fn keys_bearer_basic_and_401() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (status, _) = stripe.get("/v1/customers").await;
    assert_eq!(status, 200);
    let basic = reqwest::Client::new()
        .get(format!("{}/v1/customers", sb.stripe_url()))
        .basic_auth(sb.secret_key(), Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    assert!(
        basic.headers()["request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    let (status, body) = stripe
        .with_key("sk_test_unknown_key_123456")
        .get("/v1/customers")
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid API Key provided")
    );
    let anonymous = reqwest::get(format!("{}/v1/customers", sb.stripe_url()))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn errors_use_stripe_envelope_and_statuses() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (status, body) = stripe.get("/v1/customers/cus_missing").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "resource_missing");
    assert_eq!(body["error"]["message"], "No such customer: 'cus_missing'");
    let (status, body) = stripe.post("/v1/customers", &[("colour", "blue")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "parameter_unknown");
    assert_eq!(body["error"]["param"], "colour");
    let (status, body) = stripe
        .post("/v1/subscriptions", &[("items[0][price]", "price_x")])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "parameter_missing");
    assert_eq!(body["error"]["param"], "customer");
    let (status, body) = stripe.get("/v1/nothing").await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unrecognized request URL (GET: /v1/nothing)")
    );
    let (status, body) = stripe.with_version("yesterday").get("/v1/customers").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid Stripe API version")
    );
}

#[tokio::test]
async fn customers_create_retrieve_update_metadata() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let c = stripe
        .ok(
            "/v1/customers",
            &[("email", "a@b.c"), ("metadata[impact_click_id]", "XYZ")],
        )
        .await;
    let id = c["id"].as_str().unwrap();
    assert!(id.starts_with("cus_"));
    assert_eq!(c["object"], "customer");
    assert_eq!(c["email"], "a@b.c");
    let updated = stripe
        .ok(
            &format!("/v1/customers/{id}"),
            &[("metadata[plan]", "pro"), ("metadata[impact_click_id]", "")],
        )
        .await;
    assert_eq!(updated["metadata"], serde_json::json!({"plan": "pro"}));
    assert_eq!(
        stripe.fetch(&format!("/v1/customers/{id}")).await["metadata"]["plan"],
        "pro"
    );
    let types = stripe.event_types().await;
    assert_eq!(types, ["customer.created", "customer.updated"]);
    let listed = stripe.fetch("/v1/events?type=customer.updated").await;
    assert_eq!(
        listed["data"][0]["data"]["previous_attributes"]["metadata"]["impact_click_id"],
        "XYZ"
    );
}

#[tokio::test]
async fn idempotency_replays_and_conflicts() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let form = [("email", "idem@example.com")];
    let (s1, first, replayed1) = stripe
        .post_idempotent("/v1/customers", "key-1", &form)
        .await;
    let (s2, second, replayed2) = stripe
        .post_idempotent("/v1/customers", "key-1", &form)
        .await;
    assert_eq!((s1, s2), (200, 200));
    assert!(!replayed1 && replayed2);
    assert_eq!(first, second);
    assert_eq!(stripe.count("/v1/customers").await, 1);
    let (status, body, _) = stripe
        .post_idempotent("/v1/customers", "key-1", &[("email", "other@example.com")])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "idempotency_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'key-1'")
    );
    // Another key: another object. A failed request is not remembered.
    let (_, third, _) = stripe
        .post_idempotent("/v1/customers", "key-2", &form)
        .await;
    assert_ne!(third["id"], first["id"]);
    let (status, _, _) = stripe
        .post_idempotent(
            "/v1/subscriptions",
            "key-3",
            &[("customer", "cus_nope"), ("items[0][price]", "p")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, replayed) = stripe
        .post_idempotent("/v1/customers", "key-3", &form)
        .await;
    assert_eq!((status, replayed), (200, false));
    // Events record the key.
    let events = stripe
        .fetch("/v1/events?type=customer.created&limit=100")
        .await;
    assert!(
        events["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["request"]["idempotency_key"] == "key-1")
    );
}

#[tokio::test]
async fn pagination_walks_both_ways() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            stripe
                .ok("/v1/customers", &[("email", &format!("c{i}@x.io"))])
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/customers?limit=3&starting_after={c}"),
            None => "/v1/customers?limit=3".into(),
        };
        let page = stripe.fetch(&path).await;
        assert_eq!(page["object"], "list");
        assert_eq!(page["url"], "/v1/customers");
        let data: Vec<String> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        seen.extend(data.clone());
        if page["has_more"] == false {
            break;
        }
        cursor = data.last().cloned();
    }
    assert_eq!(seen, newest_first);
    let page = stripe
        .fetch(&format!("/v1/customers?limit=2&ending_before={}", ids[2]))
        .await;
    let data: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(data, [ids[4].as_str(), ids[3].as_str()]);
    assert_eq!(page["has_more"], true);
    for bad in ["limit=0", "limit=101"] {
        let (status, body) = stripe.get(&format!("/v1/customers?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["param"], "limit");
    }
}

#[tokio::test]
async fn restricted_keys_need_their_permission() {
    let mut config = SandboxConfig::ephemeral();
    config.stripe.restricted_keys = vec![
        "rk_test_reader00xyz=customers:read,webhook_endpoints:write"
            .parse()
            .unwrap(),
    ];
    let sb = sandbox_with(config).await;
    let admin = Stripe::new(&sb);
    let (_, _, sub) = admin.subscribe(2000, &[]).await;
    let reader = admin.with_key("rk_test_reader00xyz");
    assert_eq!(reader.get("/v1/customers").await.0, 200);
    assert_eq!(
        reader.get("/v1/webhook_endpoints").await.0,
        200,
        "write implies read"
    );
    let (status, body) = reader
        .get(&format!(
            "/v1/subscriptions/{}",
            sub["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(
        body["error"]["message"],
        format!(
            "The provided key 'rk_test_{}' does not have the required permissions for this endpoint on account 'acct_1ClicktrailSandbox'. Having the 'rak_subscription_read' permission would allow this request to continue.",
            redacted("rk_test_reader00xyz")
        )
    );
    let (status, body) = reader.post("/v1/customers", &[("email", "x@y.z")]).await;
    assert_eq!(status, 403);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'rak_customer_write'")
    );
}

fn redacted(key: &str) -> String {
    let visible = 6.min((key.len() - 8) / 2);
    format!(
        "{}{}",
        "*".repeat(key.len() - 8 - visible),
        &key[key.len() - visible..]
    )
}

#[tokio::test]
async fn subscription_create_pays_its_first_invoice() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (customer, price, sub) = stripe.subscribe(2000, &[]).await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["metadata"]["impact_click_id"], "click-123");
    assert_eq!(sub["items"]["data"][0]["price"]["id"], price["id"]);
    let invoice_id = sub["latest_invoice"].as_str().unwrap();
    let invoice = stripe.fetch(&format!("/v1/invoices/{invoice_id}")).await;
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["amount_paid"], 2000);
    assert_eq!(invoice["customer"], customer["id"]);
    assert_eq!(invoice["customer_email"], "jenny@example.com");
    assert_eq!(
        invoice["parent"]["subscription_details"]["subscription"],
        sub["id"]
    );
    assert_eq!(
        invoice["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    assert!(
        invoice.get("subscription").is_none()
            && invoice.get("charge").is_none()
            && invoice.get("paid").is_none()
    );
    assert_eq!(
        invoice["lines"]["data"][0]["pricing"]["price_details"]["price"],
        price["id"]
    );
    assert!(invoice["status_transitions"]["paid_at"].is_i64());
    // The payment is reachable through invoice payments, both ways.
    let payments = stripe
        .fetch(&format!("/v1/invoice_payments?invoice={invoice_id}"))
        .await;
    let pi = payments["data"][0]["payment"]["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(payments["data"][0]["amount_paid"], 2000);
    let by_pi = stripe
        .fetch(&format!(
            "/v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]={pi}"
        ))
        .await;
    assert_eq!(by_pi["data"][0]["invoice"], invoice_id);
    let intent = stripe.fetch(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(intent["status"], "succeeded");
    let charge = stripe
        .fetch(&format!(
            "/v1/charges/{}",
            intent["latest_charge"].as_str().unwrap()
        ))
        .await;
    assert_eq!(charge["amount"], 2000);
    assert!(charge.get("invoice").is_none());
    // Metadata changed later does not rewrite the frozen snapshot.
    stripe
        .ok(
            &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()),
            &[("metadata[impact_click_id]", "changed")],
        )
        .await;
    let again = stripe.fetch(&format!("/v1/invoices/{invoice_id}")).await;
    assert_eq!(
        again["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    let types = stripe.event_types().await;
    for t in [
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice.paid",
        "invoice.payment_succeeded",
    ] {
        assert!(types.contains(&t.to_owned()), "{t} in {types:?}");
    }
    let pos = |t: &str| types.iter().position(|x| x == t).unwrap();
    assert!(
        pos("invoice.created") < pos("invoice.finalized")
            && pos("invoice.finalized") < pos("invoice.paid")
    );
    let lists = stripe
        .fetch(&format!(
            "/v1/invoices?subscription={}",
            sub["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(lists["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn trials_bill_zero_without_a_charge() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(2000, &[("trial_period_days", "14")]).await;
    assert_eq!(sub["status"], "trialing");
    assert_eq!(
        sub["trial_end"].as_i64().unwrap() - sub["trial_start"].as_i64().unwrap(),
        14 * 86_400
    );
    let invoice = stripe.latest_invoice(&sub).await;
    assert_eq!(invoice["amount_paid"], 0);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(stripe.count("/v1/charges").await, 0);
    let types = stripe.event_types().await;
    assert!(types.contains(&"invoice.paid".to_owned()));
    assert!(!types.contains(&"charge.succeeded".to_owned()));
}

#[tokio::test]
async fn coupons_discount_the_invoice() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    stripe
        .ok(
            "/v1/coupons",
            &[
                ("id", "QUARTER"),
                ("percent_off", "25"),
                ("duration", "once"),
            ],
        )
        .await;
    stripe
        .ok(
            "/v1/coupons",
            &[
                ("id", "FIVE"),
                ("amount_off", "500"),
                ("currency", "usd"),
                ("duration", "forever"),
            ],
        )
        .await;
    let (_, _, sub) = stripe.subscribe(2000, &[("coupon", "QUARTER")]).await;
    let invoice = stripe.latest_invoice(&sub).await;
    assert_eq!(invoice["subtotal"], 2000);
    assert_eq!(invoice["total"], 1500);
    assert_eq!(invoice["amount_paid"], 1500);
    assert_eq!(invoice["total_discount_amounts"][0]["amount"], 500);
    assert_eq!(invoice["discounts"].as_array().unwrap().len(), 1);
    let (_, _, sub2) = stripe
        .subscribe(2000, &[("discounts[0][coupon]", "FIVE")])
        .await;
    let invoice = stripe.latest_invoice(&sub2).await;
    assert_eq!(invoice["total"], 1500);
    // A once coupon does not apply to the next period; a forever one does.
    let next = stripe.advance(sub["id"].as_str().unwrap(), &[]).await;
    assert_eq!(next["total"], 2000);
    let next = stripe.advance(sub2["id"].as_str().unwrap(), &[]).await;
    assert_eq!(next["total"], 1500);
    let (status, body) = stripe.post("/v1/coupons", &[("percent_off", "120")]).await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("percent_off"))
    );
}

#[tokio::test]
async fn promotion_codes_name_a_coupon_and_are_read_by_id() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    stripe
        .ok("/v1/coupons", &[("id", "TEN"), ("percent_off", "10")])
        .await;
    let promo = stripe
        .ok(
            "/v1/promotion_codes",
            &[("coupon", "TEN"), ("code", "SPRING10")],
        )
        .await;
    let id = promo["id"].as_str().unwrap();
    assert!(id.starts_with("promo_"), "{promo}");
    assert_eq!(promo["object"], "promotion_code");
    let (status, read) = stripe.get(&format!("/v1/promotion_codes/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["code"], "SPRING10");
    assert_eq!(read["coupon"]["id"], "TEN");
    assert_eq!(read["active"], true);
    // Codes are unique among active ones; the coupon must exist; an unknown id is a 404.
    let (status, body) = stripe
        .post(
            "/v1/promotion_codes",
            &[("coupon", "TEN"), ("code", "spring10")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("code"))
    );
    let (status, body) = stripe
        .post("/v1/promotion_codes", &[("coupon", "NOPE")])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    let (status, _) = stripe.get("/v1/promotion_codes/promo_missing").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn pre_basil_versions_get_the_old_shape() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(2000, &[]).await;
    let old = stripe.with_version("2024-06-20");
    let path = format!("/v1/invoices/{}", sub["latest_invoice"].as_str().unwrap());
    let invoice = old.fetch(&path).await;
    assert_eq!(invoice["subscription"], sub["id"]);
    assert_eq!(
        invoice["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    assert_eq!(invoice["paid"], true);
    let charge_id = invoice["charge"].as_str().unwrap();
    assert!(
        invoice["payment_intent"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    assert!(invoice.get("parent").is_none());
    assert_eq!(invoice["lines"]["data"][0]["price"]["unit_amount"], 2000);
    let charge = old.fetch(&format!("/v1/charges/{charge_id}")).await;
    assert_eq!(charge["invoice"], invoice["id"]);
    let basil = stripe.with_version("2025-03-31.basil").fetch(&path).await;
    assert!(basil.get("subscription").is_none() && basil["parent"].is_object());
    let later = stripe.with_version("2026-10-28.endive").fetch(&path).await;
    assert!(later.get("paid").is_none());
}

#[tokio::test]
async fn checkout_sessions_in_both_modes() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let one_time = stripe.price("usd", 4900, "Course").await;
    let session = stripe
        .ok(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("line_items[0][price]", one_time["id"].as_str().unwrap()),
                ("line_items[0][quantity]", "2"),
                ("metadata[impact_click_id]", "abc"),
                ("client_reference_id", "irc_abc"),
                ("payment_intent_data[metadata][impact_click_id]", "abc"),
                ("success_url", "https://shop.example/thanks"),
            ],
        )
        .await;
    let id = session["id"].as_str().unwrap();
    assert!(id.starts_with("cs_test_"));
    assert_eq!(session["status"], "open");
    assert_eq!(session["amount_total"], 9800);
    assert_eq!(session["client_reference_id"], "irc_abc");
    let done = stripe.complete_checkout(id, &[]).await;
    assert_eq!(done["payment_status"], "paid");
    let pi = done["payment_intent"].as_str().unwrap();
    assert_eq!(
        stripe.fetch(&format!("/v1/payment_intents/{pi}")).await["metadata"]["impact_click_id"],
        "abc"
    );
    let by_pi = stripe
        .fetch(&format!("/v1/checkout/sessions?payment_intent={pi}"))
        .await;
    assert_eq!(by_pi["data"][0]["id"], id);
    // An invalid client_reference_id is dropped silently.
    let price = stripe.monthly_price("usd", 1000, "Plan").await;
    let sub_session = stripe
        .checkout(
            "subscription",
            &price,
            &[
                ("client_reference_id", "not valid!"),
                ("customer_email", "sub@example.com"),
                (
                    "subscription_data[metadata][impact_click_id]",
                    "from-checkout",
                ),
                ("metadata[impact_click_id]", "session-only"),
            ],
        )
        .await;
    assert!(sub_session["client_reference_id"].is_null());
    let done = stripe
        .complete_checkout(sub_session["id"].as_str().unwrap(), &[])
        .await;
    let sub = stripe
        .fetch(&format!(
            "/v1/subscriptions/{}",
            done["subscription"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sub["metadata"]["impact_click_id"], "from-checkout");
    assert_eq!(done["invoice"], sub["latest_invoice"]);
    assert_eq!(done["customer_details"]["email"], "sub@example.com");
    let (status, body) = stripe
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("line_items[0][price]", price["id"].as_str().unwrap()),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn delayed_checkout_is_paid_later() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let price = stripe.price("eur", 1500, "Book").await;
    let s = stripe.checkout("payment", &price, &[]).await;
    let id = s["id"].as_str().unwrap();
    let done = stripe.complete_checkout(id, &[("delayed", "true")]).await;
    assert_eq!(
        (done["status"].as_str(), done["payment_status"].as_str()),
        (Some("complete"), Some("unpaid"))
    );
    assert!(!stripe.has_event("charge.succeeded").await);
    let paid = stripe
        .ok(&format!("/_sandbox/checkout/sessions/{id}/pay"), &[])
        .await;
    assert_eq!(paid["payment_status"], "paid");
    let types = stripe.event_types().await;
    let pos = |t: &str| {
        types
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} in {types:?}"))
    };
    assert!(pos("checkout.session.completed") < pos("charge.succeeded"));
    assert!(pos("charge.succeeded") < pos("checkout.session.async_payment_succeeded"));
    let (status, _) = stripe
        .post(&format!("/_sandbox/checkout/sessions/{id}/pay"), &[])
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn refunds_partial_then_full() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(3000, &[]).await;
    let invoice = stripe.with_version("2024-06-20").latest_invoice(&sub).await;
    let charge = invoice["charge"].as_str().unwrap();
    let pi = invoice["payment_intent"].as_str().unwrap();
    let r1 = stripe
        .ok("/v1/refunds", &[("charge", charge), ("amount", "1000")])
        .await;
    assert_eq!(r1["amount"], 1000);
    assert_eq!(r1["status"], "succeeded");
    let c = stripe.fetch(&format!("/v1/charges/{charge}")).await;
    assert_eq!(
        (c["amount_refunded"].as_i64(), c["refunded"].as_bool()),
        (Some(1000), Some(false))
    );
    let (status, body) = stripe
        .post("/v1/refunds", &[("payment_intent", pi), ("amount", "2500")])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "amount_too_large");
    let r2 = stripe.ok("/v1/refunds", &[("payment_intent", pi)]).await;
    assert_eq!(r2["amount"], 2000);
    let c = stripe.fetch(&format!("/v1/charges/{charge}")).await;
    assert_eq!(
        (c["amount_refunded"].as_i64(), c["refunded"].as_bool()),
        (Some(3000), Some(true))
    );
    let (status, body) = stripe.post("/v1/refunds", &[("charge", charge)]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("charge_already_refunded"))
    );
    let refunded = stripe.fetch("/v1/events?type=charge.refunded").await;
    let amounts: Vec<i64> = refunded["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["object"]["amount_refunded"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [3000, 1000]);
    assert_eq!(stripe.count("/v1/events?type=refund.created").await, 2);
    assert_eq!(
        stripe.count(&format!("/v1/refunds?charge={charge}")).await,
        2
    );
}

#[tokio::test]
async fn events_filters_and_retention() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    stripe.subscribe(2000, &[]).await;
    let all = stripe.fetch("/v1/events?limit=100").await;
    let total = all["data"].as_array().unwrap().len();
    let paid = stripe
        .fetch("/v1/events?types[]=invoice.paid&types[]=charge.succeeded")
        .await;
    let kinds: Vec<&str> = paid["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"invoice.paid") && kinds.contains(&"charge.succeeded"));
    let wildcard = stripe.fetch("/v1/events?type=invoice.*&limit=100").await;
    assert!(
        wildcard["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"].as_str().unwrap().starts_with("invoice."))
    );
    let first = &all["data"][total - 1];
    let created = first["created"].as_i64().unwrap();
    let id = first["id"].as_str().unwrap();
    assert_eq!(stripe.fetch(&format!("/v1/events/{id}")).await["id"], id);
    let future = stripe
        .fetch(&format!("/v1/events?created[gt]={created}&limit=100"))
        .await;
    let later = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["created"].as_i64().unwrap() > created)
        .count();
    assert_eq!(future["data"].as_array().unwrap().len(), later);
    let before = stripe
        .fetch(&format!("/v1/events?created[lt]={created}"))
        .await;
    assert!(
        before["data"].as_array().unwrap().is_empty(),
        "nothing is older than the first event"
    );
    let since = stripe
        .fetch(&format!("/v1/events?created[gte]={created}&limit=100"))
        .await;
    assert_eq!(since["data"].as_array().unwrap().len(), total);
    // No endpoint: every event is delivered (nothing pending).
    assert_eq!(stripe.count("/v1/events?delivery_success=false").await, 0);
    // 31 days later, nothing is listed or retrievable.
    stripe
        .ok(
            "/_sandbox/clock/advance",
            &[("seconds", &(31 * 86_400).to_string())],
        )
        .await;
    assert!(stripe.list("/v1/events").await.is_empty());
    assert_eq!(stripe.get(&format!("/v1/events/{id}")).await.0, 404);
}

#[tokio::test]
async fn webhook_endpoints_crud_secret_and_limit() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let created = stripe
        .ok(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://hooks.example/stripe"),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "charge.refunded"),
                ("api_version", "2025-03-31.basil"),
            ],
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        created["enabled_events"],
        serde_json::json!(["invoice.paid", "charge.refunded"])
    );
    let fetched = stripe.fetch(&format!("/v1/webhook_endpoints/{id}")).await;
    assert!(fetched.get("secret").is_none());
    let updated = stripe
        .ok(
            &format!("/v1/webhook_endpoints/{id}"),
            &[("enabled_events[0]", "*"), ("disabled", "true")],
        )
        .await;
    assert_eq!(updated["status"], "disabled");
    assert_eq!(updated["enabled_events"], serde_json::json!(["*"]));
    let (status, _) = stripe
        .post(
            &format!("/v1/webhook_endpoints/{id}"),
            &[("api_version", "2020-08-27")],
        )
        .await;
    assert_eq!(status, 400, "api_version is fixed at creation");
    for i in 1..16 {
        stripe
            .ok(
                "/v1/webhook_endpoints",
                &[
                    ("url", &format!("https://hooks.example/{i}")),
                    ("enabled_events[]", "*"),
                ],
            )
            .await;
    }
    let (status, body) = stripe
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://hooks.example/17"),
                ("enabled_events[]", "*"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(
        body["error"]["message"],
        "You have reached the maximum of 16 test webhook endpoints."
    );
    assert!(body["error"].get("code").is_none());
    let deleted = stripe
        .delete(&format!("/v1/webhook_endpoints/{id}"))
        .await
        .1;
    assert_eq!(
        deleted,
        serde_json::json!({"id": id, "object": "webhook_endpoint", "deleted": true})
    );
    assert_eq!(stripe.count("/v1/webhook_endpoints?limit=100").await, 15);
    let (status, body) = stripe
        .post(
            "/v1/webhook_endpoints",
            &[("url", "ftp://x"), ("enabled_events[]", "*")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("url"))
    );
    let (status, _) = stripe
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://x.io"),
                ("enabled_events[]", "Not An Event"),
            ],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn helpers_bill_cycles_and_prorate_upgrades() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(3000, &[("trial_period_days", "7")]).await;
    let id = sub["id"].as_str().unwrap();
    let cycle = stripe.advance(id, &[]).await;
    assert_eq!(cycle["billing_reason"], "subscription_cycle");
    assert_eq!(cycle["amount_paid"], 3000);
    assert_eq!(
        cycle["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    let now_sub = stripe.fetch(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(now_sub["status"], "active");
    assert_eq!(now_sub["latest_invoice"], cycle["id"]);
    let item = &now_sub["items"]["data"][0];
    assert_eq!(item["current_period_start"], sub["trial_end"]);
    assert_eq!(
        cycle["period_start"], sub["trial_start"],
        "the invoice's period is the one that ended"
    );
    assert_eq!(cycle["period_end"], sub["trial_end"]);
    assert_eq!(
        cycle["lines"]["data"][0]["period"]["start"], sub["trial_end"],
        "lines bill the new period"
    );
    let bigger = stripe.monthly_price("usd", 6000, "Team").await;
    let update = stripe
        .ok(
            &format!("/_sandbox/subscriptions/{id}/change_price"),
            &[("price", bigger["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(update["billing_reason"], "subscription_update");
    let lines = update["lines"]["data"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let (unused, remaining) = (
        lines[0]["amount"].as_i64().unwrap(),
        lines[1]["amount"].as_i64().unwrap(),
    );
    assert!(unused < 0 && remaining > 0, "{unused} {remaining}");
    assert!(
        lines
            .iter()
            .all(|l| l["parent"]["subscription_item_details"]["proration"] == true)
    );
    // Right after the period started, nearly the whole period is unused/remaining.
    assert!(-unused > 2900 && remaining > 5800, "{unused} {remaining}");
    assert_eq!(update["amount_paid"], unused + remaining);
    let after = stripe.fetch(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(after["items"]["data"][0]["price"]["id"], bigger["id"]);
    let reasons: Vec<String> = stripe
        .fetch(&format!("/v1/invoices?subscription={id}"))
        .await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["billing_reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        [
            "subscription_update",
            "subscription_cycle",
            "subscription_create"
        ]
    );
    stripe.ok("/_sandbox/reset", &[]).await;
    assert!(stripe.list("/v1/invoices").await.is_empty());
}

#[tokio::test]
async fn expand_replaces_ids_with_objects() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(2000, &[]).await;
    let id = sub["id"].as_str().unwrap();
    let expanded = stripe
        .fetch(&format!(
            "/v1/subscriptions/{id}?expand[]=latest_invoice&expand[]=customer"
        ))
        .await;
    assert_eq!(expanded["latest_invoice"]["object"], "invoice");
    assert_eq!(expanded["customer"]["object"], "customer");
    let invoice = stripe
        .fetch(&format!(
            "/v1/invoices/{}?expand[0]=payments",
            sub["latest_invoice"].as_str().unwrap()
        ))
        .await;
    assert_eq!(invoice["payments"]["data"][0]["object"], "invoice_payment");
    let list: Value = stripe
        .fetch("/v1/subscriptions?expand[]=data.customer")
        .await;
    assert_eq!(list["data"][0]["customer"]["object"], "customer");
}

#[tokio::test]
async fn nested_lists_line_items_lines_and_subscription_items() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let a = stripe.price("usd", 1000, "A").await;
    let b = stripe.price("usd", 250, "B").await;
    let session = stripe
        .ok(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("line_items[0][price]", a["id"].as_str().unwrap()),
                ("line_items[0][quantity]", "1"),
                ("line_items[1][price]", b["id"].as_str().unwrap()),
                ("line_items[1][quantity]", "4"),
            ],
        )
        .await;
    let id = session["id"].as_str().unwrap();
    let items = stripe
        .fetch(&format!("/v1/checkout/sessions/{id}/line_items?limit=1"))
        .await;
    assert_eq!(items["data"][0]["description"], "A");
    assert_eq!(items["has_more"], true);
    let cursor = items["data"][0]["id"].as_str().unwrap();
    let rest = stripe
        .fetch(&format!(
            "/v1/checkout/sessions/{id}/line_items?starting_after={cursor}"
        ))
        .await;
    assert_eq!(rest["data"][0]["amount_total"], 1000);
    assert_eq!(rest["data"][0]["quantity"], 4);
    assert_eq!(rest["has_more"], false);
    let expanded = stripe
        .fetch(&format!("/v1/checkout/sessions/{id}?expand[]=line_items"))
        .await;
    assert_eq!(expanded["line_items"]["data"].as_array().unwrap().len(), 2);
    assert!(
        stripe
            .fetch(&format!("/v1/checkout/sessions/{id}"))
            .await
            .get("line_items")
            .is_none()
    );
    let (_, _, sub) = stripe.subscribe(2000, &[]).await;
    let lines = stripe
        .fetch(&format!(
            "/v1/invoices/{}/lines",
            sub["latest_invoice"].as_str().unwrap()
        ))
        .await;
    assert_eq!(lines["data"][0]["amount"], 2000);
    let sub_items = stripe
        .fetch(&format!(
            "/v1/subscription_items?subscription={}",
            sub["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sub_items["data"][0]["id"], sub["items"]["data"][0]["id"]);
}

#[tokio::test]
async fn the_hosted_checkout_page_completes_and_redirects() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let price = stripe.price("usd", 900, "Mug").await;
    let session = stripe
        .checkout(
            "payment",
            &price,
            &[(
                "success_url",
                "https://shop.example/ok?session={CHECKOUT_SESSION_ID}",
            )],
        )
        .await;
    let id = session["id"].as_str().unwrap();
    let url = session["url"].as_str().unwrap();
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Mug") && page.contains("9.00 USD"), "{page}");
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form_action = format!(
        "{}/_sandbox/checkout/sessions/{id}/complete?redirect=true",
        sb.stripe_url()
    );
    let answer = no_redirects.post(form_action).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(
        answer.headers()["location"],
        format!("https://shop.example/ok?session={id}").as_str()
    );
    let done = stripe.fetch(&format!("/v1/checkout/sessions/{id}")).await;
    assert_eq!(
        (done["status"].as_str(), done["payment_status"].as_str()),
        (Some("complete"), Some("paid"))
    );
    assert!(done["url"].is_null());
}

#[tokio::test]
async fn created_filters_bound_events_in_time() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let first = stripe.ok("/v1/customers", &[("email", "first@x.io")]).await;
    stripe
        .ok("/_sandbox/clock/advance", &[("seconds", "100")])
        .await;
    let second = stripe
        .ok("/v1/customers", &[("email", "second@x.io")])
        .await;
    let t1 = first["created"].as_i64().unwrap();
    let t2 = second["created"].as_i64().unwrap();
    assert!(t2 - t1 >= 100);
    let ids = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["data"]["object"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first_id = first["id"].as_str().unwrap().to_owned();
    let second_id = second["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(stripe.fetch(&format!("/v1/events?created[gt]={t1}")).await),
        std::slice::from_ref(&second_id)
    );
    assert_eq!(
        ids(stripe.fetch(&format!("/v1/events?created[lte]={t1}")).await),
        std::slice::from_ref(&first_id)
    );
    assert_eq!(
        ids(stripe
            .fetch(&format!("/v1/events?created[gte]={t1}&created[lt]={t2}"))
            .await),
        [first_id]
    );
    assert_eq!(
        ids(stripe.fetch(&format!("/v1/events?created={t2}")).await),
        [second_id]
    );
    let (status, _) = stripe
        .post("/_sandbox/clock/advance", &[("seconds", "-5")])
        .await;
    assert_eq!(status, 400, "the clock never goes back");
}

#[tokio::test]
async fn incomplete_subscriptions_and_failed_payments_are_paid_later() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe
        .subscribe(2000, &[("payment_behavior", "default_incomplete")])
        .await;
    let id = sub["id"].as_str().unwrap();
    assert_eq!(sub["status"], "incomplete");
    let invoice_id = sub["latest_invoice"].as_str().unwrap();
    let open = stripe
        .with_version("2024-06-20")
        .fetch(&format!("/v1/invoices/{invoice_id}"))
        .await;
    assert_eq!(
        (open["status"].as_str(), open["amount_paid"].as_i64()),
        (Some("open"), Some(0))
    );
    let pi = open["payment_intent"].as_str().unwrap().to_owned();
    assert_eq!(
        stripe.fetch(&format!("/v1/payment_intents/{pi}")).await["status"],
        "requires_payment_method"
    );
    assert!(!stripe.has_event("invoice.paid").await);
    let paid = stripe
        .ok(&format!("/_sandbox/invoices/{invoice_id}/pay"), &[])
        .await;
    assert_eq!(
        (paid["status"].as_str(), paid["amount_paid"].as_i64()),
        (Some("paid"), Some(2000))
    );
    assert_eq!(stripe.subscription_status(id).await, "active");
    let by_pi = stripe
        .fetch(&format!(
            "/v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]={pi}"
        ))
        .await;
    assert_eq!(by_pi["data"][0]["invoice"], invoice_id);
    let updated = stripe
        .fetch("/v1/events?type=customer.subscription.updated")
        .await;
    assert_eq!(
        updated["data"][0]["data"]["previous_attributes"]["status"],
        "incomplete"
    );
    assert_eq!(
        stripe
            .post(&format!("/_sandbox/invoices/{invoice_id}/pay"), &[])
            .await
            .0,
        400
    );

    // A declined renewal: the invoice stays open, the subscription is past due, then paid.
    let failed = stripe.advance(id, &[("fail", "true")]).await;
    assert_eq!(failed["billing_reason"], "subscription_cycle");
    assert_eq!(
        (failed["status"].as_str(), failed["attempt_count"].as_i64()),
        (Some("open"), Some(1))
    );
    assert_eq!(stripe.subscription_status(id).await, "past_due");
    let types = stripe.event_types().await;
    assert!(
        types.contains(&"invoice.payment_failed".to_owned())
            && types.contains(&"payment_intent.payment_failed".to_owned())
    );
    let retried = stripe
        .ok(
            &format!("/_sandbox/invoices/{}/pay", failed["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(
        (
            retried["status"].as_str(),
            retried["attempt_count"].as_i64()
        ),
        (Some("paid"), Some(2))
    );
    assert_eq!(stripe.subscription_status(id).await, "active");
    let (status, body) = stripe
        .post(
            "/v1/subscriptions",
            &[
                ("customer", "cus_x"),
                ("items[0][price]", "p"),
                ("payment_behavior", "sometimes"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("payment_behavior"))
    );
}

#[tokio::test]
async fn delayed_subscription_checkout_waits_for_its_first_invoice() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let price = stripe.monthly_price("usd", 1200, "Basic").await;
    let s = stripe
        .checkout(
            "subscription",
            &price,
            &[("subscription_data[metadata][impact_click_id]", "sepa")],
        )
        .await;
    let id = s["id"].as_str().unwrap();
    let done = stripe.complete_checkout(id, &[("delayed", "true")]).await;
    assert_eq!(
        (done["status"].as_str(), done["payment_status"].as_str()),
        (Some("complete"), Some("unpaid"))
    );
    let sub_id = done["subscription"].as_str().unwrap();
    assert_eq!(stripe.subscription_status(sub_id).await, "incomplete");
    assert!(!stripe.has_event("invoice.paid").await);
    let paid = stripe
        .ok(&format!("/_sandbox/checkout/sessions/{id}/pay"), &[])
        .await;
    assert_eq!(paid["payment_status"], "paid");
    assert_eq!(stripe.subscription_status(sub_id).await, "active");
    let invoice = stripe
        .fetch(&format!(
            "/v1/invoices/{}",
            done["invoice"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (invoice["status"].as_str(), invoice["amount_paid"].as_i64()),
        (Some("paid"), Some(1200))
    );
    assert_eq!(
        invoice["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "sepa"
    );
    let types = stripe.event_types().await;
    let pos = |t: &str| {
        types
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} in {types:?}"))
    };
    assert!(pos("checkout.session.completed") < pos("invoice.paid"));
    assert!(pos("invoice.paid") < pos("checkout.session.async_payment_succeeded"));
}

/// Every amount on the path, as an integer of thousandths of a dinar, and the currency as sent.
fn assert_kwd(object: &Value, keys: &[&str], expected: i64) {
    assert_eq!(object["currency"], "kwd", "{object}");
    for key in keys {
        assert!(object[*key].is_i64(), "{key} is an integer in {object}");
        assert_eq!(object[*key], expected, "{key} in {object}");
    }
}

#[tokio::test]
async fn three_decimal_currencies_bill_and_refund_in_thousandths() {
    let sb = sandbox().await;
    let stripe = Stripe::new(&sb);
    let customer = stripe
        .ok("/v1/customers", &[("email", "dana@example.kw")])
        .await;
    // 12.340 KWD a month, the currency sent in upper case.
    let price = stripe.monthly_price("KWD", 12_340, "Pro (KWD)").await;
    assert_kwd(&price, &["unit_amount"], 12_340);
    assert_eq!(price["unit_amount_decimal"], "12340");
    let sub = stripe
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", customer["id"].as_str().unwrap()),
                ("items[0][price]", price["id"].as_str().unwrap()),
                ("metadata[impact_click_id]", "click-kwd"),
            ],
        )
        .await;
    assert_eq!(
        (sub["status"].as_str(), sub["currency"].as_str()),
        (Some("active"), Some("kwd"))
    );
    let invoice = stripe.latest_invoice(&sub).await;
    assert_eq!(invoice["status"], "paid");
    assert_kwd(
        &invoice,
        &["amount_due", "amount_paid", "subtotal", "total"],
        12_340,
    );
    assert_eq!(invoice["amount_remaining"], 0);
    assert_kwd(&invoice["lines"]["data"][0], &["amount"], 12_340);
    let payments = stripe
        .fetch(&format!(
            "/v1/invoice_payments?invoice={}",
            invoice["id"].as_str().unwrap()
        ))
        .await;
    assert_kwd(&payments["data"][0], &["amount_paid"], 12_340);
    let pi = payments["data"][0]["payment"]["payment_intent"]
        .as_str()
        .unwrap();
    let intent = stripe.fetch(&format!("/v1/payment_intents/{pi}")).await;
    assert_kwd(&intent, &["amount", "amount_received"], 12_340);
    let charge_id = intent["latest_charge"].as_str().unwrap().to_owned();
    assert_kwd(
        &stripe.fetch(&format!("/v1/charges/{charge_id}")).await,
        &["amount", "amount_captured"],
        12_340,
    );
    // The next period bills the same thousandths.
    let cycle = stripe.advance(sub["id"].as_str().unwrap(), &[]).await;
    assert_eq!(cycle["billing_reason"], "subscription_cycle");
    assert_kwd(&cycle, &["amount_paid", "total"], 12_340);

    // A partial refund, then the rest: `charge.refunded` carries the cumulative thousandths.
    let refund = stripe
        .ok("/v1/refunds", &[("charge", &charge_id), ("amount", "5120")])
        .await;
    assert_kwd(&refund, &["amount"], 5_120);
    let (status, body) = stripe
        .post("/v1/refunds", &[("charge", &charge_id), ("amount", "7230")])
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Refund amount (7.230 KWD) is greater than unrefunded amount on charge (7.220 KWD)"
    );
    let rest = stripe.ok("/v1/refunds", &[("charge", &charge_id)]).await;
    assert_kwd(&rest, &["amount"], 7_220);
    let refunded = stripe.list("/v1/events?type=charge.refunded").await;
    let seen: Vec<(i64, bool, i64)> = refunded
        .iter()
        .rev()
        .map(|e| {
            let c = &e["data"]["object"];
            assert_eq!(c["id"], charge_id.as_str());
            assert_eq!(c["currency"], "kwd");
            (
                c["amount_refunded"].as_i64().unwrap(),
                c["refunded"].as_bool().unwrap(),
                e["data"]["previous_attributes"]["amount_refunded"]
                    .as_i64()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [(5_120, false, 0), (12_340, true, 5_120)]);
}

#[tokio::test]
async fn disputes_are_read_with_their_permission() {
    let mut config = SandboxConfig::ephemeral();
    config.stripe.restricted_keys = vec![
        "rk_test_disputes0xyz=disputes:read".parse().unwrap(),
        "rk_test_charges00xyz=charges:read".parse().unwrap(),
    ];
    let sb = sandbox_with(config).await;
    let stripe = Stripe::new(&sb);
    let (_, _, sub) = stripe.subscribe(2500, &[]).await;
    let invoice = stripe.with_version("2024-06-20").latest_invoice(&sub).await;
    let charge = invoice["charge"].as_str().unwrap().to_owned();
    let pi = invoice["payment_intent"].as_str().unwrap().to_owned();

    // Unknown charges: 404 in Stripe's envelope.
    let (status, body) = stripe.post("/_sandbox/charges/ch_nope/dispute", &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "resource_missing");
    assert_eq!(body["error"]["message"], "No such charge: 'ch_nope'");
    let (status, body) = stripe
        .post(
            &format!("/_sandbox/charges/{charge}/dispute"),
            &[("status", "pending")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("status"))
    );

    // Defaults: lost, fraudulent, the whole charge (query parameters work too).
    let dispute = stripe
        .ok(
            &format!("/_sandbox/charges/{charge}/dispute?amount=2000"),
            &[],
        )
        .await;
    assert!(dispute["id"].as_str().unwrap().starts_with("dp_"));
    assert_eq!(dispute["object"], "dispute");
    assert_eq!(
        (
            dispute["status"].as_str(),
            dispute["reason"].as_str(),
            dispute["amount"].as_i64()
        ),
        (Some("lost"), Some("fraudulent"), Some(2000))
    );
    assert_eq!(dispute["charge"], charge.as_str());
    assert_eq!(dispute["payment_intent"], pi.as_str());
    assert_eq!(dispute["currency"], "usd");
    assert_eq!(dispute["is_charge_refundable"], false);
    let (status, _) = stripe
        .post(&format!("/_sandbox/charges/{charge}/dispute"), &[])
        .await;
    assert_eq!(status, 400, "one dispute per charge");
    assert_eq!(
        stripe.fetch(&format!("/v1/charges/{charge}")).await["disputed"],
        true
    );
    let id = dispute["id"].as_str().unwrap();
    let fetched = stripe
        .fetch(&format!("/v1/disputes/{id}?expand[]=charge"))
        .await;
    assert_eq!(fetched["charge"]["id"], charge.as_str());
    assert_eq!(fetched["charge"]["disputed"], true);
    let (status, body) = stripe.get("/v1/disputes/dp_nope").await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (404, Some("dispute"))
    );

    // A second dispute, to list and filter.
    let (_, _, other) = stripe.subscribe(900, &[]).await;
    let other_charge = stripe
        .with_version("2024-06-20")
        .latest_invoice(&other)
        .await["charge"]
        .as_str()
        .unwrap()
        .to_owned();
    let won = stripe
        .ok(
            &format!("/_sandbox/charges/{other_charge}/dispute"),
            &[("status", "won"), ("reason", "product_not_received")],
        )
        .await;
    assert_eq!(won["amount"], 900);
    let all = stripe.list("/v1/disputes").await;
    assert_eq!(
        all.iter().map(|d| d["id"].clone()).collect::<Vec<_>>(),
        [won["id"].clone(), dispute["id"].clone()],
        "newest first"
    );
    let page = stripe.fetch("/v1/disputes?limit=1").await;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["url"], "/v1/disputes");
    let older = stripe
        .list(&format!(
            "/v1/disputes?limit=1&starting_after={}",
            won["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(older[0]["id"], dispute["id"]);
    assert_eq!(
        stripe
            .list(&format!("/v1/disputes?charge={charge}"))
            .await
            .len(),
        1
    );
    assert_eq!(
        stripe
            .list(&format!("/v1/disputes?payment_intent={pi}"))
            .await
            .len(),
        1
    );

    // Restricted keys need rak_dispute_read.
    let reader = stripe.with_key("rk_test_disputes0xyz");
    assert_eq!(reader.get("/v1/disputes").await.0, 200);
    assert_eq!(reader.get(&format!("/v1/disputes/{id}")).await.0, 200);
    let other_key = stripe.with_key("rk_test_charges00xyz");
    for path in ["/v1/disputes".to_owned(), format!("/v1/disputes/{id}")] {
        let (status, body) = other_key.get(&path).await;
        assert_eq!(status, 403, "{path}");
        assert!(
            body["error"]["message"].as_str().unwrap().ends_with(
                "Having the 'rak_dispute_read' permission would allow this request to continue."
            ),
            "{body}"
        );
    }
}
