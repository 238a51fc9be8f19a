//! Time added per request by `CaptureClickIdLayer`, against the same stack without it.
//!
//! Three paths: the click id in the cookie (goal: at most 1 µs added), in the header, and in a
//! urlencoded form of 2 KiB that the layer buffers and hands on. Both stacks run the same
//! handler, which reads the whole body; the services are ready at once, so each request is
//! driven to completion in a single poll, without a runtime's scheduling noise.
//!
//! Run with `cargo bench -p clicktrail-tower --bench capture`.

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use clicktrail_tower::CaptureClickIdLayer;
use criterion::{BatchSize, Criterion};
use futures_util::FutureExt;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use tower::{Service, ServiceBuilder, ServiceExt};

const CLICK_ID: &str = "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30";

/// The handler of both stacks: reads the body, answers with its length.
async fn handler<B: Body>(request: Request<B>) -> Result<Response<usize>, Infallible> {
    let length = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes().len(),
        Err(_) => 0,
    };
    Ok(Response::new(length))
}

/// One request through `service`, driven to completion in one poll.
fn run<S, B>(service: &S, request: Request<B>) -> Response<usize>
where
    S: Service<Request<B>, Response = Response<usize>, Error = Infallible> + Clone,
{
    service
        .clone()
        .oneshot(request)
        .now_or_never()
        .expect("every service in the stack is ready at once")
        .unwrap_or_else(|never| match never {})
}

fn cookie_request() -> Request<Full<Bytes>> {
    Request::get("/checkout")
        .header(
            "cookie",
            format!("session=s3cr3t; impact_click_id={CLICK_ID}; theme=dark"),
        )
        .header("accept", "text/html")
        .body(Full::default())
        .expect("a valid request")
}

fn header_request() -> Request<Full<Bytes>> {
    Request::get("/checkout")
        .header("x-impact-click-id", CLICK_ID)
        .header("accept", "application/json")
        .body(Full::default())
        .expect("a valid request")
}

/// A 2 KiB urlencoded form with the hidden field in the middle.
fn form_body() -> Bytes {
    let mut form = format!(
        "plan=pro&email=ann%40shop.example&note={}",
        "x".repeat(1000)
    );
    form.push_str(&format!(
        "&impact_ClickId={}&comment=",
        CLICK_ID.replace(':', "%3A")
    ));
    form.push_str(&"y".repeat(2048 - form.len()));
    assert_eq!(form.len(), 2048);
    Bytes::from(form)
}

fn form_request(body: &Bytes) -> Request<Full<Bytes>> {
    Request::post("/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body.len())
        .body(Full::new(body.clone()))
        .expect("a valid request")
}

fn bench_path(c: &mut Criterion, name: &str, make: impl Fn() -> Request<Full<Bytes>>) {
    let without = ServiceBuilder::new().service_fn(handler::<Full<Bytes>>);
    let with = ServiceBuilder::new()
        .layer(CaptureClickIdLayer::new())
        .service_fn(handler::<clicktrail_tower::ReplayBody<Full<Bytes>>>);

    // Check once that the layer really captures on this path.
    let probe = ServiceBuilder::new()
        .layer(CaptureClickIdLayer::new())
        .service_fn(
            |request: Request<clicktrail_tower::ReplayBody<Full<Bytes>>>| async move {
                let found = request
                    .extensions()
                    .get::<clicktrail_tower::ClickId>()
                    .is_some();
                Ok::<_, Infallible>(Response::new(usize::from(found)))
            },
        );
    assert_eq!(
        *run(&probe, make()).body(),
        1,
        "{name}: the layer must find the click id"
    );

    let mut group = c.benchmark_group(name);
    group.bench_function("without layer", |b| {
        b.iter_batched(
            &make,
            |request| black_box(run(&without, request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("with layer", |b| {
        b.iter_batched(
            &make,
            |request| black_box(run(&with, request)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn capture(c: &mut Criterion) {
    bench_path(c, "cookie", cookie_request);
    bench_path(c, "header", header_request);
    let body = form_body();
    bench_path(c, "form 2 KiB", || form_request(&body));
}

// What `criterion_group!` / `criterion_main!` expand to, written out so that the generated
// function does not trip the workspace's `missing_docs` lint.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    capture(&mut criterion);
    criterion.final_summary();
}
