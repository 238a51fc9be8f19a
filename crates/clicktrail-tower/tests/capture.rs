//! The capture layer driven with `ServiceBuilder` + `oneshot`: every source, their order, the
//! form body's handling (intact, limited, streamed), and what is ignored.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody, Source};
use futures_util::future::BoxFuture;
use futures_util::stream;
use http::header::HeaderName;
use http::{Request, Response};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full, StreamBody};
use tokio::sync::{mpsc, oneshot};
use tower::{BoxError, ServiceBuilder, ServiceExt};

/// What the inner handler saw.
#[derive(Debug, Clone)]
struct Seen {
    click_id: Option<String>,
    body: Bytes,
}

/// Runs `request` through the layer to a handler that reads the whole body and reports what it
/// saw in the response extensions.
async fn run<B>(layer: CaptureClickIdLayer, request: Request<B>) -> Seen
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let service = ServiceBuilder::new().layer(layer).service_fn(
        |request: Request<ReplayBody<B>>| async move {
            let click_id = request
                .extensions()
                .get::<ClickId>()
                .map(|id| id.as_str().to_owned());
            let body = request.into_body().collect().await.map(|c| c.to_bytes());
            let mut response = Response::new(());
            response.extensions_mut().insert(Seen {
                click_id,
                body: body.expect("the body reads"),
            });
            Ok::<_, Infallible>(response)
        },
    );
    let mut response = service.oneshot(request).await.unwrap();
    response.extensions_mut().remove::<Seen>().unwrap()
}

async fn click_id_of(layer: CaptureClickIdLayer, request: Request<Full<Bytes>>) -> Option<String> {
    run(layer, request).await.click_id
}

fn get(uri: &str) -> http::request::Builder {
    Request::get(uri)
}

fn form_post(body: &'static str) -> Request<Full<Bytes>> {
    Request::post("/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from(body))
        .unwrap()
}

fn empty(builder: http::request::Builder) -> Request<Full<Bytes>> {
    builder.body(Full::default()).unwrap()
}

#[tokio::test]
async fn reads_every_default_source() {
    let layer = CaptureClickIdLayer::new;
    let cases = [
        (form_post("plan=pro&impact_ClickId=Form%3A1"), "Form:1"),
        (
            empty(get("/").header("x-impact-click-id", "Header1")),
            "Header1",
        ),
        (empty(get("/?irclickid=Query%3A1")), "Query:1"),
        (empty(get("/?im_ref=ImRef1")), "ImRef1"),
        (
            empty(get("/").header("cookie", "a=b; impact_click_id=Cookie:1")),
            "Cookie:1",
        ),
    ];
    for (request, expected) in cases {
        let uri = request.uri().clone();
        assert_eq!(
            click_id_of(layer(), request).await.as_deref(),
            Some(expected),
            "{uri}"
        );
    }
    assert_eq!(click_id_of(layer(), empty(get("/?x=1"))).await, None);
}

#[tokio::test]
async fn names_are_configurable() {
    let layer = CaptureClickIdLayer::new().sources([
        Source::form_field("cid"),
        Source::header(HeaderName::from_static("x-partner")),
        Source::query("ref"),
        Source::cookie("partner"),
    ]);
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from("cid=F1"))
        .unwrap();
    assert_eq!(
        click_id_of(layer.clone(), request).await.as_deref(),
        Some("F1")
    );
    let request = empty(get("/").header("x-partner", "H1"));
    assert_eq!(
        click_id_of(layer.clone(), request).await.as_deref(),
        Some("H1")
    );
    assert_eq!(
        click_id_of(layer.clone(), empty(get("/?ref=Q1")))
            .await
            .as_deref(),
        Some("Q1")
    );
    let request = empty(get("/").header("cookie", "partner=C1"));
    assert_eq!(
        click_id_of(layer.clone(), request).await.as_deref(),
        Some("C1")
    );
    // The default names are no longer read.
    let request = empty(get("/?irclickid=Q2").header("cookie", "impact_click_id=C2"));
    assert_eq!(click_id_of(layer, request).await, None);
}

