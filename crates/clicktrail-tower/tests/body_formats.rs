//! The click id field read from `multipart/form-data` and JSON bodies, driven with
//! `ServiceBuilder` + `oneshot`: found, absent, oversized, malformed, and in every case the
//! inner service receives the exact bytes that were sent.

use std::convert::Infallible;

use bytes::Bytes;
use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody, Source};
use futures_util::stream;
use http::Request;
use http::Response;
use http_body::Frame;
use http_body_util::{BodyExt, Full, StreamBody};
use tower::{ServiceBuilder, ServiceExt};

/// What the inner handler saw: the click id in the extensions, and the body bytes.
async fn run<B>(layer: CaptureClickIdLayer, request: Request<B>) -> (Option<String>, Bytes)
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<tower::BoxError>,
{
    let service = ServiceBuilder::new().layer(layer).service_fn(
        |request: Request<ReplayBody<B>>| async move {
            let click_id = request
                .extensions()
                .get::<ClickId>()
                .map(ClickId::to_string);
            let body = request.into_body().collect().await.expect("the body reads");
            Ok::<_, Infallible>(Response::new((click_id, body.to_bytes())))
        },
    );
    service.oneshot(request).await.unwrap().into_body()
}

fn post(content_type: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::post("/checkout")
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap()
}

/// Asserts the layer found `expected` in `body` sent as `content_type`, and handed `body` on
/// byte for byte.
async fn assert_reads(
    layer: CaptureClickIdLayer,
    content_type: &str,
    body: &[u8],
    expected: Option<&str>,
) {
    let body = Bytes::copy_from_slice(body);
    let (found, seen) = run(layer, post(content_type, body.clone())).await;
    assert_eq!(found.as_deref(), expected, "{content_type}: {body:?}");
    assert_eq!(seen, body, "the handler receives the exact bytes");
}

const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// A multipart body as a browser writes it: text fields, and a file.
fn multipart(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&[0x89, b'P', b'N', b'G', 0, 0xff, b'\r', b'\n', 0xfe]);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn multipart_found() {
    let body = multipart(&[
        ("email", "a@b.example"),
        ("impact_ClickId", "Qx9:abc%3A"),
        ("plan", "pro"),
    ]);
    // Taken verbatim: multipart values are not URL-encoded.
    assert_reads(
        CaptureClickIdLayer::new(),
        &multipart_type(),
        &body,
        Some("Qx9:abc%3A"),
    )
    .await;
}

#[tokio::test]
async fn multipart_absent() {
    let body = multipart(&[("email", "a@b.example"), ("plan", "pro")]);
    assert_reads(CaptureClickIdLayer::new(), &multipart_type(), &body, None).await;
    // A file named like the field is not the field.
    let file = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"impact_ClickId\"; filename=\"x\"\r\n\r\n\
         FromFile\r\n--{BOUNDARY}--\r\n"
    );
    assert_reads(
        CaptureClickIdLayer::new(),
        &multipart_type(),
        file.as_bytes(),
        None,
    )
    .await;
}

#[tokio::test]
async fn multipart_oversized() {
    let layer = || CaptureClickIdLayer::new().form_limit(512);
    let small = multipart(&[("impact_ClickId", "Within")]);
    assert!(small.len() <= 512, "{}", small.len());
    assert_reads(layer(), &multipart_type(), &small, Some("Within")).await;

    // Announced over the limit: handed on untouched, nothing read.
    let big = multipart(&[("impact_ClickId", "Over"), ("pad", &"a".repeat(512))]);
    assert_reads(layer(), &multipart_type(), &big, None).await;

    // Over the limit without an announced length: the bytes read, then the rest; nothing read.
    let chunks: Vec<Result<Frame<Bytes>, Infallible>> = big
        .chunks(100)
        .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let request = Request::post("/")
        .header("content-type", multipart_type())
        .body(StreamBody::new(stream::iter(chunks)))
        .unwrap();
    let (found, seen) = run(layer(), request).await;
    assert_eq!(found, None);
    assert_eq!(seen, big);
}

