//! The impact.com emulator as a connection service: each API request (not `/_sandbox/`) first
//! takes the next queued fault; `drop` makes the service fail, which makes the server close the
//! connection without an answer. `verdict` and `lost_answer` travel to the handler as a request
//! extension (the [`FaultSpec`](super::faults::FaultSpec)); a handler that accepted a submission
//! under `lost_answer` marks its response with [`LoseAnswer`], and the service then fails the
//! same way as for `drop`.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use super::faults::FaultKind;
use super::wire::{error, wants_json};
use super::{ImpactApp, router};

/// The error that makes the server drop a connection (fault `drop`).
#[derive(Debug)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// The mark a handler puts in a response's extensions when the answer must not be sent (a
/// submission accepted under `lost_answer`): the service drops the connection instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoseAnswer;

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
        let clock = self.app.inner.clock.clone();
        let json = wants_json(request.headers());
        let mut request = request.map(Body::new);
        Box::pin(async move {
            if let Some(spec) = fault {
                tracing::info!(target: "clicktrail_sandbox", api = "impact", kind = ?spec.kind(), path = request.uri().path(), "fault injected");
                let fault = &spec.fault;
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
                        let reset =
                            clock.now().max(0) as u64 + fault.reset_after_secs.unwrap_or(60);
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
                    // The handler applies these once the request is accepted.
                    FaultKind::Verdict | FaultKind::LostAnswer => {
                        request.extensions_mut().insert(spec.clone());
                    }
                }
            }
            let response: Result<Response, Infallible> = router.oneshot(request).await;
            let response = response.unwrap_or_else(|never| match never {});
            if response.extensions().get::<LoseAnswer>().is_some() {
                tracing::info!(target: "clicktrail_sandbox", api = "impact", "answer lost after acceptance (fault)");
                return Err(Dropped);
            }
            Ok(response)
        })
    }
}
