//! The forwarder under test: its configuration, and the service started either as the real
//! `clicktrail serve` process (benchmarks, `cargo xtask soak`) or in this process (the CI soak,
//! which cannot rely on the binary being built).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use clicktrail_forwarder::config::Config;
use clicktrail_sandbox::Sandbox;
use clicktrail_stripe::webhook::WebhookSecret;
use clicktrail_test_support::ForwarderConfig;
use sqlx::Executor;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{Error, http};

/// What differs between runs of the forwarder.
#[derive(Debug, Clone)]
pub struct Setup {
    /// `listen` (port 0 picks one).
    pub listen: SocketAddr,
    /// `database_url`.
    pub database_url: String,
    /// `sqlite_synchronous`: `full` unless a run says otherwise.
    pub synchronous: &'static str,
    /// The impact.com emulator.
    pub impact_url: String,
    /// The Stripe emulator and its secret key.
    pub stripe_url: String,
    /// The Stripe key.
    pub stripe_key: String,
    /// The webhook signing secret.
    pub secret: WebhookSecret,
    /// `worker.concurrency`.
    pub worker_concurrency: usize,
    /// `worker.max_requests_per_hour` (0: no cap). Intake runs set 1 so that the worker stays out
    /// of the way and the numbers measure the intake; delivery is measured on its own.
    pub max_requests_per_hour: u32,
    /// Every wait of the retry schedule (short, so that retries happen within a run).
    pub retry_wait: &'static str,
    /// `worker.lease`: how long a killed process's jobs stay out of the queue.
    pub lease: &'static str,
}

impl Setup {
    /// A setup against `sandbox`, on `database_url`, with a fresh signing secret.
    pub fn new(sandbox: &Sandbox, database_url: String) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            synchronous: "full",
            impact_url: sandbox.impact_url(),
            stripe_url: sandbox.stripe_url(),
            stripe_key: sandbox.secret_key().to_owned(),
            secret: WebhookSecret::new(format!("whsec_bench{:016x}", rand::random::<u64>()))
                .expect("a valid secret"),
            worker_concurrency: 16,
            max_requests_per_hour: 0,
            retry_wait: "200ms",
            lease: "10s",
        }
    }

    /// The configuration file's text.
    pub fn config_text(&self) -> String {
        ForwarderConfig::new()
            .listen(self.listen)
            .database_url(&self.database_url)
            .sqlite_synchronous(self.synchronous)
            .impact_api_base(&self.impact_url)
            .refund_delay("0s")
            .click_id_wait("0s")
            .stripe_api_key(&self.stripe_key)
            .webhook_secrets([self.secret.expose()])
            .stripe_api_base(&self.stripe_url)
            .worker_concurrency(self.worker_concurrency)
            .max_requests_per_hour(self.max_requests_per_hour)
            .poll_interval("100ms")
            .lease(self.lease)
            .shutdown_grace("3s")
            .request_timeout("5s")
            .retry_schedule([self.retry_wait; 9])
            .to_toml()
    }
}

/// A fresh PostgreSQL schema on `base` and the URL that uses it.
pub async fn postgres_schema(base: &str) -> Result<(String, String), Error> {
    let schema = format!("bench_{:016x}", rand::random::<u64>());
    let pool = sqlx::PgPool::connect(base)
        .await
        .map_err(|e| Error::Database(format!("PostgreSQL at {base}: {e}")))?;
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .map_err(|e| Error::Database(e.to_string()))?;
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok((
        format!("{base}{sep}options=-c%20search_path%3D{schema}"),
        schema,
    ))
}

/// Drops a schema made by [`postgres_schema`].
pub async fn drop_postgres_schema(base: &str, schema: &str) -> Result<(), Error> {
    let pool = sqlx::PgPool::connect(base)
        .await
        .map_err(|e| Error::Database(e.to_string()))?;
    pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .map_err(|e| Error::Database(e.to_string()))?;
    pool.close().await;
    Ok(())
}

/// A running forwarder.
#[derive(Debug)]
pub enum Forwarder {
    /// `clicktrail serve` as a child process.
    Process {
        /// The child.
        child: Child,
        /// Where it listens.
        addr: SocketAddr,
        /// Where its console and `/metrics` are.
        admin: SocketAddr,
    },
    /// `serve::run` on this process's runtime.
    InProcess {
        /// Completing it shuts the service down gracefully, as SIGTERM does.
        stop: oneshot::Sender<()>,
        /// The service.
        task: JoinHandle<Result<(), clicktrail_forwarder::Error>>,
        /// Where it listens.
        addr: SocketAddr,
        /// Where its console and `/metrics` are.
        admin: SocketAddr,
    },
}