#[tokio::test]
async fn multipart_malformed() {
    let ct = multipart_type();
    let cases: Vec<Vec<u8>> = vec![
        // Cut before the closing delimiter: the value might be cut, so it is not read.
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\n\r\nabc")
            .into_bytes(),
        // No blank line after the part's headers.
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\nabc\r\n--{BOUNDARY}--"
        )
        .into_bytes(),
        // Not multipart at all.
        b"impact_ClickId=abc".to_vec(),
        b"".to_vec(),
        // The wrong boundary.
        multipart(&[("impact_ClickId", "abc")])
            .iter()
            .map(|&b| if b == b'W' { b'w' } else { b })
            .collect(),
    ];
    for body in cases {
        assert_reads(CaptureClickIdLayer::new(), &ct, &body, None).await;
    }
    // A content type without a boundary is not read as multipart.
    let body = multipart(&[("impact_ClickId", "abc")]);
    assert_reads(
        CaptureClickIdLayer::new(),
        "multipart/form-data",
        &body,
        None,
    )
    .await;
}

#[tokio::test]
async fn json_found() {
    let body =
        br#"{"email":"a@b.example","impact_ClickId":"Qx9:abc%3A","items":[{"price":"p_1"}]}"#;
    assert_reads(
        CaptureClickIdLayer::new(),
        "application/json",
        body,
        Some("Qx9:abc%3A"),
    )
    .await;
    // With a charset, a +json type, and a configured field name.
    let body = br#"{"cid":"Custom1"}"#;
    let layer = CaptureClickIdLayer::new().sources([Source::form_field("cid")]);
    assert_reads(
        layer,
        "application/vnd.api+json; charset=utf-8",
        body,
        Some("Custom1"),
    )
    .await;
}

#[tokio::test]
async fn json_absent() {
    for body in [
        &br#"{"email":"a@b.example"}"#[..],
        br#"{"order":{"impact_ClickId":"Nested"}}"#,
        br#"{"impact_ClickId":42}"#,
        br#"{"impact_ClickId":"not valid"}"#,
    ] {
        assert_reads(CaptureClickIdLayer::new(), "application/json", body, None).await;
    }
}

#[tokio::test]
async fn json_oversized() {
    let layer = || CaptureClickIdLayer::new().form_limit(64);
    let fits = br#"{"impact_ClickId":"Within","pad":"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    assert_eq!(fits.len(), 64);
    assert_reads(layer(), "application/json", fits, Some("Within")).await;
    let over = br#"{"impact_ClickId":"Over","pad":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    assert_eq!(over.len(), 65);
    assert_reads(layer(), "application/json", over, None).await;
}

#[tokio::test]
async fn json_malformed() {
    for body in [
        &br#"{"impact_ClickId":"abc""#[..],
        br#"{"impact_ClickId":"abc",}"#,
        br#"{"impact_ClickId":"abc"} {"#,
        br#"[{"impact_ClickId":"abc"}]"#,
        b"impact_ClickId=abc",
        b"\xff\xfe",
        b"",
    ] {
        assert_reads(CaptureClickIdLayer::new(), "application/json", body, None).await;
    }
}

#[tokio::test]
async fn a_body_without_the_field_falls_through_to_later_sources() {
    for (content_type, body) in [
        ("application/json", br#"{"plan":"pro"}"#.to_vec()),
        ("application/json", b"not json".to_vec()),
        (multipart_type().as_str(), multipart(&[("plan", "pro")])),
    ] {
        let request = Request::post("/")
            .header("content-type", content_type)
            .header("cookie", "impact_click_id=FromCookie")
            .body(Full::new(Bytes::from(body.clone())))
            .unwrap();
        let (found, seen) = run(CaptureClickIdLayer::new(), request).await;
        assert_eq!(found.as_deref(), Some("FromCookie"), "{content_type}");
        assert_eq!(seen, body);
    }
}
