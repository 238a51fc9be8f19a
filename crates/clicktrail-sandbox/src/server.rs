//! The HTTP plumbing both emulators share: an accept loop with graceful shutdown, and one log line
//! per request.
//!
//! The loop is hyper's HTTP/1 connection builder driven by hand (as `axum::serve` does inside)
//! because the impact.com emulator must be able to *drop a connection* on purpose (fault
//! injection): a service that returns an error makes hyper close the connection without an answer,
//! which `axum::serve` does not allow.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A service the accept loop can run: takes hyper requests, answers responses, and may fail to
/// make hyper drop the connection.
pub trait ConnService:
    tower::Service<
        http::Request<Incoming>,
        Response = Response,
        Error = Self::Err,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
    /// The error that drops the connection.
    type Err: Into<Box<dyn std::error::Error + Send + Sync>>;
}

impl<S, E> ConnService for S
where
    S: tower::Service<http::Request<Incoming>, Response = Response, Error = E>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Err = E;
}

/// Accepts connections on `listener` and serves each with `service` until `shutdown` is cancelled;
/// open connections then finish their current request and close. Every task is tracked by `tracker`.
pub fn spawn_server<S: ConnService>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let conn_tracker = tracker.clone();
    tracker.spawn(async move {
        loop {
            let stream = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(service.clone());
            let shutdown = shutdown.clone();
            conn_tracker.spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let mut conn = std::pin::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    () = shutdown.cancelled() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
            });
        }
    });
}

/// Middleware writing one `tracing` line per request: emulator, method, path, status, duration.
pub async fn log_request(api: &'static str, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "clicktrail_sandbox",
        api,
        %method,
        path,
        route = route.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
