//! `StripeClient` against a fake Stripe on 127.0.0.1:0: what it sends (headers, bracket-key form
//! bodies, idempotency keys), when it retries (429, 5xx, 409, dropped connections, never 400,
//! never against `Stripe-Should-Retry: false`), how it reads errors and pages, and that it
//! follows no redirect and refuses plain http beyond loopback.
//!
//! The first path segment of the client's `api_base` picks the fake's behaviour, so one server
//! serves every case. Retries wait nothing (`RetryPolicy::immediate`); nothing sleeps.

#![cfg(feature = "client")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use clicktrail_stripe::Error;
use clicktrail_stripe::client::{
    API_VERSION, ApiKey, Direction, EventQuery, Form, NewSubscription, NewWebhookEndpoint,
    RetryPolicy, StripeClient, StripeConfig, SubscriptionItem,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const KEY: &str = "sk_test_51FakeKeyDoNotLeak0123wxyz";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Requests per scenario, to fail only the first ones.
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Fake {
    fn all(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn under(&self, scenario: &str) -> Vec<Seen> {
        let prefix = format!("/{scenario}/");
        self.all()
            .into_iter()
            .filter(|s| s.path.starts_with(&prefix))
            .collect()
    }
}

fn stripe_error(status: u16, kind: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        [("request-id", "req_fake")],
        axum::Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

/// Seven events, `evt_7` the newest, as Stripe would list them.
fn events_page(query: &[(String, String)]) -> Value {
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let limit: usize = get("limit").map_or(10, |l| l.parse().unwrap());
    let all: Vec<u32> = (1..=7).rev().collect(); // newest first
    let rank = |id: String| id.trim_start_matches("evt_").parse::<u32>().unwrap();
    let (page, has_more): (Vec<u32>, bool) = if let Some(after) = get("starting_after") {
        let older: Vec<u32> = all
            .iter()
            .copied()
            .filter(|r| *r < rank(after.clone()))
            .collect();
        (
            older.iter().copied().take(limit).collect(),
            older.len() > limit,
        )
    } else if let Some(before) = get("ending_before") {
        let newer: Vec<u32> = all
            .iter()
            .copied()
            .filter(|r| *r > rank(before.clone()))
            .collect();
        let skip = newer.len().saturating_sub(limit);
        (
            newer.iter().copied().skip(skip).collect(),
            newer.len() > limit,
        )
    } else {
        (all.iter().copied().take(limit).collect(), all.len() > limit)
    };
    json!({
        "object": "list", "url": "/v1/events", "has_more": has_more,
        "data": page.iter().map(|r| json!({
            "id": format!("evt_{r}"), "object": "event", "type": "invoice.paid",
            "created": 1_700_000_000 + r, "data": {"object": {"id": format!("in_{r}"), "object": "invoice"}}
        })).collect::<Vec<_>>()
    })
}

async fn handler(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    };
    let query = seen.query_pairs();
    fake.seen.lock().unwrap().push(seen);
    let scenario = uri.path().split('/').nth(1).unwrap_or("").to_owned();
    let n = {
        let mut counts = fake.counts.lock().unwrap();
        let n = counts.entry(scenario.clone()).or_default();
        *n += 1;
        *n
    };
    let ok =
        || axum::Json(json!({"id": "cus_1", "object": "customer", "metadata": {}})).into_response();
    match scenario.as_str() {
        "ok" => ok(),
        "rate" if n == 1 => stripe_error(429, "invalid_request_error", "Too many requests"),
        "flaky" if n == 1 => stripe_error(500, "api_error", "Something went wrong"),
        "conflict" if n == 1 => (
            [("stripe-should-retry", "true")],
            stripe_error(409, "invalid_request_error", "lock_timeout"),
        )
            .into_response(),
        "down" => stripe_error(503, "api_error", "Service unavailable"),
        "final" => (
            [("stripe-should-retry", "false")],
            stripe_error(500, "api_error", "Do not retry"),
        )
            .into_response(),
        "bad" => {
            let mut r = axum::Json(json!({"error": {"type": "invalid_request_error",
                "code": "parameter_missing", "param": "items[0][price]",
                "message": "Missing required param: items[0][price]."}}))
            .into_response();
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r
        }
        "forbidden" => stripe_error(
            403,
            "invalid_request_error",
            "The provided key 'rk_test_******wxyz' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_subscription_read' permission would allow this request to continue.",
        ),
        "redirect" => (StatusCode::FOUND, [("location", "/ok/v1/customers/cus_1")]).into_response(),
        "list" => axum::Json(events_page(&query)).into_response(),
        "notjson" => "<html>hello</html>".into_response(),
        _ => ok(),
    }
}

async fn fake() -> (String, Fake) {
    let fake = Fake::default();
    let app = Router::new().fallback(handler).with_state(fake.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, fake)
}

fn client(base: &str, scenario: &str, retries: u32) -> StripeClient {
    let config = StripeConfig::new(ApiKey::new(KEY).unwrap())
        .api_base(format!("{base}/{scenario}"))
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy::immediate(retries));
    StripeClient::new(config).unwrap()
}

#[tokio::test]
async fn posts_carry_auth_version_idempotency_and_the_exact_form() {
    let (base, fake) = fake().await;
    let stripe = client(&base, "ok", 2);
    let sub = NewSubscription {
        customer: "cus_1".into(),
        items: vec![
            SubscriptionItem {
                price: "price_a".into(),
                quantity: None,
            },
            SubscriptionItem {
                price: "price_b".into(),
                quantity: Some(2),
            },
        ],
        metadata: [
            ("impact_click_id".to_owned(), "Qx9 +/&=é[1]".to_owned()),
            ("source".to_owned(), "clicktrail".to_owned()),
        ]
        .into(),
        trial_period_days: Some(7),
        ..Default::default()
    };
    stripe
        .post("/v1/subscriptions", &sub.to_form())
        .await
        .unwrap();
    let endpoint = NewWebhookEndpoint {
        url: "https://shop.example/webhooks/stripe?x=1".into(),
        enabled_events: vec!["invoice.paid".into(), "charge.refunded".into()],
        api_version: Some(API_VERSION.into()),
        ..Default::default()
    };
    stripe
        .post("/v1/webhook_endpoints", &endpoint.to_form())
        .await
        .unwrap();

    let seen = fake.all();
    assert_eq!(seen.len(), 2);
    let post = &seen[0];
    assert_eq!(post.method, Method::POST);
    assert_eq!(post.path, "/ok/v1/subscriptions");
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(post.header("stripe-version"), Some(API_VERSION));
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // The raw encoding: literal brackets in keys, everything else escaped.
    assert_eq!(
        post.body,
        "customer=cus_1&items[0][price]=price_a&items[1][price]=price_b&items[1][quantity]=2\
         &metadata[impact_click_id]=Qx9%20%2B%2F%26%3D%C3%A9%5B1%5D&metadata[source]=clicktrail\
         &trial_period_days=7"
    );
    // What a form decoder reads.
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        post.form(),
        pairs(&[
            ("customer", "cus_1"),
            ("items[0][price]", "price_a"),
            ("items[1][price]", "price_b"),
            ("items[1][quantity]", "2"),
            ("metadata[impact_click_id]", "Qx9 +/&=é[1]"),
            ("metadata[source]", "clicktrail"),
            ("trial_period_days", "7"),
        ])
    );
    assert_eq!(
        seen[1].form(),
        pairs(&[
            ("url", "https://shop.example/webhooks/stripe?x=1"),
            ("enabled_events[]", "invoice.paid"),
            ("enabled_events[]", "charge.refunded"),
            ("api_version", API_VERSION),
        ])
    );
    // Every POST gets its own idempotency key.
    let k0 = seen[0].header("idempotency-key").unwrap();
    let k1 = seen[1].header("idempotency-key").unwrap();
    assert_eq!(k0.len(), 36);
    assert_ne!(k0, k1);
}

