//! The Stripe emulator driven by the official SDKs, real and independent clients:
//! - PyPI `stripe`: customers, prices, subscriptions with metadata, idempotent replays, invoices,
//!   invoice payments, refunds, webhook endpoints (the SDK sees `secret`), events paged with
//!   `auto_paging_iter`, and a delivery verified with `WebhookSignature.verify_header`;
//! - npm `stripe`: checkout in subscription mode, a delivery verified with
//!   `webhooks.constructEvent`, a restricted key's `StripePermissionError`, async auto-pagination.
//!
//! The peers are installed by `cargo xtask setup` into `<workspace>/.peers` (or
//! `$CLICKTRAIL_PEERS_DIR`); without them these tests fail and say so.

mod common;

use std::path::PathBuf;

use common::{Stripe, sandbox};
use serde_json::Value;

fn peers() -> PathBuf {
    std::env::var_os("CLICKTRAIL_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.peers")))
}

fn python() -> PathBuf {
    let python = peers().join("venv/bin/python");
    assert!(
        python.exists(),
        "the Python Stripe SDK peer is missing at {}: run `cargo xtask setup`",
        python.display()
    );
    python
}

/// Runs an SDK peer script (`what` names the runtime in the failure message) and parses the JSON
/// summary it prints; fails with the script's output if it does not succeed.
async fn run_peer(mut command: tokio::process::Command, what: &str) -> Value {
    let output = command.output().await.expect(what);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
    serde_json::from_str(stdout.trim()).expect("a JSON summary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_against_the_sandbox() {
    let python = python();
    let sb = sandbox().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/stripe_sdk.py");
    let mut command = tokio::process::Command::new(python);
    command
        .arg(script)
        .env("SANDBOX_URL", sb.stripe_url())
        .env("SANDBOX_KEY", sb.secret_key())
        .kill_on_drop(true);
    let summary = run_peer(command, "python runs").await;
    assert_eq!(summary["verified"].as_array().unwrap().len(), 2);
    // What the SDK created is what the emulator holds.
    let stripe = Stripe::new(&sb);
    let sub = stripe
        .fetch(&format!(
            "/v1/subscriptions/{}",
            summary["subscription"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sub["metadata"]["impact_click_id"], "XYZ");
    assert_eq!(sub["latest_invoice"], summary["invoice"]);
    assert_eq!(
        stripe.count("/v1/subscriptions").await,
        1,
        "the replay created nothing"
    );
    let deliveries: Value = reqwest::get(format!("{}/_sandbox/deliveries", sb.stripe_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["success"] == true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_node_sdk_works_against_the_sandbox() {
    let modules = peers().join("node/node_modules");
    assert!(
        modules.join("stripe").exists(),
        "the npm Stripe SDK peer is missing at {}: run `cargo xtask setup`",
        modules.display()
    );
    let mut config = clicktrail_sandbox::SandboxConfig::ephemeral();
    config.stripe.restricted_keys = vec!["rk_test_node_reader=customers:read".parse().unwrap()];
    let sb = common::sandbox_with(config).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/stripe_sdk.js");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(script)
        .env("NODE_PATH", &modules)
        .env("SANDBOX_URL", sb.stripe_url())
        .env("SANDBOX_KEY", sb.secret_key())
        .env("RESTRICTED_KEY", "rk_test_node_reader")
        .kill_on_drop(true);
    let summary = run_peer(command, "node runs (install Node.js 18+)").await;
    let stripe = Stripe::new(&sb);
    let session = stripe
        .fetch(&format!(
            "/v1/checkout/sessions/{}",
            summary["session"].as_str().unwrap()
        ))
        .await;
    assert_eq!(session["subscription"], summary["subscription"]);
    assert_eq!(session["status"], "complete");
}