#[tokio::test]
async fn the_first_source_in_order_wins() {
    let request = || {
        Request::post("/?irclickid=FromQuery")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-impact-click-id", "FromHeader")
            .header("cookie", "impact_click_id=FromCookie")
            .body(Full::from("impact_ClickId=FromForm"))
            .unwrap()
    };
    let default = CaptureClickIdLayer::new();
    assert_eq!(
        click_id_of(default, request()).await.as_deref(),
        Some("FromForm")
    );

    let orders: [(&[usize], &str); 4] = [
        (&[1, 0, 2, 3, 4], "FromHeader"),
        (&[2, 3, 4, 0, 1], "FromQuery"),
        (&[4, 3, 2, 1, 0], "FromCookie"),
        (&[3, 0], "FromForm"),
    ];
    for (order, expected) in orders {
        let defaults = Source::defaults();
        let layer = CaptureClickIdLayer::new().sources(order.iter().map(|&i| defaults[i].clone()));
        assert_eq!(
            click_id_of(layer, request()).await.as_deref(),
            Some(expected),
            "{order:?}"
        );
    }
    // `irclickid` before `im_ref` by default, and the other way round when configured so.
    let both = || empty(get("/?im_ref=Second&irclickid=First"));
    assert_eq!(
        click_id_of(CaptureClickIdLayer::new(), both())
            .await
            .as_deref(),
        Some("First")
    );
    let swapped =
        CaptureClickIdLayer::new().sources([Source::query("im_ref"), Source::query("irclickid")]);
    assert_eq!(
        click_id_of(swapped, both()).await.as_deref(),
        Some("Second")
    );
}

#[tokio::test]
async fn an_invalid_value_falls_through_to_the_next_source() {
    let request = Request::post("/?irclickid=bad%3")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-impact-click-id", "has space")
        .header("cookie", "impact_click_id=FromCookie")
        .body(Full::<Bytes>::from("impact_ClickId=a%ZZ"))
        .unwrap();
    let seen = run(CaptureClickIdLayer::new(), request).await;
    assert_eq!(seen.click_id.as_deref(), Some("FromCookie"));
    assert_eq!(seen.body, "impact_ClickId=a%ZZ");
}

#[tokio::test]
async fn malformed_percent_encoding_is_ignored() {
    for query in [
        "irclickid=%",
        "irclickid=ab%2",
        "irclickid=ab%G1",
        "im_ref=%%",
    ] {
        let request = empty(get(&format!("/?{query}")));
        assert_eq!(
            click_id_of(CaptureClickIdLayer::new(), request).await,
            None,
            "{query}"
        );
    }
    assert_eq!(
        click_id_of(CaptureClickIdLayer::new(), form_post("impact_ClickId=x%4")).await,
        None
    );
}

#[tokio::test]
async fn invalid_click_ids_are_ignored() {
    let too_long = "x".repeat(65);
    let invalid = [
        empty(get(&format!("/?irclickid={too_long}"))),
        empty(get("/?irclickid=")),
        empty(get("/?irclickid=a%22b")),
        empty(get("/?irclickid=a+b")),
        empty(get("/").header("x-impact-click-id", "a;b")),
        empty(get("/").header("x-impact-click-id", "")),
        empty(get("/").header("cookie", "impact_click_id=a\\b")),
        form_post("impact_ClickId=%3Cscript%3E"),
    ];
    for request in invalid {
        let what = format!("{} {:?}", request.uri(), request.headers());
        assert_eq!(
            click_id_of(CaptureClickIdLayer::new(), request).await,
            None,
            "{what}"
        );
    }
    // The longest valid one is accepted.
    let longest = "x".repeat(64);
    let request = empty(get(&format!("/?irclickid={longest}")));
    assert_eq!(
        click_id_of(CaptureClickIdLayer::new(), request).await,
        Some(longest)
    );
}

#[tokio::test]
async fn an_existing_extension_is_kept() {
    let mut request = form_post("impact_ClickId=FromForm");
    request
        .extensions_mut()
        .insert(ClickId::new("Earlier").unwrap());
    let seen = run(CaptureClickIdLayer::new(), request).await;
    assert_eq!(seen.click_id.as_deref(), Some("Earlier"));
    assert_eq!(seen.body, "impact_ClickId=FromForm");
}

