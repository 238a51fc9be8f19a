//! `Idempotency-Key` replays, as Stripe does them, plus the `Request-Id` header every answer carries.
//!
//! A `POST` with an `Idempotency-Key` is fingerprinted (method, path, canonical parameters) and its
//! successful answer kept for 24 hours, per API key. The same key with the same parameters gets the
//! same status and body back (with `Idempotent-Replayed: true`), without running again; the same
//! key with different parameters gets 400 `idempotency_error`; the same key while the first request
//! is still running gets 409. Like Stripe, answers of requests that failed validation are not kept.

use std::hash::{Hash, Hasher};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::StripeApp;
use super::context::RequestId;
use super::error::ApiError;
use super::form::Params;
use super::state::IdempotentAnswer;
use crate::ids;

const MAX_BODY: usize = 1 << 20;
const TTL_SECONDS: i64 = 24 * 3600;

/// The middleware.
pub async fn layer(State(app): State<StripeApp>, request: Request, next: Next) -> Response {
    let request_id = ids::random_id("req_", 14);
    let mut response = replay_or_run(app, request, next, &request_id).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", v);
    }
    response
}

async fn replay_or_run(
    app: StripeApp,
    mut request: Request,
    next: Next,
    request_id: &str,
) -> Response {
    request
        .extensions_mut()
        .insert(RequestId(request_id.to_owned()));
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (Some(key), true) = (key, request.method() == Method::POST) else {
        return next.run(request).await;
    };
    // Answers are kept per API key; the key itself is not stored, only a hash of the header.
    let scope = {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        request
            .headers()
            .get("authorization")
            .map(|v| v.as_bytes())
            .hash(&mut hasher);
        hasher.finish()
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return ApiError::invalid_request("The request body is too large.", None).into_response();
    };
    let canonical = Params::parse(&body).map_or_else(
        |_| String::from_utf8_lossy(&body).into_owned(),
        |p| p.canonical(),
    );
    let fingerprint = format!("{} {} {}", parts.method, parts.uri.path(), canonical);
    let now = app.clock().now();
    let slot = (scope, key.clone());

    let cached = app.write(|store| {
        store.idempotency.retain(|_, a| now - a.at < TTL_SECONDS);
        match store.idempotency.get(&slot) {
            Some(answer) => Some(answer.clone()),
            None => {
                // Placeholder (status 0) while the first request runs.
                store.idempotency.insert(
                    slot.clone(),
                    IdempotentAnswer {
                        fingerprint: fingerprint.clone(),
                        status: 0,
                        body: Default::default(),
                        at: now,
                    },
                );
                None
            }
        }
    });
    if let Some(answer) = cached {
        if answer.fingerprint != fingerprint {
            return ApiError::idempotency(format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ))
            .into_response();
        }
        if answer.status == 0 {
            return ApiError::idempotency(
                "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): please try again later.",
            )
            .with_status(409)
            .into_response();
        }
        let mut response = Response::new(Body::from(answer.body));
        *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        return response;
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let status = response.status();
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    app.write(|store| {
        if status.is_success() {
            store.idempotency.insert(
                slot,
                IdempotentAnswer {
                    fingerprint,
                    status: status.as_u16(),
                    body: body.clone(),
                    at: now,
                },
            );
        } else {
            store.idempotency.remove(&slot);
        }
    });
    Response::from_parts(parts, Body::from(body))
}
