//! `StripeClient` against the project's Stripe emulator (`clicktrail_sandbox::start`) on
//! 127.0.0.1:0: the calls `setup`, `check`, `backfill` and the worker make, end to end, through a
//! server that parses bracket keys, checks keys and permissions, pages, and replays idempotency
//! keys on its own.

#![cfg(feature = "client")]

use clicktrail_sandbox::stripe::auth::RestrictedKey;
use clicktrail_sandbox::{Sandbox, SandboxConfig, start};
use clicktrail_stripe::Error;
use clicktrail_stripe::client::{
    API_VERSION, ApiKey, EventQuery, Form, NewSubscription, NewWebhookEndpoint, RetryPolicy,
    StripeClient, StripeConfig, SubscriptionItem,
};
use serde_json::Value;

const RESTRICTED: &str = "rk_test_clicktrailNoSubs";

async fn sandbox() -> Sandbox {
    let mut config = SandboxConfig::ephemeral();
    config.stripe.restricted_keys.push(
        format!("{RESTRICTED}=customers:read,events:read,webhook_endpoints:write")
            .parse::<RestrictedKey>()
            .unwrap(),
    );
    start(config).await.unwrap()
}

fn client(sandbox: &Sandbox, key: &str) -> StripeClient {
    StripeClient::new(
        StripeConfig::new(ApiKey::new(key).unwrap())
            .api_base(sandbox.stripe_url())
            .retry(RetryPolicy::immediate(1)),
    )
    .unwrap()
}

fn endpoint(i: usize, events: &[&str]) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: format!("https://shop{i}.example/webhooks/stripe"),
        enabled_events: events.iter().map(|e| (*e).to_owned()).collect(),
        api_version: Some(API_VERSION.to_owned()),
        description: Some("clicktrail forwarder".to_owned()),
        metadata: [("managed_by".to_owned(), "clicktrail".to_owned())].into(),
    }
}