#[tokio::test]
async fn gets_send_the_query_and_no_idempotency_key() {
    let (base, fake) = fake().await;
    let stripe = client(&base, "ok", 0);
    let query = Form::new()
        .push_list("expand", ["payments", "lines.data.price"])
        .push_object(
            "payment",
            Form::new()
                .push("type", "payment_intent")
                .push("payment_intent", "pi_1"),
        );
    stripe.get("/v1/invoice_payments", &query).await.unwrap();
    stripe.delete("/v1/webhook_endpoints/we_1").await.unwrap();
    let seen = fake.all();
    assert_eq!(seen[0].method, Method::GET);
    assert_eq!(
        seen[0].query.as_deref(),
        Some(
            "expand[]=payments&expand[]=lines.data.price&payment[type]=payment_intent&payment[payment_intent]=pi_1"
        )
    );
    assert_eq!(seen[0].body, "");
    assert_eq!(seen[0].header("idempotency-key"), None);
    assert_eq!(seen[0].header("stripe-version"), Some(API_VERSION));
    assert_eq!(seen[1].method, Method::DELETE);
    assert_eq!(seen[1].path, "/ok/v1/webhook_endpoints/we_1");
}

#[tokio::test]
async fn a_caller_key_is_sent_as_given() {
    let (base, fake) = fake().await;
    let stripe = client(&base, "ok", 0);
    stripe
        .post_idempotent("/v1/customers", &Form::new(), "setup-we-2026-11-27")
        .await
        .unwrap();
    assert_eq!(
        fake.all()[0].header("idempotency-key"),
        Some("setup-we-2026-11-27")
    );
    let err = stripe
        .post_idempotent("/v1/customers", &Form::new(), "")
        .await
        .unwrap_err();
    assert_eq!(err, Error::InvalidParam("Idempotency-Key".into()));
    assert_eq!(fake.all().len(), 1, "an invalid key sends nothing");
}

