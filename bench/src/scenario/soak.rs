//! Soak: steady signed traffic (with Stripe-style redeliveries of events already sent), random
//! impact.com faults (503, 429 with a reset, slow answers, dropped connections) and one
//! forwarder restart; then every acknowledged event must have led to exactly one conversion.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use clicktrail_sandbox::Sandbox;
use clicktrail_sandbox::impact::faults::{Fault, FaultKind};
use clicktrail_sandbox::impact::records::Kind;
use clicktrail_test_support::eventually;

use crate::event::EventFactory;
use crate::forwarder::{Forwarder, Setup};
use crate::load::{self, Load};
use crate::{Error, http, rss};

/// How the forwarder runs and restarts.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The `clicktrail` binary; the restart is a SIGKILL.
    Process(PathBuf),
    /// In this process; the restart is a graceful shutdown (the CI soak).
    InProcess,
}

/// The soak's knobs.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// How the forwarder runs.
    pub mode: Mode,
    /// How long traffic flows.
    pub duration: Duration,
    /// New events per second.
    pub rate: u32,
    /// A random fault is queued this often.
    pub fault_every: Duration,
    /// How long to wait, after traffic stops, for deliveries to finish.
    pub drain: Duration,
}

/// What the soak saw.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Events acknowledged by the forwarder (distinct).
    pub acknowledged: u64,
    /// Deliveries posted (new events, redeliveries, retries after failures).
    pub posts: u64,
    /// Posts that were not acknowledged (during the restart, mostly) and were sent again.
    pub unacknowledged_posts: u64,
    /// Faults queued at the emulator, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// Acknowledged events with no conversion at the emulator.
    pub lost: u64,
    /// Conversion requests beyond the first per `OrderId` + event type (sends, whatever impact
    /// answered).
    pub duplicate_sends: u64,
    /// Dead letters at the end.
    pub dead: u64,
    /// (seconds since start, resident KiB) of the forwarder process, every few seconds.
    pub rss_samples: Vec<(u64, u64)>,
    /// When the restart happened (seconds since start).
    pub restart_at: u64,
    /// How long traffic plus drain took.
    pub elapsed: Duration,
}

impl SoakReport {
    /// Whether memory stayed flat: within the process that ran after the restart, the last
    /// sample is at most 10 % (or 4 MiB) above the sample a third of the way in.
    pub fn memory_flat(&self) -> Option<bool> {
        let after: Vec<u64> = self
            .rss_samples
            .iter()
            .filter(|(t, _)| *t > self.restart_at)
            .map(|(_, kib)| *kib)
            .collect();
        if after.len() < 3 {
            return None;
        }
        let early = after[after.len() / 3];
        let last = *after.last().expect("at least three");
        Some(last <= early + (early / 10).max(4 * 1024))
    }

    /// Zero lost, zero duplicate sends, zero dead letters.
    pub fn passed(&self) -> bool {
        self.lost == 0 && self.duplicate_sends == 0 && self.dead == 0
    }
}

