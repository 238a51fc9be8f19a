//! The baseline: a bare axum handler that only verifies the signature, with the forwarder's body
//! limit. Whatever the forwarder does beyond this (parsing, storing, syncing) is its cost.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clicktrail_stripe::webhook::Verifier;
use tokio::net::TcpListener;

use crate::unix_now;

/// The forwarder's default body limit (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The baseline's router: `POST {path}` answers 200 when the signature verifies, else 400.
pub fn router(verifier: Verifier, path: &str) -> Router {
    Router::new()
        .route(path, post(verify))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Arc::new(verifier))
}

async fn verify(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match verifier.verify(&body, header, unix_now()) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// Serves the baseline on `listener` until the process ends.
pub async fn serve(listener: TcpListener, verifier: Verifier, path: &str) -> std::io::Result<()> {
    axum::serve(listener, router(verifier, path)).await
}
