//! `/metrics`: Prometheus text exposition, rendered by hand.
//!
//! Two process-local counters (events received by type and outcome; deliveries by outcome and
//! status) and gauges read from the store at scrape time (jobs by state, the oldest due job's
//! age, dead letters), which are the same on every replica. A dozen lines of text format do not
//! justify a metrics registry crate.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::store::QueueStatus;

/// The process's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    received: Mutex<BTreeMap<(String, &'static str), u64>>,
    deliveries: Mutex<BTreeMap<(&'static str, String), u64>>,
    reconcile_runs: Mutex<BTreeMap<&'static str, u64>>,
    reconcile_events: Mutex<BTreeMap<&'static str, u64>>,
    verdicts: Mutex<BTreeMap<&'static str, u64>>,
    /// Write transactions by step, and the jobs or events they carried.
    batches: Mutex<BTreeMap<&'static str, (u64, u64)>>,
    /// The last reconcile run: when (unix ms) and what it came to, for the console.
    last_reconcile: Mutex<Option<(i64, String)>>,
    /// The webhook endpoints' state at Stripe, as the last reconcile read it.
    endpoints: Mutex<Vec<String>>,
}

impl Metrics {
    /// Counts an event received: its type (`-` when unknown) and what became of it.
    pub fn received(&self, event_type: &str, outcome: &'static str) {
        let mut map = self.received.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((event_type.to_owned(), outcome)).or_default() += 1;
    }

    /// Counts a request sent to impact.com.
    pub fn delivery(&self, outcome: &'static str, status: Option<u16>) {
        let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        let mut map = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((outcome, status)).or_default() += 1;
    }

    /// Counts a reading of impact.com's verdict on a queued request: `accepted`, `pending`,
    /// `not_yet` (a change whose action does not exist yet) or `refused`.
    pub fn verdict(&self, verdict: &'static str) {
        let mut map = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(verdict).or_default() += 1;
    }

    /// Counts one write transaction of `step` (`intake`, `claim`, `decide`, `finish`) that carried
    /// `items` events or jobs: items / transactions is the batch size the disk syncs amortise over.
    pub fn batch(&self, step: &'static str, items: usize) {
        let mut map = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(step).or_default();
        entry.0 += 1;
        entry.1 += items as u64;
    }

    /// Counts a reconcile run: `ok` or `error`.
    pub fn reconcile_run(&self, result: &'static str) {
        let mut map = self
            .reconcile_runs
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *map.entry(result).or_default() += 1;
    }

    /// Counts events a reconcile run handled: `new`, `known` (already stored), `ignored`,
    /// `error`.
    pub fn reconcile_events(&self, outcome: &'static str, count: u64) {
        let mut map = self
            .reconcile_events
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *map.entry(outcome).or_default() += count;
    }

    /// Remembers the last reconcile run (unix ms) and its outcome in words.
    pub fn reconciled(&self, at_ms: i64, summary: String) {
        *self
            .last_reconcile
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((at_ms, summary));
    }

    /// Remembers the webhook endpoints' state at Stripe, one line each.
    pub fn endpoints(&self, lines: Vec<String>) {
        *self.endpoints.lock().unwrap_or_else(|p| p.into_inner()) = lines;
    }