/// Runs the soak.
pub async fn run(options: &SoakOptions) -> Result<SoakReport, Error> {
    let sandbox = super::sandbox().await?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let mut setup = Setup::new(
        &sandbox,
        format!("sqlite://{}", dir.path().join("soak.db").display()),
    );
    let (factory, next) = super::events();
    let start = Instant::now();
    let mut server = start_forwarder(&options.mode, &setup, dir.path()).await?;
    // Restarts come back on the same port, as a supervisor would bring them.
    setup.listen = server.addr();

    let mut report = SoakReport::default();
    let mut acked = BTreeSet::new();
    let mut retry: Vec<u64> = Vec::new();
    let tick = Duration::from_secs(1);
    let mut last_fault = Instant::now();
    let mut last_sample = Instant::now() - Duration::from_secs(60);
    let restart_at = options.duration / 2;
    let mut restarted = false;

    while start.elapsed() < options.duration {
        let second = Instant::now();
        if !restarted && start.elapsed() >= restart_at {
            report.restart_at = start.elapsed().as_secs();
            server = restart(server, &options.mode, &setup, dir.path()).await?;
            restarted = true;
        }
        if last_fault.elapsed() >= options.fault_every {
            let (name, fault) = random_fault();
            *report.faults.entry(name).or_default() += u64::from(fault.count);
            sandbox.impact().with_store(|s| s.faults.push(fault));
            last_fault = Instant::now();
        }
        if let Some(pid) = server.pid()
            && last_sample.elapsed() >= Duration::from_secs(5)
        {
            if let Some(kib) = rss::read_kib(pid, "VmRSS") {
                report.rss_samples.push((start.elapsed().as_secs(), kib));
            }
            last_sample = Instant::now();
        }

        // This second's traffic: new events, some redeliveries of acknowledged ones (Stripe
        // delivers at least once), and the ones not acknowledged before.
        let mut numbers: Vec<u64> = std::mem::take(&mut retry);
        let first_new = next.fetch_add(
            u64::from(options.rate),
            std::sync::atomic::Ordering::Relaxed,
        );
        numbers.extend(first_new..first_new + u64::from(options.rate));
        if let Some(&again) = acked.iter().nth(rand::random_range(0..acked.len().max(1))) {
            numbers.push(again);
        }
        let outcome = post_numbers(&server, &setup, &factory, &numbers).await;
        report.posts += numbers.len() as u64;
        for (n, ok) in numbers.into_iter().zip(outcome) {
            if ok {
                acked.insert(n);
            } else {
                report.unacknowledged_posts += 1;
                retry.push(n);
            }
        }
        if let Some(rest) = tick.checked_sub(second.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    // Stripe keeps redelivering what was not acknowledged.
    let deadline = Instant::now() + options.drain;
    while !retry.is_empty() && Instant::now() < deadline {
        let numbers: Vec<u64> = std::mem::take(&mut retry);
        let outcome = post_numbers(&server, &setup, &factory, &numbers).await;
        for (n, ok) in numbers.into_iter().zip(outcome) {
            if ok {
                acked.insert(n);
            } else {
                retry.push(n);
            }
        }
    }
    report.acknowledged = acked.len() as u64;

    // Wait until every acknowledged event has its conversion (or the drain ends).
    let wanted: BTreeSet<String> = acked.iter().map(|&n| factory.order_id(n)).collect();
    // What is still missing then is counted below, not an error here.
    let _ = eventually(
        "every acknowledged event's conversion",
        deadline.saturating_duration_since(Instant::now()),
        async || (count_missing(&sandbox, &wanted) == 0).then_some(()),
    )
    .await;
    // Let anything still in flight land, so that a duplicate would be seen.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, metrics) = http::get(server.admin_addr(), "/metrics").await?;
    report.dead = http::metric(&metrics, "clicktrail_dead_letters") as u64;
    report.elapsed = start.elapsed();
    server.stop().await?;

    report.lost = count_missing(&sandbox, &wanted);
    report.duplicate_sends = sandbox.impact().with_store(|s| {
        let mut per_key: BTreeMap<(String, String), u64> = BTreeMap::new();
        for r in s.records.iter().filter(|r| r.kind == Kind::Conversion) {
            let order = r.params.get("OrderId").cloned().unwrap_or_default();
            let tracker = r
                .params
                .get("EventTypeId")
                .or_else(|| r.params.get("ActionTrackerId"))
                .cloned()
                .unwrap_or_default();
            *per_key.entry((order, tracker)).or_default() += 1;
        }
        per_key.values().map(|n| n - 1).sum()
    });
    sandbox.shutdown().await;
    Ok(report)
}

async fn start_forwarder(
    mode: &Mode,
    setup: &Setup,
    dir: &std::path::Path,
) -> Result<Forwarder, Error> {
    match mode {
        Mode::Process(binary) => Forwarder::spawn(binary, setup, dir).await,
        Mode::InProcess => Forwarder::in_process(setup).await,
    }
}

async fn restart(
    server: Forwarder,
    mode: &Mode,
    setup: &Setup,
    dir: &std::path::Path,
) -> Result<Forwarder, Error> {
    match mode {
        Mode::Process(_) => server.kill().await,
        Mode::InProcess => server.stop().await?,
    }
    start_forwarder(mode, setup, dir).await
}

/// Posts each numbered event once, four connections at a time; whether each was acknowledged.
async fn post_numbers(
    server: &Forwarder,
    setup: &Setup,
    factory: &EventFactory,
    numbers: &[u64],
) -> Vec<bool> {
    let mut out = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(4) {
        let mut tasks = Vec::new();
        for &n in chunk {
            let load = Load {
                addr: server.addr(),
                path: "/webhooks/stripe".into(),
                secret: setup.secret.clone(),
                connections: 1,
                duration: Duration::from_secs(10),
                max_events: 1,
            };
            let factory = factory.clone();
            tasks.push(tokio::spawn(async move {
                let counter = Arc::new(AtomicU64::new(n));
                matches!(load::run(&load, &factory, &counter).await, Ok(r) if r.acknowledged == 1)
            }));
        }
        for task in tasks {
            out.push(task.await.unwrap_or(false));
        }
    }
    out
}

fn count_missing(sandbox: &Sandbox, wanted: &BTreeSet<String>) -> u64 {
    sandbox.impact().with_store(|s| {
        let seen: BTreeSet<&str> = s
            .records
            .iter()
            .filter(|r| r.kind == Kind::Conversion)
            .filter_map(|r| r.params.get("OrderId").map(String::as_str))
            .collect();
        wanted.iter().filter(|o| !seen.contains(o.as_str())).count() as u64
    })
}

/// One of the four faults, for one to three requests.
fn random_fault() -> (&'static str, Fault) {
    let count = rand::random_range(1..=3);
    let (name, kind, delay_ms, reset) = match rand::random_range(0..4) {
        0 => ("503", FaultKind::Unavailable, None, None),
        1 => ("429", FaultKind::RateLimited, None, Some(1)),
        2 => (
            "slow",
            FaultKind::Slow,
            Some(rand::random_range(200..1500)),
            None,
        ),
        _ => ("drop", FaultKind::Drop, None, None),
    };
    (
        name,
        Fault {
            kind,
            count,
            delay_ms,
            reset_after_secs: reset,
        },
    )
}
