//! What the account cases add to the service tests' bench: running the `clicktrail` binary,
//! configuration files with extra keys, the sandbox's webhook endpoints, and `serve` in process
//! with such a configuration.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clicktrail_forwarder::config::Config;
use clicktrail_test_support::ForwarderConfig;
use reqwest::Method;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::harness::Bench;

/// What a `clicktrail` run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `clicktrail` binary with `args`, without any `CLICKTRAIL_` configuration from the
/// environment of the test.
pub async fn clicktrail(args: &[&str]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_clicktrail"));
    command.args(args).env("RUST_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("CLICKTRAIL_") {
            command.env_remove(key);
        }
    }
    let out = command.output().await.expect("clicktrail runs");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Writes `config` into `dir` as `clicktrail.toml`; returns its path.
pub fn write_config(dir: &Path, config: &ForwarderConfig) -> PathBuf {
    let path = dir.join("clicktrail.toml");
    config.write(&path).unwrap();
    path
}

/// Every webhook endpoint of the sandbox account.
pub async fn endpoints(bench: &Bench) -> Vec<Value> {
    let list = bench
        .stripe(Method::GET, "/v1/webhook_endpoints?limit=100", &[])
        .await;
    list["data"].as_array().cloned().unwrap_or_default()
}

/// The endpoint delivering to `url`.
pub async fn endpoint_at(bench: &Bench, url: &str) -> Option<Value> {
    endpoints(bench).await.into_iter().find(|e| e["url"] == url)
}

/// Deletes the endpoint the bench registered for itself, for cases that register their own.
pub async fn delete_bench_endpoint(bench: &Bench) {
    let url = format!("http://{}/webhooks/stripe", bench.addr);
    let endpoint = endpoint_at(bench, &url)
        .await
        .expect("the bench's endpoint");
    let id = endpoint["id"].as_str().unwrap();
    bench
        .stripe(Method::DELETE, &format!("/v1/webhook_endpoints/{id}"), &[])
        .await;
}

/// Creates a webhook endpoint for the four handled events at `url`; returns its id.
pub async fn add_endpoint(bench: &Bench, url: &str) -> String {
    let created = bench
        .stripe(
            Method::POST,
            "/v1/webhook_endpoints",
            &[
                ("url", url),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "checkout.session.completed"),
                (
                    "enabled_events[]",
                    "checkout.session.async_payment_succeeded",
                ),
                ("enabled_events[]", "charge.refunded"),
            ],
        )
        .await;
    created["id"].as_str().unwrap().to_owned()
}

/// A loopback address whose listener closes every connection without an answer, for as long
/// as the test runs: a webhook endpoint whose deliveries all fail.
pub async fn unanswering_endpoint() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    addr
}

/// `serve` in process with a configuration text of the test's own.
pub struct Serving {
    /// The console (and `/metrics`).
    pub console_url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), clicktrail_forwarder::Error>>,
}

impl Serving {
    /// Starts it on a loopback port of its own (the configuration's `listen` is not used).
    pub async fn start(bench: &Bench, config: &ForwarderConfig) -> Self {
        let config = Config::from_toml_str(&config.to_toml()).expect("valid config");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listen = listener.local_addr().unwrap();
        let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let console_url = format!("http://{}", admin.local_addr().unwrap());
        let listeners = clicktrail_forwarder::serve::Listeners {
            public: listener,
            admin: Some(admin),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(clicktrail_forwarder::serve::run(config, listeners, async {
            let _ = stopped.await;
        }));
        let url = format!("http://{listen}");
        bench
            .eventually(
                Duration::from_secs(20),
                "the service is ready",
                async || {
                    let r = bench.http.get(format!("{url}/readyz")).send().await.ok()?;
                    (r.status() == 200).then_some(())
                },
            )
            .await;
        Self {
            console_url,
            stop,
            task,
        }
    }

    pub async fn metrics(&self, bench: &Bench) -> String {
        let r = bench
            .http
            .get(format!("{}/metrics", self.console_url))
            .send()
            .await
            .unwrap();
        r.text().await.unwrap()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("the service stops")
            .expect("no panic")
            .expect("stops without error");
    }
}
