//! Intake: signed events posted at 1, 16 and 64 connections against the baseline, the forwarder
//! on SQLite (`synchronous = FULL`) and on PostgreSQL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use clicktrail_stripe::webhook::WebhookSecret;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::event::EventFactory;
use crate::forwarder::{self, Forwarder, Setup};
use crate::load::{self, Load, LoadReport};
use crate::{Error, rss};

/// Which server a row measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// (a) the bare axum handler that only verifies signatures.
    Baseline,
    /// (b) `clicktrail serve` on SQLite, `synchronous = FULL`.
    Sqlite,
    /// (c) `clicktrail serve` on PostgreSQL.
    Postgres,
    /// Diagnostic: (b) with `synchronous = NORMAL` (no disk sync per commit), to show what the
    /// sync costs.
    SqliteNormal,
}

impl Target {
    /// The table's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Baseline => "(a) baseline: axum + signature check",
            Self::Sqlite => "(b) clicktrail serve, SQLite FULL",
            Self::Postgres => "(c) clicktrail serve, PostgreSQL",
            Self::SqliteNormal => "diagnostic: (b) with SQLite NORMAL",
        }
    }
}

/// One measured level.
#[derive(Debug, Clone)]
pub struct IntakeRow {
    /// The server.
    pub target: Target,
    /// Connections.
    pub connections: usize,
    /// The load's result.
    pub load: LoadReport,
    /// The server's peak resident set so far (KiB).
    pub peak_rss_kib: Option<u64>,
}

/// The scenario's knobs.
#[derive(Debug, Clone)]
pub struct IntakeOptions {
    /// The `clicktrail` binary.
    pub binary: PathBuf,
    /// This binary (for the baseline server).
    pub bench_binary: PathBuf,
    /// How long each level runs.
    pub duration: Duration,
    /// Connection counts.
    pub levels: Vec<usize>,
    /// PostgreSQL base URL; `None` skips (c).
    pub postgres: Option<String>,
    /// Only the servers whose label contains this text.
    pub only: Option<String>,
}

impl IntakeOptions {
    fn runs(&self, target: Target) -> bool {
        self.only
            .as_deref()
            .is_none_or(|only| target.label().contains(only))
    }
}

/// Runs every target at every level.
pub async fn run(options: &IntakeOptions) -> Result<Vec<IntakeRow>, Error> {
    let (factory, next) = super::events();
    let mut rows = Vec::new();

    // (a) The baseline, in its own process so that its memory is measured alike.
    let secret = WebhookSecret::new(format!("whsec_base{:016x}", rand::random::<u64>()))
        .expect("a valid secret");
    let (mut child, addr) = spawn_baseline(&options.bench_binary, &secret).await?;
    let pid = child.id();
    let levels = if options.runs(Target::Baseline) {
        &options.levels[..]
    } else {
        &[]
    };
    for &connections in levels {
        let load = measure(addr, &secret, connections, options, &factory, &next).await?;
        rows.push(IntakeRow {
            target: Target::Baseline,
            connections,
            load,
            peak_rss_kib: pid.and_then(|p| rss::read_kib(p, "VmHWM")),
        });
    }
    let _ = child.kill().await;

    // (b) and (c).
    let sandbox = super::sandbox().await?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let mut targets = vec![(
        Target::Sqlite,
        format!("sqlite://{}", dir.path().join("intake.db").display()),
        None,
    )];
    let normal = (
        Target::SqliteNormal,
        format!("sqlite://{}", dir.path().join("normal.db").display()),
        None,
    );
    if let Some(base) = &options.postgres {
        let (url, schema) = forwarder::postgres_schema(base).await?;
        targets.push((Target::Postgres, url, Some((base.clone(), schema))));
    }
    targets.push(normal);
    targets.retain(|(target, _, _)| options.runs(*target));
    for (target, url, schema) in targets {
        let mut setup = Setup::new(&sandbox, url);
        setup.max_requests_per_hour = 1;
        if target == Target::SqliteNormal {
            setup.synchronous = "normal";
        }
        let server = Forwarder::spawn(&options.binary, &setup, dir.path()).await?;
        let pid = server.pid();
        let top = options.levels.iter().copied().max().unwrap_or(64);
        for &connections in &options.levels {
            if target == Target::SqliteNormal && connections != top {
                continue;
            }
            let load = measure(
                server.addr(),
                &setup.secret,
                connections,
                options,
                &factory,
                &next,
            )
            .await?;
            rows.push(IntakeRow {
                target,
                connections,
                load,
                peak_rss_kib: pid.and_then(|p| rss::read_kib(p, "VmHWM")),
            });
        }
        server.stop().await?;
        if let Some((base, schema)) = schema {
            forwarder::drop_postgres_schema(&base, &schema).await?;
        }
    }
    sandbox.shutdown().await;
    Ok(rows)
}

async fn measure(
    addr: SocketAddr,
    secret: &WebhookSecret,
    connections: usize,
    options: &IntakeOptions,
    factory: &EventFactory,
    next: &Arc<AtomicU64>,
) -> Result<LoadReport, Error> {
    let load = Load {
        addr,
        path: "/webhooks/stripe".into(),
        secret: secret.clone(),
        connections,
        duration: options.duration,
        max_events: u64::MAX / 2,
    };
    load::run(&load, factory, next).await
}

/// Starts `clicktrail-bench baseline-server` and reads its address.
async fn spawn_baseline(
    bench_binary: &PathBuf,
    secret: &WebhookSecret,
) -> Result<(Child, SocketAddr), Error> {
    let mut child = Command::new(bench_binary)
        .arg("baseline-server")
        .env("CLICKTRAIL_BENCH_SECRET", secret.expose())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Io(format!("cannot start the baseline: {e}")))?;
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next_line()
        .await
        .map_err(|e| Error::Io(e.to_string()))?
        .unwrap_or_default();
    let addr = first
        .strip_prefix("listening on http://")
        .and_then(|a| a.trim().parse().ok())
        .ok_or_else(|| Error::Forwarder(format!("baseline said {first:?}")))?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}
