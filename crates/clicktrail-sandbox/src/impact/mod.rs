//! The impact.com API emulator: conversions, modifications and reversals of actions, API
//! submissions, with impact's authentication, validation and error envelope, a processing delay,
//! deduplication, fault injection and inspection endpoints.
//!
//! | endpoint | what it does |
//! |---|---|
//! | `POST /Advertisers/{SID}/Conversions` | validates a conversion (form or JSON body) and queues it |
//! | `PUT /Advertisers/{SID}/Actions` | validates a modification (`Amount` = new total) and queues it |
//! | `DELETE /Advertisers/{SID}/Actions` | validates a reversal and queues it |
//! | `GET /Advertisers/{SID}/APISubmissions/{id}` | what became of a queued request |
//! | `GET /_sandbox/records` | every accepted request, in order, with its outcome |
//! | `GET /_sandbox/actions` | the actions conversions became |
//! | `POST`/`GET`/`DELETE /_sandbox/faults` | queue, show, clear injected faults ([`faults`]) |
//! | `POST /_sandbox/reset` | forgets records, actions and faults |
//!
//! Answers are JSON when `Accept` mentions JSON, XML otherwise (as impact.com does). Queued requests
//! answer `200 {"Status":"QUEUED","QueuedUri":"/Advertisers/<SID>/APISubmissions/<id>"}`; invalid
//! ones `400 {"Status":"ERROR","Message":...,"Errors":[{"Field","Message"}]}`; bad credentials 401.
//!
//! # Layout
//! [`validate`] (pure rules), [`records`] (records and actions), [`state`] (processing),
//! [`faults`] (fault queue); this module holds the HTTP handlers and the service that injects
//! faults before routing.

pub mod faults;
pub mod records;
pub mod state;
pub mod validate;

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::clock::Clock;
use faults::{Fault, FaultKind};
use records::Kind;
use state::ImpactStore;
use validate::{FieldError, Fields};

/// How the impact.com emulator behaves.
#[derive(Clone)]
pub struct ImpactConfig {
    /// The Account SID (Basic user name, and the `{SID}` in paths).
    pub account_sid: String,
    /// The Auth Token (Basic password).
    pub auth_token: String,
    /// How long after arrival a request is processed.
    pub processing_delay: Duration,
}

impl fmt::Debug for ImpactConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImpactConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("processing_delay", &self.processing_delay)
            .finish()
    }
}

impl Default for ImpactConfig {
    fn default() -> Self {
        Self {
            account_sid: "IRsandbox0000000000000000000000001".into(),
            auth_token: "sandbox-token".into(),
            processing_delay: Duration::from_secs(2),
        }
    }
}

/// The emulator's shared state.
#[derive(Debug, Clone)]
pub struct ImpactApp {
    inner: Arc<ImpactInner>,
}

#[derive(Debug)]
struct ImpactInner {
    config: ImpactConfig,
    clock: Clock,
    store: Mutex<ImpactStore>,
}