#[tokio::test]
async fn webhook_endpoints_create_list_update_delete_and_the_limit_of_16() {
    let sandbox = sandbox().await;
    let stripe = client(&sandbox, sandbox.secret_key());

    let created = stripe
        .create_webhook_endpoint(&endpoint(0, &["invoice.paid"]))
        .await
        .unwrap();
    assert!(created.id.starts_with("we_"), "{}", created.id);
    assert_eq!(created.api_version.as_deref(), Some(API_VERSION));
    assert_eq!(created.description.as_deref(), Some("clicktrail forwarder"));
    assert_eq!(created.metadata["managed_by"], "clicktrail");
    let secret = created
        .secret
        .as_ref()
        .expect("the secret comes with the creation");
    assert!(secret.expose().starts_with("whsec_"));

    let updated = stripe
        .update_webhook_endpoint_events(&created.id, &["invoice.paid", "charge.refunded"])
        .await
        .unwrap();
    assert_eq!(updated.enabled_events, ["invoice.paid", "charge.refunded"]);
    assert!(updated.secret.is_none(), "never shown again");

    for i in 1..16 {
        stripe
            .create_webhook_endpoint(&endpoint(i, &["*"]))
            .await
            .unwrap();
    }
    let all = stripe.webhook_endpoints().await.unwrap();
    assert_eq!(all.len(), 16);
    // The same 16 through pages of 5: 5 + 5 + 5 + 1.
    let mut pages = stripe.pages("/v1/webhook_endpoints", Form::new().push("limit", "5"));
    let mut sizes = Vec::new();
    let mut paged = Vec::new();
    while let Some(items) = pages.next_page().await.unwrap() {
        sizes.push(items.len());
        paged.extend(
            items
                .into_iter()
                .map(|v| v["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(sizes, [5, 5, 5, 1]);
    let mut listed: Vec<_> = all.iter().map(|e| e.id.clone()).collect();
    assert_eq!(paged, listed);
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), 16);

    // The 17th is refused by the account limit.
    let err = stripe
        .create_webhook_endpoint(&endpoint(16, &["*"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");

    stripe.delete_webhook_endpoint(&created.id).await.unwrap();
    assert_eq!(stripe.webhook_endpoints().await.unwrap().len(), 15);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_worker_lookups_follow_a_subscription_to_its_invoice_and_payment() {
    let sandbox = sandbox().await;
    let stripe = client(&sandbox, sandbox.secret_key());

    let customer = stripe
        .create_customer(
            &Form::new()
                .push("email", "jenny+1@example.com")
                .push_map("metadata", [("impact_click_id", "Qx9 &/=")]),
        )
        .await
        .unwrap();
    assert_eq!(customer.metadata["impact_click_id"], "Qx9 &/=");
    assert_eq!(customer.email.as_deref(), Some("jenny+1@example.com"));
    let customer = stripe
        .update_customer_metadata(
            &customer.id,
            &[("plan".to_owned(), "pro".to_owned())].into(),
        )
        .await
        .unwrap();
    assert_eq!(customer.metadata["plan"], "pro");
    assert_eq!(
        customer.metadata["impact_click_id"], "Qx9 &/=",
        "other keys are kept"
    );

    let product = stripe
        .create_product(&Form::new().push("name", "Pro plan"))
        .await
        .unwrap();
    let price = stripe
        .create_price(
            &Form::new()
                .push("product", product["id"].as_str().unwrap())
                .push("currency", "jpy")
                .push("unit_amount", "1500")
                .push("recurring[interval]", "month"),
        )
        .await
        .unwrap();
    let price_id = price["id"].as_str().unwrap().to_owned();

    let subscription = stripe
        .create_subscription(&NewSubscription {
            customer: customer.id.clone(),
            items: vec![SubscriptionItem {
                price: price_id.clone(),
                quantity: None,
            }],
            metadata: [("impact_click_id".to_owned(), "Qx9".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(subscription.prices, std::slice::from_ref(&price_id));
    let fetched = stripe.subscription(&subscription.id).await.unwrap();
    assert_eq!(fetched.metadata["impact_click_id"], "Qx9");
    assert_eq!(fetched.customer.as_deref(), Some(customer.id.as_str()));

    // The first invoice, in the pinned (basil) shape, with its payments expanded.
    let invoice_id = fetched.latest_invoice.expect("a first invoice");
    let invoice = stripe.invoice(&invoice_id, &["payments"]).await.unwrap();
    assert_eq!(
        invoice.subscription.as_deref(),
        Some(subscription.id.as_str())
    );
    assert_eq!(invoice.amount_paid, Some(1500));
    let payment_intent = invoice
        .payment_intent
        .clone()
        .expect("expanded payments name it");

    let by_invoice = stripe
        .invoice_payments_for_invoice(&invoice_id)
        .await
        .unwrap();
    assert_eq!(by_invoice.len(), 1);
    assert_eq!(
        by_invoice[0].payment_intent.as_deref(),
        Some(payment_intent.as_str())
    );
    // And back: from the payment intent to its invoice.
    let by_intent = stripe
        .invoice_payments_for_payment_intent(&payment_intent)
        .await
        .unwrap();
    assert_eq!(by_intent.len(), 1);
    assert_eq!(by_intent[0].invoice.as_deref(), Some(invoice_id.as_str()));

    // Its lines, through `GET /v1/invoices/{id}/lines` (every page).
    let lines = stripe.invoice_lines(&invoice_id).await.unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].price.as_deref(), Some(price_id.as_str()));
    assert_eq!(lines[0].amount, Some(1500));
    let err = stripe.invoice_lines("in_doesnotexist").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = stripe.invoice_lines("in_1/../x").await.unwrap_err();
    assert!(matches!(err, Error::InvalidParam(_)), "{err:?}");

    // Not found is a typed answer, not a transport failure.
    let err = stripe.subscription("sub_doesnotexist").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn events_page_forward_and_chronologically_and_read_as_events() {
    let sandbox = sandbox().await;
    let stripe = client(&sandbox, sandbox.secret_key());
    let mut created = Vec::new();
    for i in 0..7 {
        let c = stripe
            .create_customer(&Form::new().push("email", format!("c{i}@example.com")))
            .await
            .unwrap();
        created.push(c.id);
    }
    let customer_of = |event: &Value| event["data"]["object"]["id"].as_str().unwrap().to_owned();

    let query = EventQuery {
        types: vec!["customer.created".into()],
        limit: Some(3),
        ..Default::default()
    };
    let newest_first = stripe.event_pages(&query).collect_all().await.unwrap();
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(
        newest_first.iter().map(customer_of).collect::<Vec<_>>(),
        expected
    );

    // Backward from the oldest: the six newer ones, oldest first.
    let oldest = newest_first.last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let query = EventQuery {
        ending_before: Some(oldest.clone()),
        ..query
    };
    let chronological = stripe.event_pages(&query).collect_all().await.unwrap();
    assert_eq!(
        chronological.iter().map(customer_of).collect::<Vec<_>>(),
        created[1..]
    );

    let event = stripe.event(&oldest).await.unwrap();
    assert_eq!(event.event_type, "customer.created");
    assert_eq!(event.customer().unwrap().id, created[0]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn keys_permissions_and_idempotency_as_stripe_answers_them() {
    let sandbox = sandbox().await;

    // A restricted key without subscription read is told which permission it lacks.
    let restricted = client(&sandbox, RESTRICTED);
    let err = restricted.subscription("sub_123").await.unwrap_err();
    match &err {
        Error::PermissionDenied { permission, .. } => {
            assert_eq!(permission.as_deref(), Some("rak_subscription_read"));
        }
        other => panic!("{other:?}"),
    }
    // What it may do works.
    assert!(restricted.webhook_endpoints().await.unwrap().is_empty());

    // An unknown key.
    let err = client(&sandbox, "sk_test_not_a_sandbox_key")
        .customer("cus_1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");

    // The same Idempotency-Key twice creates one customer.
    let stripe = client(&sandbox, sandbox.secret_key());
    let form = Form::new().push("email", "once@example.com");
    let a = stripe
        .post_idempotent("/v1/customers", &form, "clicktrail-test-once")
        .await
        .unwrap();
    let b = stripe
        .post_idempotent("/v1/customers", &form, "clicktrail-test-once")
        .await
        .unwrap();
    assert_eq!(a["id"], b["id"]);
    let customers = stripe.list_all("/v1/customers", Form::new()).await.unwrap();
    assert_eq!(customers.len(), 1);
    sandbox.shutdown().await;
}