#[tokio::test]
async fn the_form_body_reaches_the_handler_intact() {
    let body = "plan=pro&email=a%40b.example&impact_ClickId=Qx9%3Aabc&note=caf%C3%A9+%26+more";
    let seen = run(CaptureClickIdLayer::new(), form_post(body)).await;
    assert_eq!(seen.click_id.as_deref(), Some("Qx9:abc"));
    assert_eq!(seen.body, body);

    // Also when the body arrives in several chunks, with a charset parameter.
    let chunks = ["plan=pro&impact_Cli", "ckId=Chunked", "&x=1"];
    let request = Request::post("/")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(chunked(
            chunks.iter().map(|c| Bytes::from_static(c.as_bytes())),
        ))
        .unwrap();
    let seen = run(CaptureClickIdLayer::new(), request).await;
    assert_eq!(seen.click_id.as_deref(), Some("Chunked"));
    assert_eq!(seen.body, chunks.concat());
}

#[tokio::test]
async fn other_content_types_pass_through_unread() {
    // JSON and multipart bodies are read (tests/body_formats.rs), but this one is neither.
    for content_type in [
        "application/json",
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/octet-stream",
        "multipart/mixed; boundary=x",
    ] {
        let body = "impact_ClickId=NotRead";
        let request = Request::post("/")
            .header("content-type", content_type)
            .body(Full::<Bytes>::from(body))
            .unwrap();
        let seen = run(CaptureClickIdLayer::new(), request).await;
        assert_eq!(seen.click_id, None, "{content_type}");
        assert_eq!(seen.body, body);
    }
    // Nor is the body of a form sent with another method.
    for content_type in ["application/x-www-form-urlencoded", "application/json"] {
        let body = if content_type == "application/json" {
            r#"{"impact_ClickId":"NotRead"}"#
        } else {
            "impact_ClickId=NotRead"
        };
        let request = Request::put("/")
            .header("content-type", content_type)
            .body(Full::from(body))
            .unwrap();
        assert_eq!(
            click_id_of(CaptureClickIdLayer::new(), request).await,
            None,
            "{content_type}"
        );
    }
}

#[tokio::test]
async fn the_size_limit_applies_to_the_form() {
    let layer = || CaptureClickIdLayer::new().form_limit(32);
    // Exactly at the limit: read.
    let at_limit = "impact_ClickId=Within&pad=aaaaaa";
    assert_eq!(at_limit.len(), 32);
    let request = form_post(at_limit);
    assert_eq!(
        click_id_of(layer(), request).await.as_deref(),
        Some("Within")
    );
    // One byte over, announced by its length: not read, body intact.
    let over = "impact_ClickId=Over&pad=aaaaaaaaaaaaaa";
    let seen = run(layer(), form_post(over)).await;
    assert_eq!(seen.click_id, None);
    assert_eq!(seen.body, over);
    // Over the limit without an announced length: the bytes read are followed by the rest.
    let chunks = [
        "impact_ClickId=Over&",
        "pad=aaaaaaaaaaaaaaaaaaaaa",
        "&tail=zzz",
    ];
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", "impact_click_id=Cookie")
        .body(chunked(
            chunks.iter().map(|c| Bytes::from_static(c.as_bytes())),
        ))
        .unwrap();
    let seen = run(layer(), request).await;
    assert_eq!(
        seen.click_id.as_deref(),
        Some("Cookie"),
        "later sources are still read"
    );
    assert_eq!(seen.body, chunks.concat());
}

#[tokio::test]
async fn the_default_limit_is_64_kib_and_a_larger_body_arrives_complete() {
    let field = "impact_ClickId=Big&pad=";
    let fits = format!("{field}{}", "a".repeat(64 * 1024 - field.len()));
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(chunked(
            fits.as_bytes().chunks(4096).map(Bytes::copy_from_slice),
        ))
        .unwrap();
    let seen = run(CaptureClickIdLayer::new(), request).await;
    assert_eq!(seen.click_id.as_deref(), Some("Big"));
    assert_eq!(seen.body, fits);

    let large = format!("{fits}{}", "b".repeat(6 * 1024 + 1));
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(chunked(
            large.as_bytes().chunks(8192).map(Bytes::copy_from_slice),
        ))
        .unwrap();
    let seen = run(CaptureClickIdLayer::new(), request).await;
    assert_eq!(seen.click_id, None);
    assert_eq!(seen.body.len(), large.len());
    assert_eq!(seen.body, large);
}