impl ImpactApp {
    /// Builds the state.
    pub fn new(config: ImpactConfig, clock: Clock) -> Self {
        Self {
            inner: Arc::new(ImpactInner {
                config,
                clock,
                store: Mutex::new(ImpactStore::default()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ImpactConfig {
        &self.inner.config
    }

    fn lock(&self) -> MutexGuard<'_, ImpactStore> {
        self.inner
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store, with every due request processed first.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut ImpactStore) -> T) -> T {
        let mut store = self.lock();
        store.process_due(
            tokio::time::Instant::now(),
            self.inner.config.processing_delay,
            &self.inner.clock.now_rfc3339(),
        );
        f(&mut store)
    }
}

/// An answer in impact's format: JSON when the client accepts it, XML otherwise.
struct Answer {
    status: StatusCode,
    body: Value,
    json: bool,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("json"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn to_xml(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&format!("<{k}>"));
                to_xml(v, out);
                out.push_str(&format!("</{k}>"));
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str("<Error>");
                to_xml(item, out);
                out.push_str("</Error>");
            }
        }
        Value::String(s) => out.push_str(&xml_escape(s)),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        if self.json {
            return (self.status, Json(self.body)).into_response();
        }
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ImpactRadiusResponse>");
        to_xml(&self.body, &mut xml);
        xml.push_str("</ImpactRadiusResponse>");
        (
            self.status,
            [("content-type", "application/xml; charset=utf-8")],
            xml,
        )
            .into_response()
    }
}

fn error(status: StatusCode, message: &str, errors: Vec<FieldError>, json: bool) -> Answer {
    let mut body = json!({"Status": "ERROR", "Message": message});
    if !errors.is_empty() {
        body["Errors"] = json!(errors);
    }
    Answer { status, body, json }
}

fn authenticate(app: &ImpactApp, headers: &HeaderMap, sid: &str) -> Result<(), Answer> {
    let json = wants_json(headers);
    let creds = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let config = app.config();
    let ok = creds
        .as_deref()
        .and_then(|c| c.split_once(':'))
        .is_some_and(|(user, pass)| user == config.account_sid && pass == config.auth_token);
    if !ok {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: check the Account SID and Auth Token",
            vec![],
            json,
        ));
    }
    if sid != config.account_sid {
        return Err(error(
            StatusCode::FORBIDDEN,
            &format!("Access to account {sid} is not allowed with these credentials"),
            vec![],
            json,
        ));
    }
    Ok(())
}

/// Reads a form or JSON body (plus the query string) into fields.
fn fields(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Fields, String> {
    let mut out: Fields = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
    if is_json {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("The body is not valid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("The JSON body must be an object".into());
        };
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                _ => return Err(format!("Field {k} must be a string or a number")),
            };
            out.insert(k, text);
        }
    } else {
        out.extend(form_urlencoded::parse(body).into_owned());
    }
    Ok(out)
}

async fn submit(
    app: ImpactApp,
    kind: Kind,
    sid: String,
    headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
) -> Answer {
    let json = wants_json(&headers);
    if let Err(answer) = authenticate(&app, &headers, &sid) {
        return answer;
    }
    let params = match fields(&headers, query.as_deref(), &body) {
        Ok(p) => p,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, vec![], json),
    };
    let checked = match kind {
        Kind::Conversion => validate::conversion(&params),
        Kind::Modification => validate::modification(&params),
        Kind::Reversal => validate::reversal(&params),
    };
    if let Err(errors) = checked {
        return error(
            StatusCode::BAD_REQUEST,
            "The request is invalid",
            errors,
            json,
        );
    }
    let received_at = app.inner.clock.now_rfc3339();
    let id = app.with_store(|s| s.accept(kind, params, received_at, tokio::time::Instant::now()));
    Answer {
        status: StatusCode::OK,
        body: json!({"Status": "QUEUED", "QueuedUri": format!("/Advertisers/{sid}/APISubmissions/{id}")}),
        json,
    }
}

async fn conversions(
    State(app): State<ImpactApp>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Answer {
    submit(app, Kind::Conversion, sid, headers, q, body).await
}

async fn modify(
    State(app): State<ImpactApp>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Answer {
    submit(app, Kind::Modification, sid, headers, q, body).await
}

async fn reverse(
    State(app): State<ImpactApp>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Answer {
    submit(app, Kind::Reversal, sid, headers, q, body).await
}

async fn submission(
    State(app): State<ImpactApp>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let json = wants_json(&headers);
    if let Err(answer) = authenticate(&app, &headers, &sid) {
        return answer;
    }
    let found = app.with_store(|s| {
        s.records
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.submission(&sid))
    });
    match found {
        Some(body) => Answer {
            status: StatusCode::OK,
            body,
            json,
        },
        None => error(
            StatusCode::NOT_FOUND,
            &format!("APISubmission {id} not found"),
            vec![],
            json,
        ),
    }
}

async fn records(State(app): State<ImpactApp>) -> Json<Value> {
    Json(app.with_store(|s| json!(s.records.iter().map(|r| r.to_json()).collect::<Vec<_>>())))
}

async fn actions(State(app): State<ImpactApp>) -> Json<Value> {
    Json(app.with_store(|s| json!(s.actions.iter().map(|a| a.to_json()).collect::<Vec<_>>())))
}

async fn add_fault(State(app): State<ImpactApp>, body: Bytes) -> Response {
    match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => {
            app.lock().faults.push(fault);
            Json(json!({"pending": app.lock().faults.pending()})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"Status": "ERROR", "Message": format!("Invalid fault: {e}. Expected {{\"kind\": \"unavailable|rate_limited|slow|drop\", \"count\": N, \"delay_ms\": D, \"reset_after_secs\": S}}")})),
        )
            .into_response(),
    }
}

