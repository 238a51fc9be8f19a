//! Delivery: events already stored, delivered by `clicktrail serve` to the impact.com emulator.
//!
//! The cases ([`cases`]): SQLite FULL clean and with 10 % transient failures; verdict polling
//! (impact.com keeps each submission queued for a while, so every job is read back again later);
//! SQLite NORMAL as a diagnostic of what the disk syncs cost; PostgreSQL with one replica, two,
//! and two of which one is killed with SIGKILL mid-run. Every run checks what the emulator ended
//! with: one action per event (no conversion lost, none credited twice), nothing dead.

use std::path::Path;
use std::time::{Duration, Instant};

use clicktrail_sandbox::SandboxConfig;
use clicktrail_sandbox::impact::faults::{Fault, FaultKind};
use clicktrail_sandbox::impact::records::Kind;

use crate::forwarder::{self, Forwarder, Setup};
use crate::{Error, http, seed};

/// Default `[worker] concurrency` of delivery runs: enough jobs in flight that each claim,
/// decision and finish transaction carries a batch of them (measured: 64 gave batches of ~13 jobs
/// and ~1,700/s, 128 gave ~26 and ~2,400/s, 256 no more on two cores).
pub const CONCURRENCY: usize = 128;

/// impact.com's processing delay in the verdict-polling case: the first read-back (right after
/// the send) finds the submission queued, so every job waits in `confirming` and is read again.
pub const POLLING_DELAY: Duration = Duration::from_millis(500);

/// Where the forwarder keeps its queue in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// A fresh SQLite file with this `sqlite_synchronous`.
    Sqlite(&'static str),
    /// A fresh schema on this PostgreSQL base URL.
    Postgres(String),
}

/// One delivery run's setup.
#[derive(Debug, Clone)]
pub struct Case {
    /// The store.
    pub db: Db,
    /// The share of impact.com answers that fail transiently (503).
    pub fault_ratio: f64,
    /// impact.com's processing delay (zero: the verdict read right after the send is final).
    pub processing_delay: Duration,
    /// `clicktrail serve` processes on the one store.
    pub replicas: usize,
    /// Kill one replica with SIGKILL once a third of the jobs are done.
    pub kill_one: bool,
}

impl Case {
    fn new(db: Db) -> Self {
        Self {
            db,
            fault_ratio: 0.0,
            processing_delay: Duration::ZERO,
            replicas: 1,
            kill_one: false,
        }
    }

