//! Growth: intake throughput at 64 connections with 1,000, 100,000 and 1,000,000 events already
//! stored (SQLite, `synchronous = FULL`). Flat numbers mean every query the intake runs is
//! served by an index.

use std::path::Path;
use std::time::Duration;

use clicktrail_stripe::webhook::WebhookSecret;

use crate::forwarder::{Forwarder, Setup};
use crate::load::{self, Load, LoadReport};
use crate::{Error, seed};

/// One size.
#[derive(Debug, Clone)]
pub struct GrowthRow {
    /// Events stored before the run.
    pub stored: u64,
    /// How long seeding up to this size took (cumulative).
    pub seeded_in: Duration,
    /// The database file's size before the run (bytes).
    pub db_bytes: u64,
    /// The load's result.
    pub load: LoadReport,
}

/// Seeds up to each of `sizes` (ascending) in one store and measures at `connections`.
pub async fn run(
    binary: &Path,
    sizes: &[u64],
    connections: usize,
    duration: Duration,
) -> Result<Vec<GrowthRow>, Error> {
    let sandbox = super::sandbox().await?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let file = dir.path().join("growth.db");
    let url = format!("sqlite://{}", file.display());
    // Seeded events and measured events are numbered apart, so they never collide.
    let (seeded, _) = super::events();
    let (factory, next) = super::events();
    let mut stored = 0;
    let mut seeded_in = Duration::ZERO;
    let mut rows = Vec::new();
    for &size in sizes {
        if size > stored {
            seeded_in += seed::seed(&url, &seeded, stored..size, true).await?;
            stored = size;
        }
        let db_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let mut setup = Setup::new(&sandbox, url.clone());
        setup.max_requests_per_hour = 1;
        setup.secret = WebhookSecret::new("whsec_growth").expect("valid");
        let server = Forwarder::spawn(binary, &setup, dir.path()).await?;
        let load = Load {
            addr: server.addr(),
            path: "/webhooks/stripe".into(),
            secret: setup.secret.clone(),
            connections,
            duration,
            max_events: u64::MAX / 2,
        };
        let report = load::run(&load, &factory, &next).await?;
        server.stop().await?;
        rows.push(GrowthRow {
            stored,
            seeded_in,
            db_bytes,
            load: report,
        });
    }
    sandbox.shutdown().await;
    Ok(rows)
}
