//! The Stripe emulator driven by the official PyPI `stripe` package (a real, independent client):
//! customers, prices, subscriptions with metadata, idempotent replays, invoices, invoice payments,
//! refunds, webhook endpoints (the SDK sees `secret`), events paged with `auto_paging_iter`, and a
//! delivery verified with the SDK's `WebhookSignature.verify_header`.
//!
//! The peer is installed by `cargo xtask setup` into `<workspace>/.peers/venv` (or
//! `$CLICKTRAIL_PEERS_DIR/venv`); without it this test fails and says so.

mod common;

use std::path::PathBuf;

use common::{Stripe, sandbox};
use serde_json::Value;

fn python() -> PathBuf {
    let peers = std::env::var_os("CLICKTRAIL_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.peers")));
    let python = peers.join("venv/bin/python");
    assert!(
        python.exists(),
        "the Python Stripe SDK peer is missing at {}: run `cargo xtask setup`",
        python.display()
    );
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_against_the_sandbox() {
    let python = python();
    let sb = sandbox().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/stripe_sdk.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .env("SANDBOX_URL", sb.stripe_url())
        .env("SANDBOX_KEY", sb.secret_key())
        .kill_on_drop(true)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
    let summary: Value = serde_json::from_str(stdout.trim()).expect("a JSON summary");
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
        stripe.fetch("/v1/subscriptions").await["data"]
            .as_array()
            .unwrap()
            .len(),
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
