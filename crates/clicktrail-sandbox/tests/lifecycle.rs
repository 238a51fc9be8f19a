//! Starting and stopping: ports, shutdown, drop, and the binary run by one command.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use clicktrail_sandbox::{Error, SandboxConfig, start};
use common::{Stripe, eventually, sandbox};

#[tokio::test]
async fn shutdown_closes_both_ports() {
    let sb = sandbox().await;
    let (stripe, impact) = (sb.stripe_url(), sb.impact_url());
    assert_ne!(sb.stripe_addr().port(), 0);
    assert_eq!(Stripe::new(&sb).get("/v1/customers").await.0, 200);
    sb.shutdown().await;
    assert!(
        reqwest::get(format!("{stripe}/v1/customers"))
            .await
            .is_err()
    );
    assert!(
        reqwest::get(format!("{impact}/_sandbox/records"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn dropping_the_handle_stops_the_sandbox() {
    let sb = sandbox().await;
    let url = format!("{}/v1/customers", sb.stripe_url());
    drop(sb);
    eventually(Duration::from_secs(5), "the port to close", || {
        let url = url.clone();
        async move { reqwest::get(url).await.is_err().then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn a_taken_port_is_a_typed_error() {
    let sb = sandbox().await;
    let config = SandboxConfig {
        stripe_addr: sb.stripe_addr(),
        ..SandboxConfig::ephemeral()
    };
    let err = start(config).await.unwrap_err();
    assert!(
        matches!(err, Error::Bind { addr, .. } if addr == sb.stripe_addr()),
        "{err}"
    );
    let mut config = SandboxConfig::ephemeral();
    config.stripe.delivery_retry_scale = f64::NAN;
    assert!(matches!(start(config).await.unwrap_err(), Error::Config(_)));
}

#[test]
fn the_binary_runs_by_one_command_and_prints_its_urls() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clicktrail-sandbox"))
        .args([
            "--stripe-addr",
            "127.0.0.1:0",
            "--impact-addr",
            "127.0.0.1:0",
        ])
        .args([
            "--restricted-key",
            "rk_test_cli123456=customers:read",
            "--delivery-retry-scale",
            "0.01",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let stripe_line = lines.next().unwrap().unwrap();
    let impact_line = lines.next().unwrap().unwrap();
    assert!(stripe_line.contains("sk_test_sandbox"), "{stripe_line}");
    let url = |line: &str| {
        line.split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_owned()
    };
    let (stripe, impact) = (url(&stripe_line), url(&impact_line));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let ok = client
            .get(format!("{stripe}/v1/customers"))
            .bearer_auth("sk_test_sandbox")
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let restricted = client
            .get(format!("{stripe}/v1/subscriptions"))
            .bearer_auth("rk_test_cli123456")
            .send()
            .await
            .unwrap();
        assert_eq!(restricted.status(), 403);
        let records = client
            .get(format!("{impact}/_sandbox/records"))
            .send()
            .await
            .unwrap();
        assert_eq!(records.status(), 200);
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_clicktrail-sandbox"))
        .args(["--restricted-key", "rk_test_x=unicorns:read"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown resource"));
}

#[tokio::test]
async fn debug_output_never_shows_keys_or_secrets() {
    let mut config = SandboxConfig::ephemeral();
    config.stripe.secret_keys = vec!["sk_test_topsecret_value".into()];
    config.stripe.restricted_keys = vec!["rk_test_hidden_value=customers:read".parse().unwrap()];
    config.impact.auth_token = "impact-token-value".into();
    let sb = start(config.clone()).await.unwrap();
    let stripe = Stripe::new(&sb);
    let key = "idem-secret";
    let (_, endpoint, _) = stripe
        .post_idempotent(
            "/v1/webhook_endpoints",
            key,
            &[("url", "https://x.io/h"), ("enabled_events[]", "*")],
        )
        .await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    for shown in [format!("{config:?}"), format!("{sb:?}")] {
        for hidden in [
            "sk_test_topsecret_value",
            "rk_test_hidden_value",
            "impact-token-value",
            secret.as_str(),
        ] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
    }
}