async fn list_faults(State(app): State<ImpactApp>) -> Json<Value> {
    Json(json!({"pending": app.lock().faults.pending()}))
}

async fn clear_faults(State(app): State<ImpactApp>) -> Json<Value> {
    app.lock().faults.clear();
    Json(json!({"pending": []}))
}

async fn reset(State(app): State<ImpactApp>) -> Json<Value> {
    *app.lock() = ImpactStore::default();
    Json(json!({"reset": true}))
}

async fn not_found(headers: HeaderMap) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "Resource not found",
        vec![],
        wants_json(&headers),
    )
}

/// The emulator's routes (without fault injection; see [`ImpactService`]).
pub fn router(app: ImpactApp) -> Router {
    Router::new()
        .route("/Advertisers/{sid}/Conversions", post(conversions))
        .route(
            "/Advertisers/{sid}/Actions",
            axum::routing::put(modify).delete(reverse),
        )
        .route("/Advertisers/{sid}/APISubmissions/{id}", get(submission))
        .route("/_sandbox/records", get(records))
        .route("/_sandbox/actions", get(actions))
        .route(
            "/_sandbox/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/_sandbox/reset", post(reset))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(|r, n| {
            crate::server::log_request("impact", r, n)
        }))
        .with_state(app)
}

/// The error that makes the server drop a connection (fault `drop`).
#[derive(Debug)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// The router behind the fault queue: each API request (not `/_sandbox/`) first takes the next
/// queued fault, if any.
#[derive(Debug, Clone)]
pub struct ImpactService {
    app: ImpactApp,
    router: Router,
}

impl ImpactService {
    /// Wraps the router.
    pub fn new(app: ImpactApp) -> Self {
        Self {
            router: router(app.clone()),
            app,
        }
    }
}

impl<B> tower::Service<http::Request<B>> for ImpactService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Dropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Dropped>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Dropped>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let fault = if request.uri().path().starts_with("/_sandbox/") {
            None
        } else {
            self.app.lock().faults.take()
        };
        let router = self.router.clone();
        let json = wants_json(request.headers());
        let request = request.map(Body::new);
        Box::pin(async move {
            if let Some(fault) = fault {
                tracing::info!(target: "clicktrail_sandbox", api = "impact", kind = ?fault.kind, path = request.uri().path(), "fault injected");
                match fault.kind {
                    FaultKind::Drop => return Err(Dropped),
                    FaultKind::Unavailable => {
                        return Ok(error(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "Service temporarily unavailable",
                            vec![],
                            json,
                        )
                        .into_response());
                    }
                    FaultKind::RateLimited => {
                        let reset = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs())
                            + fault.reset_after_secs.unwrap_or(60);
                        let mut response = error(
                            StatusCode::TOO_MANY_REQUESTS,
                            "Rate limit exceeded",
                            vec![],
                            json,
                        )
                        .into_response();
                        let h = response.headers_mut();
                        h.insert("x-ratelimit-limit", HeaderValue::from_static("1000"));
                        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
                        h.insert("x-ratelimit-reset", HeaderValue::from(reset));
                        return Ok(response);
                    }
                    FaultKind::Slow => {
                        tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(1000)))
                            .await;
                    }
                }
            }
            let response: Result<Response, Infallible> = router.oneshot(request).await;
            Ok(response.unwrap_or_else(|never| match never {}))
        })
    }
}