    /// The webhook endpoints' state at Stripe, as the last reconcile read it.
    pub fn endpoint_state(&self) -> Vec<String> {
        self.endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The last reconcile run, if one ran in this process.
    pub fn last_reconcile(&self) -> Option<(i64, String)> {
        self.last_reconcile
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Renders every series; `queue` is `None` when the store could not be read.
    pub fn render(&self, queue: Option<&QueueStatus>) -> String {
        let mut out = String::new();
        self.render_reconcile(&mut out);
        out.push_str("# HELP clicktrail_events_received_total Stripe events received, by type and outcome.\n");
        out.push_str("# TYPE clicktrail_events_received_total counter\n");
        for ((t, o), n) in self
            .received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "clicktrail_events_received_total{{type=\"{}\",outcome=\"{o}\"}} {n}",
                escape(t)
            );
        }
        out.push_str("# HELP clicktrail_deliveries_total Requests sent to impact.com, by outcome and HTTP status.\n");
        out.push_str("# TYPE clicktrail_deliveries_total counter\n");
        for ((o, s), n) in self
            .deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "clicktrail_deliveries_total{{outcome=\"{o}\",status=\"{s}\"}} {n}"
            );
        }
        out.push_str("# HELP clicktrail_verdicts_total impact.com's verdicts on queued requests, as read back.\n");
        out.push_str("# TYPE clicktrail_verdicts_total counter\n");
        for (v, n) in self
            .verdicts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "clicktrail_verdicts_total{{verdict=\"{v}\"}} {n}");
        }
        self.render_batches(&mut out);
        if let Some(q) = queue {
            out.push_str("# HELP clicktrail_jobs Jobs in the queue, by state.\n# TYPE clicktrail_jobs gauge\n");
            for s in &q.by_state {
                let _ = writeln!(out, "clicktrail_jobs{{state=\"{}\"}} {}", s.state, s.count);
            }
            out.push_str("# HELP clicktrail_oldest_pending_job_age_seconds How long the oldest due job has waited to run.\n");
            out.push_str("# TYPE clicktrail_oldest_pending_job_age_seconds gauge\n");
            let _ = writeln!(
                out,
                "clicktrail_oldest_pending_job_age_seconds {}",
                q.oldest_due_age_secs.unwrap_or(0.0)
            );
            out.push_str("# HELP clicktrail_dead_letters Jobs that failed permanently.\n# TYPE clicktrail_dead_letters gauge\n");
            let _ = writeln!(out, "clicktrail_dead_letters {}", q.dead);
        }
        out.push_str("# HELP clicktrail_store_up Whether the store answered this scrape.\n# TYPE clicktrail_store_up gauge\n");
        let _ = writeln!(out, "clicktrail_store_up {}", u8::from(queue.is_some()));
        out
    }
}

impl Metrics {
    fn render_batches(&self, out: &mut String) {
        let batches = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP clicktrail_store_transactions_total Write transactions of the intake and the worker, by step.\n");
        out.push_str("# TYPE clicktrail_store_transactions_total counter\n");
        for (step, (n, _)) in batches.iter() {
            let _ = writeln!(
                out,
                "clicktrail_store_transactions_total{{step=\"{step}\"}} {n}"
            );
        }
        out.push_str("# HELP clicktrail_store_batched_total Events or jobs those transactions carried, by step.\n");
        out.push_str("# TYPE clicktrail_store_batched_total counter\n");
        for (step, (_, items)) in batches.iter() {
            let _ = writeln!(
                out,
                "clicktrail_store_batched_total{{step=\"{step}\"}} {items}"
            );
        }
    }

    fn render_reconcile(&self, out: &mut String) {
        out.push_str("# HELP clicktrail_reconcile_runs_total Reconcile runs (undelivered events read back from Stripe), by result.\n");
        out.push_str("# TYPE clicktrail_reconcile_runs_total counter\n");
        for (r, n) in self
            .reconcile_runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "clicktrail_reconcile_runs_total{{result=\"{r}\"}} {n}");
        }
        out.push_str("# HELP clicktrail_reconcile_events_total Undelivered events found by reconcile, by outcome.\n");
        out.push_str("# TYPE clicktrail_reconcile_events_total counter\n");
        for (o, n) in self
            .reconcile_events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "clicktrail_reconcile_events_total{{outcome=\"{o}\"}} {n}"
            );
        }
    }
}

/// Escapes a label value (`\`, `"`, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StateCount;

    #[test]
    fn renders_counters_and_gauges() {
        let m = Metrics::default();
        m.received("invoice.paid", "queued");
        m.received("invoice.paid", "queued");
        m.received("we\"ird", "ignored");
        m.delivery("queued", Some(200));
        m.delivery("transient", None);
        m.batch("finish", 3);
        m.batch("finish", 5);
        let q = QueueStatus {
            by_state: vec![StateCount {
                state: "dead".into(),
                count: 2,
            }],
            oldest_due_age_secs: Some(1.5),
            dead: 2,
            ..QueueStatus::default()
        };
        let text = m.render(Some(&q));
        for line in [
            "clicktrail_events_received_total{type=\"invoice.paid\",outcome=\"queued\"} 2",
            "clicktrail_events_received_total{type=\"we\\\"ird\",outcome=\"ignored\"} 1",
            "clicktrail_deliveries_total{outcome=\"queued\",status=\"200\"} 1",
            "clicktrail_deliveries_total{outcome=\"transient\",status=\"none\"} 1",
            "clicktrail_jobs{state=\"dead\"} 2",
            "clicktrail_oldest_pending_job_age_seconds 1.5",
            "clicktrail_dead_letters 2",
            "clicktrail_store_up 1",
            "clicktrail_store_transactions_total{step=\"finish\"} 2",
            "clicktrail_store_batched_total{step=\"finish\"} 8",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        assert!(m.render(None).contains("clicktrail_store_up 0"));
    }
}
