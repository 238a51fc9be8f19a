//! The capture layer in a plain hyper server (no axum), over a real connection on 127.0.0.1:0,
//! with hyper's own `Incoming` body arriving in chunks.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceBuilder;

/// Answers with `<click id>|<body>`.
async fn echo(request: Request<ReplayBody<Incoming>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let click_id = request
        .extensions()
        .get::<ClickId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    let body = request
        .into_body()
        .collect()
        .await
        .expect("the body reads")
        .to_bytes();
    let mut answer = format!("{click_id}|").into_bytes();
    answer.extend_from_slice(&body);
    Ok(Response::new(Full::from(answer)))
}

/// Serves one connection at a time with the layer in front of `echo`.
async fn serve(layer: CaptureClickIdLayer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = ServiceBuilder::new().layer(layer).service_fn(echo);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Sends raw HTTP/1.1 and returns the raw response (the server closes after it).
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8(response).unwrap()
}

/// A chunked request body, one chunk per part.
fn chunked_post(parts: &[&str], limit_headers: &str) -> Vec<u8> {
    let mut request = format!(
        "POST /subscribe HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\
         content-type: application/x-www-form-urlencoded\r\n{limit_headers}transfer-encoding: chunked\r\n\r\n"
    );
    for part in parts {
        request.push_str(&format!("{:x}\r\n{part}\r\n", part.len()));
    }
    request.push_str("0\r\n\r\n");
    request.into_bytes()
}

#[tokio::test]
async fn reads_a_chunked_form_and_hands_it_on() {
    let addr = serve(CaptureClickIdLayer::new()).await;
    let parts = [
        "plan=pro&impa",
        "ct_ClickId=Qx9%3A",
        "abc&email=a%40b.example",
    ];
    let response = exchange(addr, &chunked_post(&parts, "")).await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.ends_with(&format!("Qx9:abc|{}", parts.concat())),
        "{response}"
    );
}

#[tokio::test]
async fn over_the_limit_a_chunked_form_arrives_complete() {
    let addr = serve(CaptureClickIdLayer::new().form_limit(16)).await;
    let parts = [
        "impact_ClickId=Over",
        "&pad=aaaaaaaaaaaaaaaaaaaa",
        "&tail=z",
    ];
    let response = exchange(
        addr,
        &chunked_post(&parts, "cookie: impact_click_id=FromCookie\r\n"),
    )
    .await;
    assert!(
        response.ends_with(&format!("FromCookie|{}", parts.concat())),
        "{response}"
    );
}

#[tokio::test]
async fn sets_the_landing_cookie() {
    let addr = serve(CaptureClickIdLayer::new()).await;
    let response = exchange(
        addr,
        b"GET /?irclickid=Landed HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(
        response
            .to_ascii_lowercase()
            .contains("\r\nset-cookie: impact_click_id=landed;"),
        "{response}"
    );
    assert!(response.ends_with("Landed|"), "{response}");
}