    /// The table's label for the store.
    pub fn store_label(&self) -> &'static str {
        match &self.db {
            Db::Sqlite("full") => "SQLite FULL",
            Db::Sqlite(_) => "SQLite NORMAL (diagnostic)",
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// The table's label for what is special about the run.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.fault_ratio > 0.0 {
            parts.push(format!(
                "{:.0} % transient failures",
                self.fault_ratio * 100.0
            ));
        }
        if !self.processing_delay.is_zero() {
            parts.push(format!(
                "verdict polling (impact.com processes after {} ms)",
                self.processing_delay.as_millis()
            ));
        }
        if self.replicas > 1 {
            parts.push(format!("{} replicas", self.replicas));
        }
        if self.kill_one {
            parts.push("one killed (SIGKILL) mid-run".into());
        }
        if parts.is_empty() {
            "clean".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The cases `cargo xtask bench` runs; PostgreSQL ones only with a base URL.
pub fn cases(postgres: Option<&str>) -> Vec<Case> {
    let full = Case::new(Db::Sqlite("full"));
    let mut cases = vec![
        full.clone(),
        Case {
            fault_ratio: 0.1,
            ..full.clone()
        },
        Case {
            processing_delay: POLLING_DELAY,
            ..full
        },
        Case::new(Db::Sqlite("normal")),
    ];
    if let Some(base) = postgres {
        let pg = Case::new(Db::Postgres(base.to_owned()));
        cases.extend([
            pg.clone(),
            Case {
                replicas: 2,
                ..pg.clone()
            },
            Case {
                replicas: 2,
                kill_one: true,
                ..pg
            },
        ]);
    }
    cases
}

/// One delivery run.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// What ran.
    pub case: Case,
    /// Stored events (one conversion each).
    pub events: u64,
    /// `[worker] concurrency` of each replica.
    pub concurrency: usize,
    /// 503s injected.
    pub faults: u64,
    /// From the forwarders' start until the emulator had accepted a conversion for every event.
    pub sent_in: Duration,
    /// From the forwarders' start until every job was done (its verdict read back).
    pub elapsed: Duration,
    /// Actions the emulator created: one per event when nothing was lost or credited twice.
    pub actions: u64,
    /// Conversion requests the emulator accepted (a resend after a kill is one more).
    pub requests: u64,
    /// Of those, answered `CONV_DUPLICATE` (impact.com's own deduplication).
    pub duplicates: u64,
    /// Jobs done and dead at the end.
    pub done: u64,
    /// Dead letters at the end.
    pub dead: u64,
    /// Jobs done when a replica was killed.
    pub killed_at: Option<u64>,
    /// Warning and error lines the forwarders logged, other than the retries of injected 503s
    /// (the first few go to stderr).
    pub warnings: u64,
    /// Write transactions of the surviving replicas and the jobs they carried.
    pub batches: Batches,
}

impl DeliveryRow {
    /// Conversions confirmed (done) per second.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Conversions sent (accepted by the emulator) per second.
    pub fn send_rate(&self) -> f64 {
        self.events as f64 / self.sent_in.as_secs_f64().max(1e-9)
    }

    /// Every event credited exactly once, every job done, nothing dead.
    pub fn exactly_once(&self) -> bool {
        self.actions == self.events && self.done == self.events && self.dead == 0
    }
}

/// The worker's write transactions by step, read from `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Batches {
    /// `(step, transactions, jobs)` for `claim`, `decide` and `finish`.
    pub steps: Vec<(&'static str, f64, f64)>,
}

impl Batches {
    /// Reads `clicktrail_store_transactions_total` and `clicktrail_store_batched_total`.
    pub fn from_metrics(text: &str) -> Self {
        let steps = ["claim", "decide", "finish"]
            .into_iter()
            .map(|step| {
                let series = |name: &str| http::metric(text, &format!("{name}{{step=\"{step}\"}}"));
                (
                    step,
                    series("clicktrail_store_transactions_total"),
                    series("clicktrail_store_batched_total"),
                )
            })
            .collect();
        Self { steps }
    }

    /// Adds another replica's counts.
    pub fn add(&mut self, other: &Self) {
        if self.steps.is_empty() {
            self.steps = other.steps.clone();
            return;
        }
        for (mine, theirs) in self.steps.iter_mut().zip(&other.steps) {
            mine.1 += theirs.1;
            mine.2 += theirs.2;
        }
    }

