//! The outbound Stripe layer over real HTTP: a hyper-util client wrapped in
//! `StripeClickIdLayer` calls a local server on 127.0.0.1:0 that records the form bodies it
//! receives.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request as AxumRequest, State};
use axum::routing::{get, post};
use bytes::Bytes;
use clicktrail_tower::outbound::{self, StripeClickIdLayer};
use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::util::BoxCloneService;
use tower::{BoxError, ServiceBuilder, ServiceExt};

/// One request as the fake Stripe received it.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    content_length: Option<usize>,
    body_length: usize,
    form: Form,
}

type Log = Arc<Mutex<Vec<Received>>>;

async fn record(State(log): State<Log>, request: AxumRequest) -> &'static str {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    log.lock().unwrap().push(Received {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        content_length: parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .map(|v| v.to_str().unwrap().parse().unwrap()),
        body_length: body.len(),
        form: serde_urlencoded::from_bytes(&body).unwrap(),
    });
    "{}"
}

/// Starts the recording server; returns its address and its log.
async fn fake_stripe() -> (SocketAddr, Log) {
    let log = Log::default();
    let app = Router::new()
        .route("/v1/{*path}", post(record).get(record))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, log)
}

type StripeClient =
    BoxCloneService<Request<Full<Bytes>>, http::Response<hyper::body::Incoming>, BoxError>;

/// A tower HTTP client with the outbound layer.
fn client() -> StripeClient {
    let client: Client<HttpConnector, ReplayBody<Full<Bytes>>> =
        Client::builder(TokioExecutor::new()).build_http();
    ServiceBuilder::new()
        .layer(StripeClickIdLayer::new())
        .service(client)
        .map_err(BoxError::from)
        .boxed_clone()
}

async fn call(client: StripeClient, addr: SocketAddr, method: Method, path: &str, form: &str) {
    let request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from(form.to_owned()))
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// A decoded form body, in order.
type Form = Vec<(String, String)>;

