//! The overview's data, read from the store and the process's counters: the same for the page
//! and for `GET /api/overview`.

use serde::Serialize;

use super::pages::rfc3339_ms;
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
    /// The soonest of them.
    pub held: Vec<Held>,
    /// Requests to impact.com in each of the last 48 hours, oldest first: (hour, delivered,
    /// failed).
    pub sends_per_hour: Vec<(String, i64, i64)>,
    /// The same, for the chart.
    #[serde(skip)]
    pub hours: Vec<crate::store::HourSends>,
    /// When impact.com last took a request.
    pub last_success: Option<String>,
    /// When a request last failed, and impact.com's answer or the transport error.
    pub last_failure: Option<String>,
    /// The last reconcile with Stripe, in words.
    pub reconcile: String,
    /// The webhook endpoints' state at Stripe, as the last reconcile read it.
    pub endpoints: Vec<String>,
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
        let held = store.held_refunds(10).await?;
        let hours = store.sends_per_hour(48).await?;
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
            held_refunds: held.total,
            held: held
                .jobs
                .into_iter()
                .map(|h| Held {
                    job: h.job,
                    kind: h.kind,
                    order_id: h.order_id,
                    due: rfc3339_ms(h.run_at),
                })
                .collect(),
            sends_per_hour: hours
                .iter()
                .map(|h| (rfc3339_ms(h.hour), h.delivered, h.failed))
                .collect(),
            hours,
            last_success: status.last_success.map(rfc3339_ms),
            last_failure: status
                .last_failure
                .map(|(at, excerpt)| format!("{}: {excerpt}", rfc3339_ms(at))),
            reconcile: metrics.last_reconcile().map_or_else(
                || "no reconcile has run in this process yet".to_owned(),
                |(at, summary)| format!("last reconcile {}: {summary}", rfc3339_ms(at)),
            ),
            endpoints: metrics.endpoint_state(),
            settings: settings.to_vec(),
        })
    }
}

/// A held refund on the overview.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    /// The job.
    pub job: i64,
    /// `modification` or `reversal`.
    pub kind: String,
    /// The `OrderId`.
    pub order_id: String,
    /// When it is due, RFC 3339.
    pub due: String,
}
