//! The delivery worker: claims due jobs, decides them (with Stripe look-ups), sends the requests
//! to impact.com, records every attempt, and schedules retries.
//!
//! Concurrency is bounded by a semaphore (`[worker] concurrency`); jobs are claimed only when a
//! permit is free, under a lease that a heartbeat extends, so a killed process's jobs return to
//! the queue. Decisions and attempt records go through batch tasks (`batch.rs`): the jobs in
//! flight share one transaction, and one disk sync, per step. On shutdown the worker stops claiming, waits `shutdown_grace` for jobs in flight,
//! then releases what it still holds.

mod decide;
mod lookups;
mod rate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clicktrail_impact::{ImpactClient, ImpactRequest, Outcome};
use clicktrail_stripe::Event;
use clicktrail_stripe::client::StripeClient;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::Error;
use crate::batch;
use crate::config::WorkerConfig;
use crate::mapping::{Fetched, Settings};
use crate::metrics::Metrics;
use crate::retry;
use crate::store::{AttemptRecord, ClaimedJob, Finish, Store};
use crate::verdict;

/// The most characters of an answer kept with an attempt.
pub const EXCERPT_LIMIT: usize = 2048;

/// Everything a worker needs; cheap to share.
#[derive(Debug)]
pub struct Worker {
    store: Store,
    settings: Settings,
    impact: ImpactClient,
    stripe: Option<StripeClient>,
    config: WorkerConfig,
    /// Identifies this process's leases.
    owner: String,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    rate: rate::RateCap,
    /// Decides jobs in batches (one serialized transaction each).
    decider: batch::Batcher<decide::Round, decide::RoundOutcome>,
    /// Records attempts and their consequences in batches.
    finisher: batch::Batcher<(i64, Option<AttemptRecord>, Finish), bool>,
}

/// The most jobs written in one decision or attempt transaction.
const BATCH_MAX: usize = 128;

impl Worker {
    /// A worker over `store`; `wake` is notified by the intake when a job is queued. Must be
    /// called inside a tokio runtime (it starts its batch tasks).
    pub fn new(
        store: Store,
        settings: Settings,
        impact: ImpactClient,
        stripe: Option<StripeClient>,
        config: WorkerConfig,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let owner = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let rate = rate::RateCap::new(config.max_requests_per_hour);
        let decider = {
            let (store, settings, owner) = (store.clone(), settings.clone(), owner.clone());
            let metrics = Arc::clone(&metrics);
            batch::Batcher::spawn(BATCH_MAX, move |rounds: Vec<decide::Round>| {
                let (store, settings, owner) = (store.clone(), settings.clone(), owner.clone());
                metrics.batch("decide", rounds.len());
                async move { decide::decide_batch(&store, &settings, &owner, rounds).await }
            })
        };
        let finisher = {
            let (store, owner) = (store.clone(), owner.clone());
            let metrics = Arc::clone(&metrics);
            batch::Batcher::spawn(
                BATCH_MAX,
                move |items: Vec<(i64, Option<AttemptRecord>, Finish)>| {
                    let (store, owner) = (store.clone(), owner.clone());
                    metrics.batch("finish", items.len());
                    async move { store.finish_many(&owner, &items).await }
                },
            )
        };
        Self {
            store,
            settings,
            impact,
            stripe,
            config,
            owner,
            wake,
            metrics,
            rate,
            decider,
            finisher,
        }
    }

    /// Records an attempt (if any) and what follows, batched with other jobs.
    async fn finish(
        &self,
        job: i64,
        attempt: Option<AttemptRecord>,
        finish: Finish,
    ) -> Result<bool, Error> {
        self.finisher.call((job, attempt, finish)).await
    }

