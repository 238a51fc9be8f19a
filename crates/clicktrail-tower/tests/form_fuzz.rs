//! Property tests of the capture layer's form decoding: arbitrary bodies (split into arbitrary
//! frames), content types, methods and limits go through the layer. It never panics, the inner
//! service always receives the body byte for byte, and a click id is only ever read from a
//! `POST` of a url-encoded, multipart or JSON body within the limit, and is always a valid one.

use std::convert::Infallible;

use bytes::Bytes;
use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody};
use futures_util::stream;
use http::{Method, Request, Response};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use proptest::prelude::*;
use tower::{ServiceBuilder, ServiceExt};

type Chunks = StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>>;

/// Sends `body` in frames cut at `cuts`, returns (click id seen, body seen).
fn run(
    layer: CaptureClickIdLayer,
    method: Method,
    content_type: Option<&str>,
    body: &[u8],
    cuts: &[usize],
) -> (Option<String>, Bytes) {
    let mut frames = Vec::new();
    let mut at = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    points.sort_unstable();
    for p in points.into_iter().chain([body.len()]) {
        if p > at {
            frames.push(Ok(Frame::data(Bytes::copy_from_slice(&body[at..p]))));
            at = p;
        }
    }
    let mut request = Request::builder().method(method).uri("/checkout");
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let request = request
        .body(StreamBody::new(stream::iter(frames)))
        .expect("a valid request");
    let service = ServiceBuilder::new().layer(layer).service_fn(
        |request: Request<ReplayBody<Chunks>>| async move {
            let id = request
                .extensions()
                .get::<ClickId>()
                .map(|id| id.as_str().to_owned());
            let body = request
                .into_body()
                .collect()
                .await
                .expect("the body reads")
                .to_bytes();
            Ok::<_, Infallible>(Response::new((id, body)))
        },
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime
        .block_on(service.oneshot(request))
        .expect("infallible")
        .into_body()
}

/// Form-ish bodies: pairs with the click id field among others (url-encoded, JSON or multipart),
/// broken percent escapes, raw bytes, any of them possibly cut short.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("impact_ClickId".to_owned()),
        Just("impact_ClickId".to_owned()),
        Just("impact%5FClickId".to_owned()),
        Just("email".to_owned()),
        "[a-zA-Z_%+]{0,12}",
    ];
    let value = prop_oneof![
        "[A-Za-z0-9]{1,40}",
        "[A-Za-z0-9%+:=&;._~-]{0,60}",
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%C3%28".to_owned()),
        ".{0,30}",
    ];
    let pairs = prop::collection::vec((key, value), 0..6);
    let whole = prop_oneof![
        4 => pairs.clone().prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        }),
        // The same pairs as a JSON object and as a multipart form (boundary `x`).
        2 => pairs.clone().prop_map(|pairs| {
            let members: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                .collect();
            format!("{{{}}}", members.join(",")).into_bytes()
        }),
        2 => pairs.prop_map(|pairs| {
            let mut body = String::new();
            for (k, v) in pairs {
                body.push_str(&format!(
                    "--x\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                ));
            }
            body.push_str("--x--\r\n");
            body.into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ];
    // Sometimes cut short, as a malformed or truncated body would be.
    (whole, any::<Option<prop::sample::Index>>()).prop_map(|(body, cut)| match cut {
        Some(at) if !body.is_empty() => body[..at.index(body.len())].to_vec(),
        _ => body,
    })
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(Some("application/x-www-form-urlencoded".to_owned())),
        1 => Just(Some("application/x-www-form-urlencoded; charset=UTF-8".to_owned())),
        1 => Just(Some("APPLICATION/X-WWW-FORM-URLENCODED".to_owned())),
        1 => Just(Some("multipart/form-data; boundary=x".to_owned())),
        1 => Just(Some("application/json".to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,40}".prop_map(Some),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        4 => Just(Method::POST),
        1 => Just(Method::PUT),
        1 => Just(Method::GET),
        1 => Just(Method::PATCH),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_body_reaches_the_handler_intact(
        body in body(),
        content_type in content_type(),
        method in method(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        limit in prop_oneof![Just(64 * 1024), 0usize..128],
    ) {
        let layer = CaptureClickIdLayer::new().form_limit(limit);
        let (id, seen) = run(layer, method.clone(), content_type.as_deref(), &body, &cuts);
        prop_assert_eq!(&seen[..], &body[..], "the body must reach the handler unchanged");
        if let Some(id) = id {
            // No other source is set on these requests: it came from the body.
            prop_assert!(ClickId::new(&id).is_ok(), "captured an invalid click id {:?}", id);
            prop_assert!(body.len() <= limit, "read a click id from a body over the limit");
            prop_assert_eq!(&method, &Method::POST, "read a body sent with {}", method);
            let ct = content_type.unwrap_or_default().to_ascii_lowercase();
            let mime = ct.split(';').next().unwrap_or_default().trim().to_owned();
            prop_assert!(
                mime == "application/x-www-form-urlencoded"
                    || mime == "multipart/form-data"
                    || mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json")),
                "read a click id from {:?}", ct
            );
        }
    }

    #[test]
    fn a_valid_click_id_in_a_small_form_is_found(
        id in "[A-Za-z0-9]{8,40}",
        before in prop::collection::vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..4),
        after in prop::collection::vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..4),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        prop_assume!(ClickId::new(&id).is_ok());
        let mut parts = before.clone();
        parts.push(format!("impact_ClickId={id}"));
        parts.extend(after);
        let body = parts.join("&").into_bytes();
        let (found, seen) = run(
            CaptureClickIdLayer::new(),
            Method::POST,
            Some("application/x-www-form-urlencoded"),
            &body,
            &cuts,
        );
        prop_assert_eq!(&seen[..], &body[..]);
        prop_assert_eq!(found.as_deref(), Some(id.as_str()));
    }
    #[test]
    fn a_valid_click_id_in_a_small_json_or_multipart_body_is_found(
        id in "[A-Za-z0-9:._~-]{1,40}",
        before in prop::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..4),
        after in prop::collection::vec(("[a-z]{1,8}", "[a-z0-9]{0,8}"), 0..4),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        prop_assume!(ClickId::new(&id).is_ok());
        let mut fields = before;
        fields.push(("impact_ClickId".to_owned(), id.clone()));
        fields.extend(after);
        let json = serde_json::Value::Object(
            fields.iter().rev().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect(),
        );
        let mut multipart = String::new();
        for (k, v) in &fields {
            multipart.push_str(&format!(
                "--x\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        multipart.push_str("--x--\r\n");
        for (content_type, body) in [
            ("application/json", serde_json::to_vec(&json).expect("serializes")),
            ("multipart/form-data; boundary=x", multipart.into_bytes()),
        ] {
            let (found, seen) = run(CaptureClickIdLayer::new(), Method::POST, Some(content_type), &body, &cuts);
            prop_assert_eq!(&seen[..], &body[..]);
            prop_assert_eq!(found.as_deref(), Some(id.as_str()), "{}", content_type);
        }
    }
}