/// A body that announces more than the limit is not read at all: the handler is called before
/// the client has sent the rest.
#[tokio::test]
async fn an_announced_large_body_streams_untouched() {
    let (tx, body) = channel_body();
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "100")
        .body(body)
        .unwrap();
    let (called_tx, called_rx) = oneshot::channel();
    let handler = streaming_handler(called_tx);
    let service = ServiceBuilder::new()
        .layer(CaptureClickIdLayer::new().form_limit(50))
        .service_fn(handler);
    let response = tokio::spawn(service.oneshot(request));

    // Nothing sent yet, and the handler is already running.
    deadline(called_rx)
        .await
        .expect("the handler is called before the body arrives");
    tx.send(Bytes::from(format!(
        "impact_ClickId=X&pad={}",
        "a".repeat(79)
    )))
    .await
    .unwrap();
    drop(tx);
    let body = deadline(response).await.unwrap().unwrap().into_body();
    assert_eq!(body.len(), 100);
}

/// A body without a length is read only up to the limit; then the handler runs while the rest
/// is still on its way.
#[tokio::test]
async fn a_long_unannounced_body_is_not_buffered_past_the_limit() {
    let (tx, body) = channel_body();
    let request = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .unwrap();
    let (called_tx, called_rx) = oneshot::channel();
    let service = ServiceBuilder::new()
        .layer(CaptureClickIdLayer::new().form_limit(50))
        .service_fn(streaming_handler(called_tx));
    let response = tokio::spawn(service.oneshot(request));

    tx.send(Bytes::from(
        "impact_ClickId=X&pad=".to_owned() + &"a".repeat(20),
    ))
    .await
    .unwrap();
    tx.send(Bytes::from("b".repeat(20))).await.unwrap();
    // 81 bytes read, over the limit: the handler runs before the last chunk is sent.
    deadline(called_rx)
        .await
        .expect("the handler is called once the limit is passed");
    tx.send(Bytes::from("c".repeat(19))).await.unwrap();
    drop(tx);
    let body = deadline(response).await.unwrap().unwrap().into_body();
    let expected = format!(
        "impact_ClickId=X&pad={}{}{}",
        "a".repeat(20),
        "b".repeat(20),
        "c".repeat(19)
    );
    assert_eq!(body, expected);
}

/// A handler that signals when it is called, then reads the whole body and answers with it.
fn streaming_handler<B>(
    called: oneshot::Sender<()>,
) -> impl FnMut(Request<ReplayBody<B>>) -> BoxFuture<'static, Result<Response<Bytes>, Infallible>> + Clone
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let called = std::sync::Arc::new(std::sync::Mutex::new(Some(called)));
    move |request: Request<ReplayBody<B>>| {
        let called = called.clone();
        Box::pin(async move {
            if let Some(tx) = called.lock().unwrap().take() {
                let _ = tx.send(());
            }
            let body = request.into_body().collect().await.unwrap().to_bytes();
            Ok(Response::new(body))
        })
    }
}

/// A body fed from a channel, chunk by chunk, without a known length.
fn channel_body() -> (
    mpsc::Sender<Bytes>,
    StreamBody<impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send>,
) {
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    let frames = stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok(Frame::data(chunk)), rx))
    });
    (tx, StreamBody::new(frames))
}

/// A body of several chunks, without a known length.
type Chunked = StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>>;

/// Builds a [`Chunked`] body.
fn chunked(chunks: impl Iterator<Item = Bytes>) -> Chunked {
    let chunks: Vec<_> = chunks.map(|c| Ok(Frame::data(c))).collect();
    StreamBody::new(stream::iter(chunks))
}

/// Awaits `future`, failing the test after a generous deadline instead of hanging.
async fn deadline<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("deadline passed: the layer waited for a body it should have streamed")
}
