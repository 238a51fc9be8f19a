//! Benchmarks and soak tests of the clicktrail forwarder.
//!
//! `cargo xtask bench` builds this crate's binary and `clicktrail` in release mode and runs the
//! scenarios below; each prints a Markdown section that xtask gathers into `BENCHMARKS.md`.
//! `cargo xtask soak` runs the long soak; a short one runs in CI from `tests/soak.rs`.
//!
//! # Example
//!
//! ```
//! use clicktrail_bench::event::EventFactory;
//! use clicktrail_bench::stats::Latencies;
//! use std::time::Duration;
//!
//! // Realistic, unique invoice.paid events from the basil fixture.
//! let factory = EventFactory::new("doc");
//! let body = factory.body(1, 1_800_000_000);
//! assert!(body.len() > 2_500);
//!
//! let mut latencies = Latencies::default();
//! latencies.record(Duration::from_millis(3));
//! assert_eq!(latencies.quantile(0.99), Duration::from_millis(3));
//! ```
//!
//! # Layout
//!
//! - [`event`]: the signed ~3 KB `invoice.paid` events, from one template.
//! - [`load`]: the load generator (hyper, keep-alive connections = concurrency).
//! - [`stats`]: latency percentiles; [`rss`]: peak and current memory from `/proc`.
//! - [`baseline`]: the bare axum handler that only verifies signatures.
//! - [`forwarder`]: the forwarder's configuration, started as a process or in process.
//! - [`seed`]: filling a store fast through the forwarder's own store API.
//! - [`scenario`]: intake, delivery, growth, console paging and soak.
//! - [`criterion`]: the middleware bench's results; [`report`]: the Markdown sections.
//! - [`http`]: a small GET for readiness and `/metrics`.

pub mod baseline;
pub mod criterion;
pub mod event;
pub mod forwarder;
pub mod http;
pub mod load;
pub mod report;
pub mod rss;
pub mod scenario;
pub mod seed;
pub mod stats;

/// What can go wrong in a bench run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The load generator failed (not a refused request: those are counted).
    #[error("load generator: {0}")]
    Load(String),
    /// A GET for readiness or metrics failed.
    #[error("http: {0}")]
    Http(String),
    /// Files, processes.
    #[error("io: {0}")]
    Io(String),
    /// The database (seeding, PostgreSQL schemas).
    #[error("database: {0}")]
    Database(String),
    /// The forwarder did not start, stop or finish as expected.
    #[error("forwarder: {0}")]
    Forwarder(String),
    /// The sandbox did not start.
    #[error("sandbox: {0}")]
    Sandbox(String),
}

/// Now, in unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
