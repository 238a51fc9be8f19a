//! The public HTTP face of the service: `POST {webhook_path}`, `GET /healthz`, `/readyz`.
//! (`/metrics` is on the console's listener: [`crate::console`].)
//!
//! | request | answer |
//! |---|---|
//! | body over `[intake] body_limit` | 413 |
//! | bad or missing `Stripe-Signature`, stale timestamp | 400 `invalid signature: <reason>` |
//! | not a Stripe event (JSON, envelope) | 400 `invalid event: <problem>` |
//! | stored (new, duplicate, ignored type) | 200 `{"received":true,"outcome":"..."}` |
//! | the store failed | 503 (Stripe tries again) |
//! | another method on the webhook path | 405 |

use std::sync::Arc;

use super::secrets::WebhookSecrets;
use super::{IngestError, Intake};
use crate::account::unix_now as now;
use crate::metrics::Metrics;
use crate::store::{Source, Store};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The deduplicating intake.
    pub intake: Intake,
    /// Verifies `Stripe-Signature`; picks up secrets `clicktrail setup` stores meanwhile.
    pub secrets: WebhookSecrets,
    /// For `/readyz`.
    pub store: Store,
    /// The process's counters.
    pub metrics: Arc<Metrics>,
}

/// The service's routes.
pub fn router(state: Arc<AppState>, webhook_path: &str, body_limit: usize) -> Router {
    Router::new()
        .route(
            webhook_path,
            post(webhook).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(state)
}

async fn webhook(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let verified = app.secrets.verify(&body, signature, now()).await;
    if let Err(e) = verified {
        app.metrics.received("-", "bad_signature");
        tracing::warn!(reason = %e, "webhook refused: invalid signature");
        return (StatusCode::BAD_REQUEST, format!("invalid signature: {e}\n")).into_response();
    }
    match app.intake.ingest(&body, Source::Webhook).await {
        Ok(outcome) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"received\":true,\"outcome\":\"{}\"}}", outcome.as_str()),
        )
            .into_response(),
        Err(e @ IngestError::Invalid(_)) => {
            tracing::warn!(reason = %e, "webhook refused");
            (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response()
        }
        Err(e @ IngestError::Unavailable) => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response()
        }
    }
}

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unreachable\n",
            )
                .into_response()
        }
    }
}