#[tokio::test]
async fn retries_429_500_and_409_with_the_same_idempotency_key() {
    let (base, fake) = fake().await;
    for scenario in ["rate", "flaky", "conflict"] {
        let value = client(&base, scenario, 2)
            .post("/v1/customers", &Form::new().push("email", "a@b.example"))
            .await
            .unwrap_or_else(|e| panic!("{scenario}: {e}"));
        assert_eq!(value["id"], "cus_1");
        let seen = fake.under(scenario);
        assert_eq!(seen.len(), 2, "{scenario}: one failure, one success");
        let keys: Vec<_> = seen.iter().map(|s| s.header("idempotency-key")).collect();
        assert!(keys[0].is_some(), "{scenario}");
        assert_eq!(keys[0], keys[1], "{scenario}: same key on the retry");
        assert_eq!(seen[0].body, seen[1].body);
    }
}

#[tokio::test]
async fn retries_are_bounded_then_the_last_error_is_returned() {
    let (base, fake) = fake().await;
    let err = client(&base, "down", 3)
        .get("/v1/customers/cus_1", &Form::new())
        .await
        .unwrap_err();
    assert_eq!(
        fake.under("down").len(),
        4,
        "the first attempt and three retries"
    );
    match err {
        Error::Api {
            status,
            kind,
            message,
            request_id,
            ..
        } => {
            assert_eq!((status, kind.as_str()), (503, "api_error"));
            assert_eq!(message, "Service unavailable");
            assert_eq!(request_id.as_deref(), Some("req_fake"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_retry_on_400_nor_when_stripe_says_not_to() {
    let (base, fake) = fake().await;
    let err = client(&base, "bad", 3)
        .post("/v1/subscriptions", &Form::new())
        .await
        .unwrap_err();
    assert_eq!(fake.under("bad").len(), 1);
    assert!(
        matches!(
            err,
            Error::Api { status: 400, ref param, ref code, .. }
                if param.as_deref() == Some("items[0][price]") && code.as_deref() == Some("parameter_missing")
        ),
        "{err:?}"
    );

    let err = client(&base, "final", 3)
        .post("/v1/customers", &Form::new())
        .await
        .unwrap_err();
    assert_eq!(
        fake.under("final").len(),
        1,
        "Stripe-Should-Retry: false wins over 500"
    );
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn a_permission_error_names_the_missing_permission() {
    let (base, fake) = fake().await;
    let err = client(&base, "forbidden", 3)
        .subscription("sub_1")
        .await
        .unwrap_err();
    assert_eq!(fake.under("forbidden").len(), 1, "a 403 is not retried");
    match &err {
        Error::PermissionDenied {
            permission,
            request_id,
            ..
        } => {
            assert_eq!(permission.as_deref(), Some("rak_subscription_read"));
            assert_eq!(request_id.as_deref(), Some("req_fake"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("`rak_subscription_read`"), "{err}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (base, fake) = fake().await;
    let err = client(&base, "redirect", 2)
        .customer("cus_1")
        .await
        .unwrap_err();
    assert_eq!(fake.all().len(), 1, "only the redirecting request was made");
    match err {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(status, 302);
            assert!(message.contains("/ok/v1/customers/cus_1"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_2xx_that_is_not_json_is_a_decode_error() {
    let (base, _fake) = fake().await;
    let err = client(&base, "notjson", 2)
        .get("/v1/customers/cus_1", &Form::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn pages_forward_and_backward_across_three_pages() {
    let (base, fake) = fake().await;
    let stripe = client(&base, "list", 0);
    let ids = |items: &[Value]| {
        items
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let query = EventQuery {
        types: vec!["invoice.paid".into()],
        limit: Some(3),
        ..Default::default()
    };
    let mut pages = stripe.event_pages(&query);
    assert_eq!(pages.direction(), Direction::Forward);
    let mut forward = Vec::new();
    while let Some(items) = pages.next_page().await.unwrap() {
        forward.push(ids(&items));
    }
    assert_eq!(
        forward,
        [
            vec!["evt_7", "evt_6", "evt_5"],
            vec!["evt_4", "evt_3", "evt_2"],
            vec!["evt_1"]
        ]
    );
    let cursors: Vec<_> = fake
        .under("list")
        .iter()
        .map(|s| s.query.clone().unwrap())
        .collect();
    assert_eq!(
        cursors,
        [
            "types[]=invoice.paid&limit=3",
            "types[]=invoice.paid&limit=3&starting_after=evt_5",
            "types[]=invoice.paid&limit=3&starting_after=evt_2",
        ]
    );

    // Backward from the oldest event: chronological, page by page.
    let query = EventQuery {
        limit: Some(2),
        ending_before: Some("evt_1".into()),
        ..Default::default()
    };
    let pages = stripe.event_pages(&query);
    assert_eq!(pages.direction(), Direction::Backward);
    let all = pages.collect_all().await.unwrap();
    assert_eq!(
        ids(&all),
        ["evt_2", "evt_3", "evt_4", "evt_5", "evt_6", "evt_7"]
    );
    assert_eq!(fake.under("list").len(), 3 + 3);

    // Oldest first without a cursor: a forward walk, reversed.
    let all = stripe
        .event_pages(&EventQuery {
            limit: Some(3),
            ..Default::default()
        })
        .collect_oldest_first()
        .await
        .unwrap();
    assert_eq!(
        ids(&all),
        [
            "evt_1", "evt_2", "evt_3", "evt_4", "evt_5", "evt_6", "evt_7"
        ]
    );

    // A cap below the list's length fails rather than stopping silently.
    let err = stripe
        .event_pages(&EventQuery {
            limit: Some(3),
            ..Default::default()
        })
        .max_pages(2)
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err, Error::TooManyPages { pages: 2 });
}

#[tokio::test]
async fn list_items_are_read_through_the_typed_views() {
    let (base, _fake) = fake().await;
    let stripe = client(&base, "list", 0);
    // `list_all` walks with limit=100: one page of seven.
    let events = stripe.list_all("/v1/events", Form::new()).await.unwrap();
    assert_eq!(events.len(), 7);
    let event = clicktrail_stripe::Event::from_value(events[0].clone()).unwrap();
    assert_eq!(event.invoice().unwrap().id, "in_7");
}

/// A server that drops the first connection after reading the request, then answers.
async fn drop_once_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            n += 1;
            let mut buf = vec![0u8; 64 * 1024];
            let mut len = 0;
            // Read the head and the (small) body.
            loop {
                let read = socket.read(&mut buf[len..]).await.unwrap();
                len += read;
                let text = String::from_utf8_lossy(&buf[..len]).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let content_length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if len >= head_end + 4 + content_length {
                        seen.lock().unwrap().push(text);
                        break;
                    }
                }
                if read == 0 {
                    break;
                }
            }
            if n == 1 {
                drop(socket); // no answer at all
                continue;
            }
            let body = r#"{"id":"cus_1","object":"customer"}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
        }
    });
    (base, requests)
}

#[tokio::test]
async fn a_dropped_connection_is_retried_with_the_same_key() {
    let (base, requests) = drop_once_server().await;
    let stripe = StripeClient::new(
        StripeConfig::new(ApiKey::new(KEY).unwrap())
            .api_base(&base)
            .retry(RetryPolicy::immediate(2)),
    )
    .unwrap();
    let customer = stripe
        .create_customer(&Form::new().push("email", "x@y.example"))
        .await
        .unwrap();
    assert_eq!(customer.id, "cus_1");
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    let key = |r: &str| {
        r.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("idempotency-key:")
                    .map(|v| v.trim().to_owned())
            })
            .unwrap()
    };
    assert_eq!(key(&requests[0]), key(&requests[1]));

    // Without retries the drop is a transport error.
    let (base, _) = drop_once_server().await;
    let stripe = StripeClient::new(
        StripeConfig::new(ApiKey::new(KEY).unwrap())
            .api_base(&base)
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = stripe.customer("cus_1").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn an_answer_that_never_comes_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket); // accept, never answer
        }
    });
    let stripe = StripeClient::new(
        StripeConfig::new(ApiKey::new(KEY).unwrap())
            .api_base(&base)
            .timeout(Duration::from_millis(200))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = stripe.customer("cus_1").await.unwrap_err();
    match err {
        Error::Transport(reason) => assert!(reason.contains("timed out"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn plain_http_beyond_loopback_and_bad_params_are_refused_before_sending() {
    let key = || ApiKey::new(KEY).unwrap();
    let err =
        StripeClient::new(StripeConfig::new(key()).api_base("http://api.stripe.com")).unwrap_err();
    assert_eq!(
        err,
        Error::BaseUrl(clicktrail_http::BaseUrlError::Insecure {
            url: "http://api.stripe.com".into()
        })
    );
    let err = StripeClient::new(StripeConfig::new(key()).api_version("latest")).unwrap_err();
    assert_eq!(err, Error::InvalidApiVersion("latest".into()));

    let (base, fake) = fake().await;
    let stripe = client(&base, "ok", 0);
    let err = stripe
        .subscription("sub_1/../../v1/charges")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidParam(_)), "{err:?}");
    let err = stripe
        .post(
            "/v1/customers",
            &Form::new().push_map("metadata", [("a[b]", "c")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err, Error::InvalidParam("metadata[a[b]]".into()));
    assert!(fake.all().is_empty(), "nothing reached the server");
}

#[test]
fn debug_never_shows_the_key() {
    let stripe = StripeClient::new(StripeConfig::new(ApiKey::new(KEY).unwrap())).unwrap();
    let debug = format!("{stripe:?}");
    assert!(debug.contains("sk_test_…wxyz"), "{debug}");
    assert!(!debug.contains("FakeKeyDoNotLeak"), "{debug}");
    assert!(debug.contains("https://api.stripe.com") && debug.contains(API_VERSION));
}
