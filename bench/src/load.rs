//! The load generator: keep-alive HTTP/1.1 connections on hyper, one request in flight on each
//! (connections = concurrency), each request a freshly signed unique event.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clicktrail_stripe::webhook::WebhookSecret;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::event::{EventFactory, signed};
use crate::stats::Latencies;
use crate::{Error, unix_now};

/// What to send and for how long.
#[derive(Debug, Clone)]
pub struct Load {
    /// The server.
    pub addr: SocketAddr,
    /// The webhook path.
    pub path: String,
    /// The endpoint's signing secret.
    pub secret: WebhookSecret,
    /// Open connections, each with one request in flight.
    pub connections: usize,
    /// Stop sending after this long...
    pub duration: Duration,
    /// ...or after this many events, whichever comes first.
    pub max_events: u64,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Acknowledged (2xx) events.
    pub acknowledged: u64,
    /// Answers other than 2xx, and failed requests.
    pub failed: u64,
    /// The numbers of the acknowledged events (to check delivery later).
    pub acked_numbers: Vec<u64>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Acknowledgement latencies.
    pub latencies: Latencies,
}

impl LoadReport {
    /// Acknowledged events per second.
    pub fn rate(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `load`, numbering events from `next` (shared, so that successive runs never repeat one).
pub async fn run(
    load: &Load,
    factory: &EventFactory,
    next: &Arc<AtomicU64>,
) -> Result<LoadReport, Error> {
    let start = Instant::now();
    let deadline = start + load.duration;
    let limit = next.load(Ordering::Relaxed) + load.max_events;
    let mut tasks = Vec::with_capacity(load.connections);
    for _ in 0..load.connections {
        let load = load.clone();
        let factory = factory.clone();
        let next = Arc::clone(next);
        tasks.push(tokio::spawn(async move {
            connection(&load, &factory, &next, limit, deadline).await
        }));
    }
    let mut report = LoadReport::default();
    for task in tasks {
        let part = task.await.map_err(|e| Error::Load(e.to_string()))??;
        report.acknowledged += part.acknowledged;
        report.failed += part.failed;
        report.acked_numbers.extend(part.acked_numbers);
        report.latencies.merge(part.latencies);
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// One keep-alive connection sending until the deadline or the shared limit; reconnects when the
/// server closes it.
async fn connection(
    load: &Load,
    factory: &EventFactory,
    next: &AtomicU64,
    limit: u64,
    deadline: Instant,
) -> Result<LoadReport, Error> {
    let mut report = LoadReport::default();
    let mut sender = None;
    while Instant::now() < deadline {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= limit {
            break;
        }
        if sender.is_none() {
            sender = Some(connect(load.addr).await?);
        }
        let conn = sender.as_mut().expect("connected above");
        let now = unix_now();
        let (body, signature) = signed(factory, &load.secret, n, now);
        let request = Request::post(load.path.as_str())
            .header("host", load.addr.to_string())
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(Full::new(body))
            .map_err(|e| Error::Load(e.to_string()))?;
        let sent = Instant::now();
        let outcome = match conn.send_request(request).await {
            Ok(response) => {
                let ok = response.status().is_success();
                // Read the whole answer so the connection can be reused.
                let _ = response.into_body().collect().await;
                ok
            }
            Err(_) => {
                sender = None;
                false
            }
        };
        if outcome {
            report.latencies.record(sent.elapsed());
            report.acknowledged += 1;
            report.acked_numbers.push(n);
        } else {
            report.failed += 1;
        }
    }
    Ok(report)
}

async fn connect(addr: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>, Error> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| Error::Load(format!("cannot connect to {addr}: {e}")))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Error::Load(e.to_string()))?;
    tokio::spawn(conn);
    Ok(sender)
}