impl Forwarder {
    /// Starts `binary serve --config <dir>/clicktrail.toml`, its logs appended to
    /// `<dir>/forwarder.log`, and waits until `/readyz` answers.
    pub async fn spawn(binary: &Path, setup: &Setup, dir: &Path) -> Result<Self, Error> {
        let config = dir.join("clicktrail.toml");
        std::fs::write(&config, setup.config_text()).map_err(|e| Error::Io(e.to_string()))?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("forwarder.log"))
            .map_err(|e| Error::Io(e.to_string()))?;
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Io(format!("cannot start {}: {e}", binary.display())))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .map_err(|_| Error::Forwarder("no `listening on` line within 30 s".into()))?
            .map_err(|e| Error::Io(e.to_string()))?
            .ok_or_else(|| {
                Error::Forwarder(format!(
                    "clicktrail serve exited at start; see {}",
                    dir.join("forwarder.log").display()
                ))
            })?;
        let addr: SocketAddr = first
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| Error::Forwarder(format!("unexpected first line {first:?}")))?;
        let second = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .map_err(|_| Error::Forwarder("no `console on` line within 30 s".into()))?
            .map_err(|e| Error::Io(e.to_string()))?
            .unwrap_or_default();
        let admin: SocketAddr = second
            .trim()
            .strip_prefix("console on http://")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| Error::Forwarder(format!("unexpected second line {second:?}")))?;
        // Keep draining stdout so that a later line never meets a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        http::wait_ok(addr, "/readyz", Duration::from_secs(30)).await?;
        Ok(Self::Process { child, addr, admin })
    }

    /// Starts the service in this process on `setup.listen` and waits until it is ready.
    pub async fn in_process(setup: &Setup) -> Result<Self, Error> {
        let config = Config::from_toml_str(&setup.config_text())
            .map_err(|e| Error::Forwarder(e.to_string()))?;
        let listener = TcpListener::bind(setup.listen)
            .await
            .map_err(|e| Error::Io(format!("cannot listen on {}: {e}", setup.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Io(e.to_string()))?;
        let admin_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Io(format!("cannot listen for the console: {e}")))?;
        let admin = admin_listener
            .local_addr()
            .map_err(|e| Error::Io(e.to_string()))?;
        let listeners = clicktrail_forwarder::serve::Listeners {
            public: listener,
            admin: Some(admin_listener),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(clicktrail_forwarder::serve::run(config, listeners, async {
            let _ = stopped.await;
        }));
        http::wait_ok(addr, "/readyz", Duration::from_secs(30)).await?;
        Ok(Self::InProcess {
            stop,
            task,
            addr,
            admin,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Self::Process { addr, .. } | Self::InProcess { addr, .. } => *addr,
        }
    }

    /// Where its console and `/metrics` are.
    pub fn admin_addr(&self) -> SocketAddr {
        match self {
            Self::Process { admin, .. } | Self::InProcess { admin, .. } => *admin,
        }
    }

    /// The process id (`None` in process).
    pub fn pid(&self) -> Option<u32> {
        match self {
            Self::Process { child, .. } => child.id(),
            Self::InProcess { .. } => None,
        }
    }

    /// Kills it at once: SIGKILL for a process; in process, the task is aborted.
    pub async fn kill(self) {
        match self {
            Self::Process { mut child, .. } => {
                let _ = child.kill().await;
            }
            Self::InProcess { task, .. } => {
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Stops it gracefully (SIGTERM, or the shutdown signal in process) and waits for the end.
    pub async fn stop(self) -> Result<(), Error> {
        match self {
            Self::Process { mut child, .. } => {
                if let Some(pid) = child.id() {
                    let _ = std::process::Command::new("kill")
                        .args(["-TERM", &pid.to_string()])
                        .status();
                }
                let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
                    .await
                    .map_err(|_| Error::Forwarder("did not stop within 30 s of SIGTERM".into()))?
                    .map_err(|e| Error::Io(e.to_string()))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(Error::Forwarder(format!(
                        "exited with {status} after SIGTERM"
                    )))
                }
            }
            Self::InProcess { stop, task, .. } => {
                let _ = stop.send(());
                match tokio::time::timeout(Duration::from_secs(30), task).await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(e))) => Err(Error::Forwarder(e.to_string())),
                    Ok(Err(e)) => Err(Error::Forwarder(format!("the service task failed: {e}"))),
                    Err(_) => Err(Error::Forwarder("did not stop within 30 s".into())),
                }
            }
        }
    }
}

/// The `clicktrail` binary next to this one (both built into the same target folder), or
/// `CLICKTRAIL_BIN`.
pub fn default_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CLICKTRAIL_BIN") {
        return PathBuf::from(path);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("clicktrail")))
        .unwrap_or_else(|| PathBuf::from("clicktrail"))
}