fn pairs(items: &[(&str, &str)]) -> Form {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn last(log: &Log) -> Received {
    log.lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the fake Stripe received a request")
}

const ID: &str = "Qx9:abc";

fn click_id() -> ClickId {
    ClickId::new(ID).unwrap()
}

#[tokio::test]
async fn adds_the_parameters_to_each_create_call() {
    let (addr, log) = fake_stripe().await;
    let reference = click_id().to_client_reference_id();
    let cases: [(&str, &str, Form); 6] = [
        (
            "/v1/subscriptions",
            "customer=cus_1&items[0][price]=price_1",
            pairs(&[
                ("customer", "cus_1"),
                ("items[0][price]", "price_1"),
                ("metadata[impact_click_id]", ID),
            ]),
        ),
        (
            "/v1/customers",
            "email=a%40b.example",
            pairs(&[("email", "a@b.example"), ("metadata[impact_click_id]", ID)]),
        ),
        (
            "/v1/customers/cus_1",
            "name=Ann",
            pairs(&[("name", "Ann"), ("metadata[impact_click_id]", ID)]),
        ),
        (
            "/v1/checkout/sessions",
            "mode=subscription",
            pairs(&[
                ("mode", "subscription"),
                ("metadata[impact_click_id]", ID),
                ("subscription_data[metadata][impact_click_id]", ID),
                ("client_reference_id", &reference),
            ]),
        ),
        (
            "/v1/checkout/sessions",
            "mode=payment",
            pairs(&[
                ("mode", "payment"),
                ("metadata[impact_click_id]", ID),
                ("payment_intent_data[metadata][impact_click_id]", ID),
                ("client_reference_id", &reference),
            ]),
        ),
        (
            "/v1/checkout/sessions",
            "mode=setup",
            pairs(&[
                ("mode", "setup"),
                ("metadata[impact_click_id]", ID),
                ("client_reference_id", &reference),
            ]),
        ),
    ];
    for (path, form, expected) in cases {
        outbound::scope(click_id(), call(client(), addr, Method::POST, path, form)).await;
        let received = last(&log);
        assert_eq!(received.path, path);
        assert_eq!(received.form, expected, "{path} {form}");
    }
}

#[tokio::test]
async fn keeps_what_the_body_already_sets() {
    let (addr, log) = fake_stripe().await;
    let form = "mode=payment&metadata%5Bimpact_click_id%5D=Explicit&client_reference_id=user_42";
    outbound::scope(
        click_id(),
        call(client(), addr, Method::POST, "/v1/checkout/sessions", form),
    )
    .await;
    let received = last(&log);
    assert_eq!(
        received.form,
        pairs(&[
            ("mode", "payment"),
            ("metadata[impact_click_id]", "Explicit"),
            ("client_reference_id", "user_42"),
            ("payment_intent_data[metadata][impact_click_id]", ID),
        ])
    );
    // The announced length was updated with the body.
    assert_eq!(received.content_length, Some(received.body_length));
    assert!(received.body_length > form.len());
}

#[tokio::test]
async fn leaves_other_requests_untouched() {
    let (addr, log) = fake_stripe().await;
    // Not a create call, not a POST, or no click id being served.
    outbound::scope(
        click_id(),
        call(
            client(),
            addr,
            Method::POST,
            "/v1/invoices",
            "customer=cus_1",
        ),
    )
    .await;
    assert_eq!(last(&log).form, pairs(&[("customer", "cus_1")]));
    outbound::scope(
        click_id(),
        call(
            client(),
            addr,
            Method::POST,
            "/v1/customers/cus_1/tax_ids",
            "type=eu_vat",
        ),
    )
    .await;
    assert_eq!(last(&log).form, pairs(&[("type", "eu_vat")]));
    outbound::scope(
        click_id(),
        call(client(), addr, Method::GET, "/v1/customers", ""),
    )
    .await;
    assert_eq!(last(&log).method, Method::GET);
    assert_eq!(last(&log).form, pairs(&[]));
    call(
        client(),
        addr,
        Method::POST,
        "/v1/subscriptions",
        "customer=cus_1",
    )
    .await;
    assert_eq!(last(&log).form, pairs(&[("customer", "cus_1")]));
}

/// The real use: a checkout handler behind `CaptureClickIdLayer` calls Stripe through the
/// wrapped client, and never mentions the click id.
#[tokio::test]
async fn the_click_id_of_the_request_being_served_reaches_stripe() {
    let (stripe_addr, log) = fake_stripe().await;
    let shop = Router::new()
        .route(
            "/subscribe",
            post(move || async move {
                call(
                    client(),
                    stripe_addr,
                    Method::POST,
                    "/v1/subscriptions",
                    "customer=cus_9",
                )
                .await;
                "subscribed"
            }),
        )
        .route(
            "/current",
            get(|| async {
                outbound::current()
                    .map(|id| id.to_string())
                    .unwrap_or_default()
            }),
        )
        .layer(CaptureClickIdLayer::new());

    let request = Request::post("/subscribe")
        .header("cookie", "impact_click_id=FromTheVisitor")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = shop.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        last(&log).form,
        pairs(&[
            ("customer", "cus_9"),
            ("metadata[impact_click_id]", "FromTheVisitor")
        ])
    );

    let request = Request::get("/current?irclickid=Q1")
        .body(axum::body::Body::empty())
        .unwrap();
    let body = shop
        .oneshot(request)
        .await
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(body, "Q1");
    assert_eq!(
        outbound::current(),
        None,
        "nothing leaks out of the request"
    );
}

#[tokio::test]
async fn an_opted_out_carrier_is_never_added() {
    // Stands in for the HTTP client: answers with the body it would have sent.
    let echo = tower::service_fn(|request: Request<ReplayBody<Full<Bytes>>>| async move {
        let sent = request.into_body().collect().await.unwrap().to_bytes();
        Ok::<_, std::convert::Infallible>(http::Response::new(sent))
    });
    let stripe = ServiceBuilder::new()
        .layer(StripeClickIdLayer::new().without(clicktrail_tower::Carrier::ClientReferenceId))
        .service(echo);
    let request = Request::post("https://api.stripe.com/v1/checkout/sessions")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from("mode=subscription"))
        .unwrap();
    let click_id = ClickId::new("Qx9abc").unwrap();
    let sent = outbound::scope(click_id, stripe.oneshot(request))
        .await
        .unwrap()
        .into_body();
    assert_eq!(
        sent,
        "mode=subscription&metadata[impact_click_id]=Qx9abc\
         &subscription_data[metadata][impact_click_id]=Qx9abc"
    );
}
