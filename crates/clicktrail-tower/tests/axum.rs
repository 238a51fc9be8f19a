//! Through an axum `Router`: the extractor, its rejection, the body still readable by `Form`,
//! `Json` and `Multipart`, and the landing cookie.

use axum::body::Body;
use axum::extract::Multipart;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use clicktrail_tower::{CaptureClickIdLayer, ClickId, MissingClickId};
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::{ServiceBuilder, ServiceExt};

#[derive(serde::Deserialize)]
struct Subscribe {
    plan: String,
    email: String,
}

async fn required(click_id: ClickId) -> String {
    click_id.to_string()
}

async fn optional(click_id: Option<ClickId>) -> String {
    click_id.map_or_else(|| "none".to_owned(), |id| id.to_string())
}

async fn subscribe(click_id: Option<ClickId>, Form(form): Form<Subscribe>) -> String {
    format!(
        "{} {} {:?}",
        form.plan,
        form.email,
        click_id.map(|id| id.to_string())
    )
}

async fn subscribe_json(click_id: Option<ClickId>, Json(form): Json<Subscribe>) -> String {
    subscribe(click_id, Form(form)).await
}

/// Every text field of the multipart form, `name=value`, in order.
async fn upload(click_id: Option<ClickId>, mut multipart: Multipart) -> String {
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.unwrap() {
        let name = field.name().unwrap_or_default().to_owned();
        fields.push(format!("{name}={}", field.text().await.unwrap()));
    }
    format!(
        "{} {:?}",
        fields.join(","),
        click_id.map(|id| id.to_string())
    )
}

fn routes() -> Router {
    Router::new()
        .route("/required", get(required))
        .route("/optional", get(optional))
        .route("/subscribe", post(subscribe))
        .route("/subscribe.json", post(subscribe_json))
        .route("/upload", post(upload))
}

fn app() -> Router {
    routes().layer(CaptureClickIdLayer::new())
}

async fn send(router: Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

fn get_request(uri: &str) -> http::request::Builder {
    Request::get(uri)
}

#[tokio::test]
async fn the_extractor_reads_what_the_layer_captured() {
    let request = get_request("/required")
        .header("cookie", "impact_click_id=FromCookie")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(app(), request).await.2, "FromCookie");
    let request = get_request("/optional")
        .header("x-impact-click-id", "FromHeader")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(app(), request).await.2, "FromHeader");
    let request = get_request("/optional").body(Body::empty()).unwrap();
    assert_eq!(send(app(), request).await.2, "none");
}

#[tokio::test]
async fn the_form_extractor_still_reads_the_whole_body() {
    let request = Request::post("/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "plan=pro&impact_ClickId=Qx9%3Aabc&email=a%40b.example",
        ))
        .unwrap();
    let (status, _, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"pro a@b.example Some("Qx9:abc")"#);
}

#[tokio::test]
async fn the_json_and_multipart_extractors_still_read_the_whole_body() {
    let request = Request::post("/subscribe.json")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"plan":"pro","impact_ClickId":"Qx9:abc","email":"a@b.example"}"#,
        ))
        .unwrap();
    let (status, _, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"pro a@b.example Some("Qx9:abc")"#);

    let form = "--b0undary\r\nContent-Disposition: form-data; name=\"plan\"\r\n\r\npro\r\n\
                --b0undary\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\n\r\nQx9:abc\r\n\
                --b0undary--\r\n";
    let request = Request::post("/upload")
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"plan=pro,impact_ClickId=Qx9:abc Some("Qx9:abc")"#);
}

#[tokio::test]
async fn the_rejection_says_what_to_fix() {
    // Layer present, no click id: the client's request lacks one.
    let request = get_request("/required").body(Body::empty()).unwrap();
    let (status, headers, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(body.contains("no valid impact.com click id"), "{body}");
    assert!(body.contains("`Option<ClickId>`"), "{body}");

    // Layer missing: a server mistake, and the message names the layer.
    let request = get_request("/required?irclickid=abc")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(routes(), request).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.contains("Perhaps you forgot to add `CaptureClickIdLayer`?"),
        "{body}"
    );
    assert!(body.contains("`Option<ClickId>`"), "{body}");
}

#[tokio::test]
async fn the_rejection_works_without_a_router() {
    let (mut parts, ()) = Request::new(()).into_parts();
    let rejection: MissingClickId =
        <ClickId as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
            .await
            .expect_err("no layer, no click id");
    assert_eq!(rejection.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(rejection.to_string(), rejection.body_text());
}

#[tokio::test]
async fn the_landing_cookie_is_set_through_the_router() {
    let request = get_request("/optional?im_ref=Landed")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Landed");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("impact_click_id=Landed;"), "{cookie}");
    assert!(!cookie.contains("HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn the_layer_also_wraps_a_whole_router() {
    let service = ServiceBuilder::new()
        .layer(CaptureClickIdLayer::new())
        .service(routes());
    let request = Request::post("/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "plan=basic&email=c%40d.example&impact_ClickId=Outer",
        ))
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, r#"basic c@d.example Some("Outer")"#);
}
