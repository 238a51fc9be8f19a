//! Webhook delivery: signed posts to subscribed endpoints, in the endpoint's API version, retried
//! with backoff, recorded, reflected in `pending_webhooks` and `delivery_success`, never blocking
//! the API call that caused them.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clicktrail_sandbox::{Sandbox, SandboxConfig};
use clicktrail_stripe::webhook::{Verifier, WebhookSecret};
use common::{Stripe, eventually, sandbox_with};
use serde_json::Value;
use tokio::sync::Semaphore;

/// A webhook receiver: answers the statuses queued in `script` (then 200), records what it got, and
/// waits for a permit of `gate` before answering when one is given.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    got: Arc<Mutex<Vec<(String, Bytes)>>>,
    gate: Option<Arc<Semaphore>>,
}

impl Receiver {
    async fn serve(self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new().route("/hook", post(receive)).with_state(self);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn received(&self) -> Vec<(String, Bytes)> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (with a deadline) until at least `n` deliveries arrived, and returns them all.
    async fn wait_for(&self, n: usize, what: &str) -> Vec<(String, Bytes)> {
        eventually(Duration::from_secs(5), what, || {
            let r = self.clone();
            async move { (r.received().len() >= n).then(|| r.received()) }
        })
        .await
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if let Some(gate) = &r.gate {
        gate.acquire().await.unwrap().forget();
    }
    let signature = headers
        .get("stripe-signature")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    r.got.lock().unwrap().push((signature, body));
    let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

fn config(scale: f64) -> SandboxConfig {
    let mut c = SandboxConfig::ephemeral();
    c.stripe.delivery_retry_scale = scale;
    c
}

/// A sandbox whose deliveries retry at `scale`, a client for it, and `receiver` served on loopback
/// (its URL last).
async fn hooked(scale: f64, receiver: &Receiver) -> (Sandbox, Stripe, String) {
    let sb = sandbox_with(config(scale)).await;
    let stripe = Stripe::new(&sb);
    let url = receiver.clone().serve().await;
    (sb, stripe, url)
}

fn events_of(received: &[(String, Bytes)]) -> Vec<Value> {
    received
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect()
}

#[tokio::test]
async fn deliveries_are_signed_filtered_and_recorded() {
    let receiver = Receiver::default();
    let (sb, stripe, url) = hooked(0.0001, &receiver).await;
    let endpoint = stripe
        .ok(
            "/v1/webhook_endpoints",
            &[
                ("url", &url),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "customer.created"),
            ],
        )
        .await;
    let secret = WebhookSecret::new(endpoint["secret"].as_str().unwrap()).unwrap();
    stripe.subscribe(2000, &[]).await;
    let received = receiver.wait_for(2, "two deliveries").await;
    let verifier = Verifier::with_default_tolerance(vec![secret]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for (signature, body) in &received {
        verifier
            .verify(body, signature, now)
            .expect("signature verifies");
    }
    let mut types: Vec<String> = events_of(&received)
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    assert_eq!(types, ["customer.created", "invoice.paid"]);
    let paid = events_of(&received)
        .into_iter()
        .find(|e| e["type"] == "invoice.paid")
        .unwrap();
    assert_eq!(
        paid["data"]["object"]["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    assert_eq!(paid["api_version"], "2025-03-31.basil");
    let id = paid["id"].as_str().unwrap().to_owned();
    let event = eventually(
        Duration::from_secs(5),
        "pending_webhooks to reach 0",
        || {
            let (stripe, id) = (stripe.clone(), id.clone());
            async move {
                let e = stripe.fetch(&format!("/v1/events/{id}")).await;
                (e["pending_webhooks"] == 0).then_some(e)
            }
        },
    )
    .await;
    assert_eq!(event["type"], "invoice.paid");
    let attempts: Value = reqwest::get(format!(
        "{}/_sandbox/deliveries?event={id}",
        sb.stripe_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(attempts.as_array().unwrap().len(), 1);
    assert_eq!(attempts[0]["success"], true);
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(attempts[0]["endpoint"], endpoint["id"]);
}

#[tokio::test]
async fn failures_are_retried_with_backoff_then_succeed() {
    let receiver = Receiver::default();
    receiver.script.lock().unwrap().extend([500, 302]);
    let (sb, stripe, url) = hooked(0.0001, &receiver).await;
    stripe
        .ok(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "customer.created")],
        )
        .await;
    let customer = stripe.ok("/v1/customers", &[("email", "r@x.io")]).await;
    let event = stripe.fetch("/v1/events?type=customer.created").await["data"][0].clone();
    assert_eq!(event["data"]["object"]["id"], customer["id"]);
    let id = event["id"].as_str().unwrap().to_owned();
    let attempts = eventually(Duration::from_secs(5), "a successful third attempt", || {
        let base = sb.stripe_url();
        let id = id.clone();
        async move {
            let a: Value = reqwest::get(format!("{base}/_sandbox/deliveries?event={id}"))
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (a.as_array()?.iter().any(|x| x["success"] == true)).then_some(a)
        }
    })
    .await;
    let statuses: Vec<i64> = attempts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 302, 200], "redirects count as failures");
    let numbers: Vec<i64> = attempts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    // Each retry is signed afresh and carries the same event.
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(events_of(&received).iter().all(|e| e["id"] == id.as_str()));
    assert_eq!(
        stripe.fetch(&format!("/v1/events/{id}")).await["pending_webhooks"],
        0
    );
    assert!(
        stripe
            .list("/v1/events?delivery_success=false")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_leaves_the_event_pending() {
    let receiver = Receiver::default();
    receiver.script.lock().unwrap().extend([503; 10]);
    let (sb, stripe, url) = hooked(0.00001, &receiver).await;
    stripe
        .ok(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "customer.created")],
        )
        .await;
    stripe.ok("/v1/customers", &[]).await;
    eventually(Duration::from_secs(5), "four attempts", || {
        let r = receiver.clone();
        async move { (r.received().len() == 4).then_some(()) }
    })
    .await;
    let failed = eventually(
        Duration::from_secs(5),
        "the event listed as undelivered",
        || {
            let stripe = stripe.clone();
            async move {
                let l = stripe.fetch("/v1/events?delivery_success=false").await;
                (l["data"].as_array()?.len() == 1).then_some(l)
            }
        },
    )
    .await;
    assert_eq!(failed["data"][0]["pending_webhooks"], 1);
    assert_eq!(stripe.count("/v1/events?delivery_success=true").await, 0);
    // Stripe's test-mode schedule has three retries: a fifth attempt never comes.
    let attempts: Value = reqwest::get(format!("{}/_sandbox/deliveries", sb.stripe_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(attempts.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn pinned_old_versions_receive_the_old_shape() {
    let receiver = Receiver::default();
    let (_sb, stripe, url) = hooked(0.0001, &receiver).await;
    stripe
        .ok(
            "/v1/webhook_endpoints",
            &[
                ("url", &url),
                ("enabled_events[]", "invoice.paid"),
                ("api_version", "2024-06-20"),
            ],
        )
        .await;
    let (_, _, sub) = stripe.subscribe(2000, &[]).await;
    let received = receiver.wait_for(1, "invoice.paid").await;
    let event = &events_of(&received)[0];
    assert_eq!(event["api_version"], "2024-06-20");
    assert_eq!(event["data"]["object"]["subscription"], sub["id"]);
    assert_eq!(
        event["data"]["object"]["subscription_details"]["metadata"]["impact_click_id"],
        "click-123"
    );
    assert!(event["data"]["object"].get("parent").is_none());
}

#[tokio::test]
async fn a_slow_receiver_does_not_block_the_api() {
    let gate = Arc::new(Semaphore::new(0));
    let receiver = Receiver {
        gate: Some(gate.clone()),
        ..Receiver::default()
    };
    let (_sb, stripe, url) = hooked(0.0001, &receiver).await;
    stripe
        .ok(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "*")],
        )
        .await;
    // The receiver holds every delivery; API calls still answer.
    let (_, _, sub) = tokio::time::timeout(Duration::from_secs(5), stripe.subscribe(2000, &[]))
        .await
        .expect("API answers while deliveries wait");
    assert_eq!(sub["status"], "active");
    assert!(receiver.received().is_empty());
    let pending = stripe
        .fetch("/v1/events?delivery_success=false&limit=100")
        .await;
    assert!(!pending["data"].as_array().unwrap().is_empty());
    gate.add_permits(1000);
    eventually(Duration::from_secs(5), "every event delivered", || {
        let stripe = stripe.clone();
        async move {
            stripe.fetch("/v1/events?delivery_success=false").await["data"]
                .as_array()?
                .is_empty()
                .then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn a_moved_clock_dates_events_but_signatures_use_real_time() {
    let receiver = Receiver::default();
    let (_sb, stripe, url) = hooked(0.0001, &receiver).await;
    let endpoint = stripe
        .ok(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "customer.created")],
        )
        .await;
    let secret = WebhookSecret::new(endpoint["secret"].as_str().unwrap()).unwrap();
    let month = 31 * 86_400;
    stripe
        .ok(
            "/_sandbox/clock/advance",
            &[("seconds", &month.to_string())],
        )
        .await;
    stripe
        .ok("/v1/customers", &[("email", "later@example.com")])
        .await;
    let received = receiver.wait_for(1, "one delivery").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (signature, body) = &received[0];
    // The event is dated on the sandbox's clock, a month ahead ...
    let event: Value = serde_json::from_slice(body).unwrap();
    assert!(event["created"].as_i64().unwrap() >= now + month - 5);
    // ... but the delivery is signed at the real time it is sent, as Stripe does.
    Verifier::with_default_tolerance(vec![secret])
        .unwrap()
        .verify(body, signature, now)
        .expect("signed with the real time");
}

#[tokio::test]
async fn a_dispute_delivers_its_opening_then_its_closing() {
    let receiver = Receiver::default();
    let (_sb, stripe, url) = hooked(0.0001, &receiver).await;
    let endpoint = stripe
        .ok(
            "/v1/webhook_endpoints",
            &[
                ("url", &url),
                ("enabled_events[]", "charge.dispute.created"),
                ("enabled_events[]", "charge.dispute.closed"),
            ],
        )
        .await;
    assert_eq!(
        endpoint["enabled_events"],
        serde_json::json!(["charge.dispute.created", "charge.dispute.closed"])
    );
    let secret = WebhookSecret::new(endpoint["secret"].as_str().unwrap()).unwrap();
    let (_, _, sub) = stripe.subscribe(2000, &[]).await;
    let charge = stripe.with_version("2024-06-20").latest_invoice(&sub).await["charge"]
        .as_str()
        .unwrap()
        .to_owned();
    let dispute = stripe
        .ok(
            &format!("/_sandbox/charges/{charge}/dispute"),
            &[("amount", "1500"), ("reason", "product_not_received")],
        )
        .await;
    let received = receiver.wait_for(2, "both dispute events").await;
    assert_eq!(received.len(), 2, "nothing else is subscribed");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let verifier = Verifier::with_default_tolerance(vec![secret]).unwrap();
    for (signature, body) in &received {
        verifier.verify(body, signature, now).expect("signed");
    }
    // Deliveries run concurrently (Stripe does not promise an order either): the order is the
    // events' own, as `/v1/events` lists them (newest first).
    let listed = stripe.list("/v1/events?type=charge.dispute.*").await;
    let listed: Vec<&str> = listed
        .iter()
        .rev()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let events = events_of(&received);
    let by_id = |id: &str| events.iter().find(|e| e["id"] == id).unwrap().clone();
    let (opened, closed) = (by_id(listed[0]), by_id(listed[1]));
    assert_eq!(opened["type"], "charge.dispute.created");
    assert_eq!(closed["type"], "charge.dispute.closed");
    assert!(opened["created"].as_i64() <= closed["created"].as_i64());
    for (event, status) in [(&opened, "needs_response"), (&closed, "lost")] {
        let object = &event["data"]["object"];
        assert_eq!(object["id"], dispute["id"]);
        assert_eq!(object["object"], "dispute");
        assert_eq!(object["status"], status);
        assert_eq!(object["charge"], charge.as_str());
        assert_eq!(object["amount"], 1500);
        assert_eq!(object["reason"], "product_not_received");
        assert!(event["data"].get("previous_attributes").is_none());
    }
}
