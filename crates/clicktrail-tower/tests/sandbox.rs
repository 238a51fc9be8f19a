//! Against clicktrail's Stripe emulator: the objects created through the outbound layer, or
//! with the explicit parameters, really hold the click id where the forwarder looks for it.

use bytes::Bytes;
use clicktrail_sandbox::{Sandbox, SandboxConfig, start};
use clicktrail_tower::outbound::{self, StripeClickIdLayer};
use clicktrail_tower::{ClickId, ReplayBody, StripeTarget};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tower::util::BoxCloneService;
use tower::{BoxError, ServiceBuilder, ServiceExt};

type HttpClient =
    BoxCloneService<Request<Full<Bytes>>, http::Response<hyper::body::Incoming>, BoxError>;

/// A Stripe client: a tower HTTP client, with or without the outbound layer.
struct Stripe {
    base: String,
    key: String,
    http: HttpClient,
}

impl Stripe {
    fn new(sandbox: &Sandbox, with_layer: bool) -> Self {
        let http = if with_layer {
            let client: Client<HttpConnector, ReplayBody<Full<Bytes>>> =
                Client::builder(TokioExecutor::new()).build_http();
            ServiceBuilder::new()
                .layer(StripeClickIdLayer::new())
                .service(client)
                .map_err(BoxError::from)
                .boxed_clone()
        } else {
            let client: Client<HttpConnector, Full<Bytes>> =
                Client::builder(TokioExecutor::new()).build_http();
            client.map_err(BoxError::from).boxed_clone()
        };
        Self {
            base: sandbox.stripe_url(),
            key: sandbox.secret_key().to_owned(),
            http,
        }
    }

    async fn send(&self, method: Method, path: &str, form: &[(&str, String)]) -> Value {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::from(body))
            .unwrap();
        let response = self.http.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert!(status.is_success(), "{path}: {status} {json}");
        json
    }

    async fn post(&self, path: &str, form: &[(&str, String)]) -> Value {
        self.send(Method::POST, path, form).await
    }

    async fn get(&self, path: &str) -> Value {
        self.send(Method::GET, path, &[]).await
    }

    async fn monthly_price(&self) -> String {
        let price = self
            .post(
                "/v1/prices",
                &[
                    ("currency", "usd".into()),
                    ("unit_amount", "1500".into()),
                    ("recurring[interval]", "month".into()),
                    ("product_data[name]", "Pro".into()),
                ],
            )
            .await;
        price["id"].as_str().unwrap().to_owned()
    }
}

const ID: &str = "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30";

#[tokio::test]
async fn the_outbound_layer_puts_the_click_id_on_the_subscription_and_the_customer() {
    let sandbox = start(SandboxConfig::ephemeral()).await.unwrap();
    let stripe = Stripe::new(&sandbox, true);
    let price = stripe.monthly_price().await;

    let click_id = ClickId::new(ID).unwrap();
    let (customer, subscription) = outbound::scope(click_id, async {
        let customer = stripe
            .post("/v1/customers", &[("email", "ann@shop.example".into())])
            .await;
        let id = customer["id"].as_str().unwrap().to_owned();
        let subscription = stripe
            .post(
                "/v1/subscriptions",
                &[("customer", id), ("items[0][price]", price)],
            )
            .await;
        (customer, subscription)
    })
    .await;

    assert_eq!(customer["metadata"]["impact_click_id"], ID);
    assert_eq!(subscription["metadata"]["impact_click_id"], ID);
    let stored = stripe
        .get(&format!(
            "/v1/subscriptions/{}",
            subscription["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored["metadata"]["impact_click_id"], ID);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_checkout_session_carries_it_to_the_subscription_it_creates() {
    let sandbox = start(SandboxConfig::ephemeral()).await.unwrap();
    let stripe = Stripe::new(&sandbox, true);
    let price = stripe.monthly_price().await;

    let session = outbound::scope(ClickId::new(ID).unwrap(), async {
        let form = [
            ("mode", "subscription".to_owned()),
            ("line_items[0][price]", price),
            ("line_items[0][quantity]", "1".into()),
            ("customer_email", "bob@shop.example".into()),
            ("success_url", "https://shop.example/thanks".into()),
        ];
        stripe.post("/v1/checkout/sessions", &form).await
    })
    .await;
    assert_eq!(session["metadata"]["impact_click_id"], ID);
    let reference = session["client_reference_id"].as_str().unwrap();
    assert_eq!(
        ClickId::from_client_reference_id(reference)
            .unwrap()
            .as_str(),
        ID
    );

    let id = session["id"].as_str().unwrap();
    let done = stripe
        .post(&format!("/_sandbox/checkout/sessions/{id}/complete"), &[])
        .await;
    let subscription = stripe
        .get(&format!(
            "/v1/subscriptions/{}",
            done["subscription"].as_str().unwrap()
        ))
        .await;
    assert_eq!(subscription["metadata"]["impact_click_id"], ID);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_explicit_payment_parameters_reach_the_payment_intent() {
    let sandbox = start(SandboxConfig::ephemeral()).await.unwrap();
    let stripe = Stripe::new(&sandbox, false);
    let price = stripe
        .post(
            "/v1/prices",
            &[
                ("currency", "eur".into()),
                ("unit_amount", "4900".into()),
                ("product_data[name]", "Course".into()),
            ],
        )
        .await;

    let mut form = vec![
        ("mode", "payment".to_owned()),
        (
            "line_items[0][price]",
            price["id"].as_str().unwrap().to_owned(),
        ),
        ("line_items[0][quantity]", "1".into()),
        ("success_url", "https://shop.example/thanks".into()),
    ];
    ClickId::new(ID)
        .unwrap()
        .stripe_params(StripeTarget::CheckoutPayment)
        .add_to(&mut form);
    let session = stripe.post("/v1/checkout/sessions", &form).await;
    let id = session["id"].as_str().unwrap();
    let done = stripe
        .post(&format!("/_sandbox/checkout/sessions/{id}/complete"), &[])
        .await;
    let intent = stripe
        .get(&format!(
            "/v1/payment_intents/{}",
            done["payment_intent"].as_str().unwrap()
        ))
        .await;
    assert_eq!(intent["metadata"]["impact_click_id"], ID);
    sandbox.shutdown().await;
}
