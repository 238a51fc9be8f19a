//! Delivery: events already stored, delivered by `clicktrail serve` to the impact.com emulator;
//! optionally with a share of transient failures (503) injected by the emulator.

use std::path::Path;
use std::time::{Duration, Instant};

use clicktrail_sandbox::impact::faults::{Fault, FaultKind};

use crate::forwarder::{Forwarder, Setup};
use crate::{Error, http, seed};

/// `[worker] concurrency` of delivery runs: enough jobs in flight that each decision and finish
/// transaction carries a batch of them.
pub const CONCURRENCY: usize = 64;

/// One delivery run.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// Stored events (one conversion each).
    pub events: u64,
    /// The share of impact.com answers that failed transiently.
    pub fault_ratio: f64,
    /// 503s injected.
    pub faults: u64,
    /// From the forwarder's start until every job was done.
    pub elapsed: Duration,
    /// Conversions recorded by the emulator.
    pub conversions: u64,
    /// Requests the emulator received (conversions plus failed ones).
    pub requests: u64,
    /// Seeding time.
    pub seeded_in: Duration,
    /// `sqlite_synchronous` of the run (`full`; `normal` as a diagnostic).
    pub synchronous: &'static str,
}

impl DeliveryRow {
    /// Conversions per second.
    pub fn rate(&self) -> f64 {
        self.conversions as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Seeds `events` events into a fresh SQLite store, starts `binary`, and times delivery.
pub async fn run(
    binary: &Path,
    events: u64,
    fault_ratio: f64,
    synchronous: &'static str,
) -> Result<DeliveryRow, Error> {
    let sandbox = super::sandbox().await?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let url = format!("sqlite://{}", dir.path().join("delivery.db").display());
    let (factory, _) = super::events();
    let seeded_in = seed::seed(&url, &factory, 0..events, false).await?;

    // The fault queue applies to requests in order: a zero-delay `slow` is a normal answer.
    let mut faults = 0;
    sandbox.impact().with_store(|store| {
        if fault_ratio > 0.0 {
            for _ in 0..events {
                let fail = rand::random::<f64>() < fault_ratio;
                faults += u64::from(fail);
                store.faults.push(Fault {
                    kind: if fail {
                        FaultKind::Unavailable
                    } else {
                        FaultKind::Slow
                    },
                    count: 1,
                    delay_ms: Some(0),
                    reset_after_secs: None,
                });
            }
        }
    });

    let mut setup = Setup::new(&sandbox, url);
    setup.synchronous = synchronous;
    setup.worker_concurrency = CONCURRENCY;
    let start = Instant::now();
    let server = Forwarder::spawn(binary, &setup, dir.path()).await?;
    let deadline = start + Duration::from_secs(600);
    loop {
        let (_, text) = http::get(server.addr(), "/metrics").await?;
        let done = http::metric(&text, "clicktrail_jobs{state=\"done\"}");
        let dead = http::metric(&text, "clicktrail_jobs{state=\"dead\"}");
        if done + dead >= events as f64 {
            break;
        }
        if Instant::now() > deadline {
            return Err(Error::Forwarder(format!(
                "only {done} of {events} jobs done after 10 minutes"
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let elapsed = start.elapsed();
    server.stop().await?;
    let (conversions, requests) = sandbox.impact().with_store(|store| {
        let conversions = store
            .records
            .iter()
            .filter(|r| r.kind == clicktrail_sandbox::impact::records::Kind::Conversion)
            .count() as u64;
        (conversions, conversions + faults)
    });
    sandbox.shutdown().await;
    Ok(DeliveryRow {
        events,
        fault_ratio,
        faults,
        elapsed,
        conversions,
        requests,
        seeded_in,
        synchronous,
    })
}
