//! Reconcile, inside `clicktrail serve`: every `[reconcile] interval`, read back from Stripe the
//! handled events of the last `[reconcile] window` that Stripe could not deliver
//! (`delivery_success=false`: still pending or failed at some endpoint) and ingest, through the
//! same deduplicating intake as the webhook, those not stored yet.
//!
//! The first run is at start, so a forwarder that was down catches up at once; later runs every
//! interval. Each run is counted in `/metrics` (`clicktrail_reconcile_runs_total{result}`,
//! `clicktrail_reconcile_events_total{outcome}`). Several replicas may reconcile at once: the
//! intake drops what another one stored first.

use std::sync::Arc;
use std::time::Duration;

use clicktrail_stripe::client::{Created, EventQuery, StripeClient};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::events::{Counts, ingest_all, unix_now};
use crate::Error;
use crate::config::Config;
use crate::intake::Intake;
use crate::mapping::HANDLED_EVENT_TYPES;
use crate::metrics::Metrics;
use crate::store::{Source, Store};

/// What a reconcile run reads and where it puts it.
#[derive(Debug, Clone)]
pub struct Reconciler {
    /// Stripe, with the service's key.
    pub stripe: StripeClient,
    /// The intake the webhook uses.
    pub intake: Intake,
    /// To skip events already stored without writing.
    pub store: Store,
    /// Where runs are counted.
    pub metrics: Arc<Metrics>,
    /// How far back a run looks.
    pub window: Duration,
}

/// The query of one run: handled types, not delivered, created since `now - window`.
pub fn query(now: i64, window: Duration) -> EventQuery {
    let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
    EventQuery {
        types: HANDLED_EVENT_TYPES
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        created: Created {
            gte: Some(now.saturating_sub(window)),
            ..Created::default()
        },
        delivery_success: Some(false),
        limit: Some(100),
        ..EventQuery::default()
    }
}

impl Reconciler {
    /// One run: lists, ingests what is missing, counts.
    pub async fn run_once(&self, now: i64) -> Result<Counts, Error> {
        let result = async {
            let events = self
                .stripe
                .event_pages(&query(now, self.window))
                .collect_oldest_first()
                .await
                .map_err(|e| Error::stripe("GET /v1/events", e))?;
            ingest_all(&self.intake, &self.store, events, Source::Reconcile, |_| {}).await
        }
        .await;
        self.read_endpoints().await;
        match &result {
            Ok(counts) => {
                self.metrics.reconcile_run("ok");
                for (outcome, n) in [
                    ("new", counts.new),
                    ("known", counts.known),
                    ("ignored", counts.ignored),
                ] {
                    self.metrics.reconcile_events(outcome, n);
                }
                self.metrics.reconciled(
                    now.saturating_mul(1000),
                    format!(
                        "ok: Stripe reported {} undelivered event(s) in the last {}; {} were new and queued, {} already stored",
                        counts.fetched,
                        humantime::format_duration(self.window),
                        counts.new,
                        counts.known
                    ),
                );
            }
            Err(e) => {
                self.metrics.reconcile_run("error");

                self.metrics
                    .reconciled(now.saturating_mul(1000), format!("failed: {}", e.chain()));
            }
        }
        result
    }

    /// Reads the webhook endpoints' state at Stripe for the console (a key that may not read
    /// them is said so, and changes nothing else).
    async fn read_endpoints(&self) {
        let lines = match self.stripe.webhook_endpoints().await {
            Ok(endpoints) => {
                let ours = self
                    .store
                    .webhook_secret_endpoints()
                    .await
                    .unwrap_or_default();
                let lines = super::endpoint_state::summarize(&endpoints, &ours);
                if lines.is_empty() {
                    vec![
                        "no webhook endpoint delivers the handled events: run `clicktrail setup`"
                            .to_owned(),
                    ]
                } else {
                    lines
                }
            }
            Err(e) => vec![format!("not read ({e})")],
        };
        self.metrics.endpoints(lines);
    }

    /// Runs now, then every `interval`, until `token` is cancelled.
    pub async fn run(self, interval: Duration, token: CancellationToken) {
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                result = self.run_once(unix_now()) => match result {
                    Ok(c) if c.new > 0 => tracing::info!(new = c.new, known = c.known, "reconcile: ingested events Stripe had not delivered"),
                    Ok(c) => tracing::debug!(known = c.known, "reconcile: nothing missing"),
                    Err(e) => tracing::warn!(error = %e.chain(), "reconcile failed; next try in one interval"),
                },
            }
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// Starts reconcile when it is on and a Stripe key is configured; logs why not otherwise.
pub fn spawn(
    config: &Config,
    stripe: Option<StripeClient>,
    intake: Intake,
    store: Store,
    metrics: Arc<Metrics>,
    token: CancellationToken,
) -> Option<JoinHandle<()>> {
    if !config.reconcile.enabled() {
        tracing::info!("reconcile off ([reconcile] interval = \"0s\")");
        return None;
    }
    let Some(stripe) = stripe else {
        tracing::info!(
            "reconcile off: no [stripe] api_key to read undelivered events with (set CLICKTRAIL_STRIPE__API_KEY)"
        );
        return None;
    };
    let interval = config.reconcile.interval;
    tracing::info!(
        interval = %humantime::format_duration(interval),
        window = %humantime::format_duration(config.reconcile.window),
        "reconcile on"
    );
    let reconciler = Reconciler {
        stripe,
        intake,
        store,
        metrics,
        window: config.reconcile.window,
    };
    Some(tokio::spawn(reconciler.run(interval, token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_asks_for_undelivered_handled_events_of_the_window() {
        let q = query(1_000_000, Duration::from_secs(3 * 24 * 3600));
        assert_eq!(
            q.to_form().encode(),
            "types[]=invoice.paid&types[]=checkout.session.completed\
             &types[]=checkout.session.async_payment_succeeded&types[]=charge.refunded&types[]=charge.dispute.closed\
             &created[gte]=740800&delivery_success=false&limit=100"
        );
    }
}
