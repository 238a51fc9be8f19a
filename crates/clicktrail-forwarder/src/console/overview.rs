//! The overview's data, read from the store and the process's counters: the same for the page
//! and for `GET /api/overview`.

use serde::Serialize;

use crate::Error;
use crate::metrics::Metrics;
use crate::store::Store;

/// What the overview shows. Times are rendered as RFC 3339 UTC.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// Jobs by state, every state.
    pub by_state: Vec<(String, i64)>,
    /// Jobs due now or overdue (pending or retrying).
    pub due: i64,
    /// The age of the oldest due job, e.g. `3m 12s`.
    pub oldest_due: Option<String>,
    /// Dead letters.
    pub dead: i64,
    /// Refunds held for `refund_delay` (modifications and reversals not due yet).
    pub held_refunds: i64,
    /// When impact.com last took a request.
    pub last_success: Option<String>,
    /// When a request last failed, and impact.com's answer or the transport error.
    pub last_failure: Option<String>,
    /// The last reconcile with Stripe, in words.
    pub reconcile: String,
    /// The configuration, secrets masked.
    pub settings: Vec<(&'static str, String)>,
}

impl Overview {
    /// Reads it now.
    pub async fn read(
        store: &Store,
        metrics: &Metrics,
        settings: &[(&'static str, String)],
    ) -> Result<Self, Error> {
        let status = store.status().await?;
        let count = |state: &str| {
            status
                .by_state
                .iter()
                .find(|s| s.state == state)
                .map_or(0, |s| s.count)
        };
        let held_refunds = store.held_refund_count().await?;
        Ok(Self {
            by_state: status
                .by_state
                .iter()
                .map(|s| (s.state.clone(), s.count))
                .collect(),
            due: count("pending") + count("retrying"),
            oldest_due: status.oldest_due_age_secs.map(|secs| {
                humantime::format_duration(std::time::Duration::from_secs(secs as u64)).to_string()
            }),
            dead: status.dead,
            held_refunds,
            last_success: status.last_success.map(rfc3339_ms),
            last_failure: status
                .last_failure
                .map(|(at, excerpt)| format!("{}: {excerpt}", rfc3339_ms(at))),
            reconcile: metrics.last_reconcile().map_or_else(
                || "no reconcile has run in this process yet".to_owned(),
                |(at, summary)| format!("last reconcile {}: {summary}", rfc3339_ms(at)),
            ),
            settings: settings.to_vec(),
        })
    }
}

/// Unix milliseconds as RFC 3339 UTC, to the second.
pub fn rfc3339_ms(ms: i64) -> String {
    crate::account::backfill::rfc3339(ms.div_euclid(1000))
}