    /// Decides a job, with look-up rounds; the request to send now, if any.
    async fn decide(&self, job: &ClaimedJob) -> Result<Option<ImpactRequest>, Error> {
        let payload = job.payload.as_deref().ok_or_else(|| Error::Corrupt {
            context: format!("event {} is not stored", job.event_id),
            source: None,
        })?;
        let event = Arc::new(
            Event::from_slice(payload.as_bytes())
                .map_err(|e| Error::corrupt(format!("event {}", job.event_id), e))?,
        );
        let mut fetched = Fetched::default();
        for _ in 0..decide::MAX_ROUNDS {
            let round = decide::Round {
                job: job.id,
                event: Arc::clone(&event),
                fetched: fetched.clone(),
            };
            match self.decider.call(round).await? {
                decide::RoundOutcome::Decided(send) => return Ok(send),
                decide::RoundOutcome::Lookup(need) => {
                    let stripe = self.stripe.as_ref().ok_or_else(|| Error::Stripe {
                        context: format!("{need}: no [stripe] api_key configured"),
                        source: None,
                    })?;
                    lookups::fetch(stripe, &need, &mut fetched).await?;
                }
            }
        }
        Err(Error::Stripe {
            context: format!(
                "event {} still needs look-ups after {} rounds",
                event.id,
                decide::MAX_ROUNDS
            ),
            source: None,
        })
    }

    fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    fn lease_until(&self) -> i64 {
        self.now_ms()
            .saturating_add(i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX))
    }

    /// Runs until `shutdown` is cancelled, then drains within `shutdown_grace`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let tracker = TaskTracker::new();
        let heartbeat = tokio::spawn(Arc::clone(&self).heartbeat(shutdown.clone()));
        while !shutdown.is_cancelled() {
            let free = permits.available_permits();
            if free == 0 {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    permit = Arc::clone(&permits).acquire_owned() => drop(permit),
                }
                continue;
            }
            let claimed = match self
                .store
                .claim(
                    &self.owner,
                    self.lease_until(),
                    i64::try_from(free).unwrap_or(1),
                )
                .await
            {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::error!(error = %e.chain(), "cannot claim jobs");
                    Vec::new()
                }
            };
            let idle = claimed.is_empty();
            self.metrics.batch("claim", claimed.len());
            for job in claimed {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    break;
                };
                let me = Arc::clone(&self);
                tracker.spawn(async move {
                    me.process(job).await;
                    drop(permit);
                });
            }
            if idle {
                let wait = self.idle_wait().await;
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
        tracker.close();
        if tokio::time::timeout(self.config.shutdown_grace, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("jobs still in flight after the shutdown grace; releasing them");
        }
        heartbeat.abort();
        match self.store.release(&self.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "released jobs in flight"),
            Err(e) => tracing::error!(error = %e.chain(), "cannot release jobs in flight"),
        }
    }

    /// How long to sleep when nothing is due: until the next job's `run_at`, at most the poll
    /// interval.
    async fn idle_wait(&self) -> Duration {
        let poll = self.config.poll_interval;
        match self.store.next_run_at().await {
            Ok(Some(at)) => {
                let ms = u64::try_from((at - self.now_ms()).max(5)).unwrap_or(u64::MAX);
                Duration::from_millis(ms).min(poll)
            }
            _ => poll,
        }
    }

    async fn heartbeat(self: Arc<Self>, shutdown: CancellationToken) {
        let every = self.config.lease / 3;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Err(e) = self.store.heartbeat(&self.owner, self.lease_until()).await {
                tracing::error!(error = %e.chain(), "cannot extend the leases");
            }
        }
    }

    async fn process(&self, job: ClaimedJob) {
        let id = job.id;
        if let Err(e) = self.try_process(&job).await {
            tracing::warn!(job = id, error = %e.chain(), "job failed; retrying later");
            let finish = retry::transient(
                job.failures,
                &self.config.retry_schedule,
                self.now_ms(),
                rand::random::<f64>(),
                &e.chain(),
            );
            if let Err(e) = self.finish(id, None, finish).await {
                tracing::error!(job = id, error = %e.chain(), "cannot record the failure");
            }
        }
    }

    async fn try_process(&self, job: &ClaimedJob) -> Result<(), Error> {
        let request: ImpactRequest = match &job.request {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| Error::corrupt(format!("job {}: stored request", job.id), e))?,
            None => match self.decide(job).await? {
                Some(request) => request,
                None => return Ok(()),
            },
        };
        match &job.submission {
            // Sent and queued before: read the verdict, never send again.
            Some(queued_uri) => {
                let finish = self.verdict(job, &request, queued_uri).await;
                let kept = self.finish(job.id, None, finish.clone()).await?;
                self.log(job, &request, &finish, None, kept);
                Ok(())
            }
            None => self.send(job, &request).await,
        }
    }

    /// Reads impact.com's verdict on the submission `queued_uri` of `job`'s request.
    async fn verdict(&self, job: &ClaimedJob, request: &ImpactRequest, queued_uri: &str) -> Finish {
        let polls = job.polls + 1;
        // Submission reads count against impact.com's request limits like sends do.
        self.rate.acquire().await;
        let finish = match self.impact.get_submission(queued_uri).await {
            Ok(submission) => verdict::judge(
                &submission,
                queued_uri,
                request.kind(),
                job.tries > 1,
                polls,
                job.failures,
                &self.config.retry_schedule,
                self.now_ms(),
                rand::random::<f64>(),
            ),
            Err(e) => verdict::pending(
                queued_uri,
                polls,
                self.now_ms(),
                &format!("cannot read it: {e}"),
            ),
        };
        self.metrics.verdict(match &finish {
            Finish::Done { .. } => "accepted",
            Finish::Confirm { .. } => "pending",
            Finish::Retry { .. } => "not_yet",
            Finish::Dead { .. } => "refused",
        });
        finish
    }

    async fn send(&self, job: &ClaimedJob, request: &ImpactRequest) -> Result<(), Error> {
        self.rate.acquire().await;
        let at = self.now_ms();
        let started = Instant::now();
        let outcome = self.impact.send(request).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let finish = match &outcome {
            // Accepted for processing: its verdict decides, read at once (usually still queued).
            Outcome::Queued {
                queued_uri: Some(queued_uri),
                ..
            } => self.verdict(job, request, queued_uri).await,
            _ => retry::next_step(
                &outcome,
                job.failures,
                &self.config.retry_schedule,
                self.now_ms(),
                rand::random::<f64>(),
            ),
        };
        let (name, excerpt) = describe(&outcome);
        let params: serde_json::Map<String, serde_json::Value> = request
            .params()
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        let attempt = AttemptRecord {
            at,
            duration_ms,
            method: request.method().as_str(),
            path: request.path(&self.settings.account_sid),
            params: serde_json::Value::Object(params).to_string(),
            status: outcome.status(),
            outcome: name,
            excerpt,
        };
        self.metrics.delivery(name, outcome.status());
        let kept = self.finish(job.id, Some(attempt), finish.clone()).await?;
        self.log(job, request, &finish, outcome.status(), kept);
        Ok(())
    }

    fn log(
        &self,
        job: &ClaimedJob,
        request: &ImpactRequest,
        finish: &Finish,
        status: Option<u16>,
        kept: bool,
    ) {
        let status = status.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let order = request.order_id();
        match finish {
            Finish::Done { verdict } => {
                tracing::info!(job = job.id, kind = %request.kind(), order, status, verdict = verdict.as_deref().unwrap_or("-"), "delivered");
            }
            Finish::Confirm { run_at, reason, .. } => tracing::debug!(
                job = job.id,
                order,
                status,
                in_ms = run_at - self.now_ms(),
                reason,
                "queued; reading the verdict later"
            ),
            Finish::Retry { run_at, reason, .. } => tracing::warn!(
                job = job.id,
                order,
                status,
                in_ms = run_at - self.now_ms(),
                reason,
                "delivery failed; will retry"
            ),
            Finish::Dead { reason, .. } => {
                tracing::error!(job = job.id, order, status, reason, "dead letter");
            }
        }
        if !kept {
            tracing::warn!(job = job.id, "lease lost before the attempt was recorded");
        }
    }
}

/// The outcome's name and a bounded excerpt of the answer.
fn describe(outcome: &Outcome) -> (&'static str, String) {
    let (name, text) = match outcome {
        Outcome::Queued { body, .. } => ("queued", body.as_str()),
        Outcome::Rejected { body, .. } => ("rejected", body.as_str()),
        Outcome::RateLimited { body, .. } => ("rate_limited", body.as_str()),
        Outcome::Transient { reason, .. } => ("transient", reason.as_str()),
    };
    let cut = text
        .char_indices()
        .nth(EXCERPT_LIMIT)
        .map_or(text.len(), |(i, _)| i);
    (name, text[..cut].to_owned())
}