    /// `claim 373 × 26.8, ...`: transactions and jobs per transaction.
    pub fn summary(&self) -> String {
        self.steps
            .iter()
            .map(|(step, tx, jobs)| format!("{step} {tx:.0} × {:.1}", jobs / tx.max(1.0)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Seeds `events` events into a fresh store, starts the case's forwarders, and times delivery.
pub async fn run(
    binary: &Path,
    case: &Case,
    events: u64,
    concurrency: usize,
) -> Result<DeliveryRow, Error> {
    let mut config = SandboxConfig::ephemeral();
    config.impact.processing_delay = case.processing_delay;
    let sandbox = clicktrail_sandbox::start(config)
        .await
        .map_err(|e| Error::Sandbox(e.to_string()))?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let (url, schema) = match &case.db {
        Db::Sqlite(_) => (
            format!("sqlite://{}", dir.path().join("delivery.db").display()),
            None,
        ),
        Db::Postgres(base) => {
            let (url, schema) = forwarder::postgres_schema(base).await?;
            (url, Some((base.clone(), schema)))
        }
    };
    let (factory, _) = super::events();
    seed::seed(&url, &factory, 0..events, false).await?;
    let faults = queue_faults(&sandbox, events, case.fault_ratio);

    let mut setup = Setup::new(&sandbox, url);
    if let Db::Sqlite(synchronous) = case.db {
        setup.synchronous = synchronous;
    }
    setup.worker_concurrency = concurrency;
    // A killed replica's jobs return to the queue when their lease runs out.
    setup.lease = "6s";
    let start = Instant::now();
    let mut replicas = Vec::with_capacity(case.replicas);
    for n in 0..case.replicas.max(1) {
        let own = dir.path().join(format!("replica-{n}"));
        std::fs::create_dir_all(&own).map_err(|e| Error::Io(e.to_string()))?;
        replicas.push(Forwarder::spawn(binary, &setup, &own).await?);
    }

    let deadline = start + Duration::from_secs(600);
    let mut sent_in = None;
    let mut killed_at = None;
    let (done, dead) = loop {
        // Only conversions are sent in these runs: every record is one.
        if sent_in.is_none() && sandbox.impact().with_store(|s| s.records.len() as u64) >= events {
            sent_in = Some(start.elapsed());
        }
        let (_, text) = http::get(replicas[0].admin_addr(), "/metrics").await?;
        let done = http::metric(&text, "clicktrail_jobs{state=\"done\"}") as u64;
        let dead = http::metric(&text, "clicktrail_jobs{state=\"dead\"}") as u64;
        if done + dead >= events {
            break (done, dead);
        }
        if case.kill_one
            && killed_at.is_none()
            && done >= events / 3
            && replicas.len() > 1
            && let Some(victim) = replicas.pop()
        {
            victim.kill().await;
            killed_at = Some(done);
        }
        if Instant::now() > deadline {
            return Err(Error::Forwarder(format!(
                "only {done} of {events} jobs done after 10 minutes"
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let elapsed = start.elapsed();
    let mut batches = Batches::default();
    for replica in replicas {
        let (_, text) = http::get(replica.admin_addr(), "/metrics").await?;
        batches.add(&Batches::from_metrics(&text));
        replica.stop().await?;
    }
    let mut warnings = 0;
    for n in 0..case.replicas.max(1) {
        let log = dir.path().join(format!("replica-{n}/forwarder.log"));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // The 503s injected are expected to be retried; anything else is worth a look.
        for line in text
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .filter(|l| !l.contains("will retry"))
        {
            if warnings < 3 {
                eprintln!("  replica {n}: {line}");
            }
            warnings += 1;
        }
    }
    let (actions, requests, duplicates) = sandbox.impact().with_store(|s| {
        let conversions = s.records.iter().filter(|r| r.kind == Kind::Conversion);
        (
            s.actions.len() as u64,
            conversions.clone().count() as u64,
            conversions
                .filter(|r| r.outcome == "CONV_DUPLICATE")
                .count() as u64,
        )
    });
    sandbox.shutdown().await;
    if let Some((base, schema)) = schema {
        forwarder::drop_postgres_schema(&base, &schema).await?;
    }
    Ok(DeliveryRow {
        case: case.clone(),
        events,
        concurrency,
        faults,
        sent_in: sent_in.unwrap_or(elapsed),
        elapsed,
        actions,
        requests,
        duplicates,
        done,
        dead,
        killed_at,
        warnings,
        batches,
    })
}

/// Queues one answer per event at the emulator: a 503 with probability `ratio`, else a normal
/// answer (a zero-delay `slow`); returns the number of 503s.
fn queue_faults(sandbox: &clicktrail_sandbox::Sandbox, events: u64, ratio: f64) -> u64 {
    if ratio <= 0.0 {
        return 0;
    }
    let mut faults = 0;
    sandbox.impact().with_store(|store| {
        for _ in 0..events {
            let fail = rand::random::<f64>() < ratio;
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
    });
    faults
}
