//! The builder's output against the forwarder's own loader: every method sets a key the loader
//! accepts, to the value the loader reads back.

use std::time::Duration;

use clicktrail_forwarder::config::{Config, Synchronous, Trial};
use clicktrail_test_support::{ForwarderConfig, SANDBOX_ACCOUNT_SID};

#[test]
fn the_defaults_load() {
    let config = Config::from_toml_str(&ForwarderConfig::new().to_toml()).expect("loads");
    assert_eq!(config.impact.account_sid.as_str(), SANDBOX_ACCOUNT_SID);
    assert!(config.stripe.is_some());
}

#[test]
fn every_method_sets_a_key_the_loader_reads() {
    let dir = std::env::temp_dir();
    let builder = ForwarderConfig::new()
        .header("Written by a test.")
        .listen("127.0.0.1:4242")
        .sqlite_file(&dir.join("support.db"))
        .sqlite_synchronous("normal")
        .impact_account_sid("IRother00000000000000000000000001")
        .impact_auth_token("token-\"quoted\"")
        .one_time_event_type_id("2002")
        .impact_api_base("http://127.0.0.1:1")
        .comment("A comment above a key.")
        .refund_delay("2s")
        .trial("first-payment")
        .click_id_wait("0s")
        .stripe_api_key("sk_test_other")
        .webhook_secrets(["whsec_one", "whsec_two"])
        .stripe_api_base("http://127.0.0.1:2")
        .worker_concurrency(7)
        .max_requests_per_hour(9)
        .poll_interval("50ms")
        .lease("10s")
        .shutdown_grace("3s")
        .request_timeout("5s")
        .retry_schedule(["100ms"; 9])
        .reconcile_interval("300ms")
        .set("intake", "batch_max", "64");
    let text = builder.to_toml();
    let config = Config::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(config.listen.to_string(), "127.0.0.1:4242");
    assert_eq!(
        config.database_url.expose(),
        format!("sqlite://{}", dir.join("support.db").display())
    );
    assert_eq!(
        config.impact.account_sid.as_str(),
        "IRother00000000000000000000000001"
    );
    assert_eq!(config.impact.auth_token.expose(), "token-\"quoted\"");
    assert_eq!(
        config
            .impact
            .one_time_event_type_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("2002")
    );
    assert_eq!(config.impact.api_base.as_str(), "http://127.0.0.1:1");
    assert_eq!(config.rules.refund_delay, Duration::from_secs(2));
    assert_eq!(config.rules.click_id_wait, Duration::ZERO);
    assert_eq!(config.rules.trial, Trial::FirstPayment);
    assert_eq!(config.sqlite_synchronous, Synchronous::Normal);
    let stripe = config.stripe.as_ref().expect("[stripe]");
    assert_eq!(stripe.api_key.expose(), "sk_test_other");
    let secrets: Vec<&str> = stripe.webhook_secrets.iter().map(|s| s.expose()).collect();
    assert_eq!(secrets, ["whsec_one", "whsec_two"]);
    assert_eq!(stripe.api_base.as_str(), "http://127.0.0.1:2");
    assert_eq!(config.worker.concurrency, 7);
    assert_eq!(config.worker.max_requests_per_hour, 9);
    assert_eq!(config.worker.poll_interval, Duration::from_millis(50));
    assert_eq!(config.worker.lease, Duration::from_secs(10));
    assert_eq!(config.worker.shutdown_grace, Duration::from_secs(3));
    assert_eq!(config.worker.request_timeout, Duration::from_secs(5));
    assert_eq!(
        config.worker.retry_schedule,
        [Duration::from_millis(100); 9]
    );
    assert_eq!(config.reconcile.interval, Duration::from_millis(300));
    assert_eq!(config.intake.batch_max, 64);
}

#[test]
fn the_written_file_loads_with_config_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clicktrail.toml");
    ForwarderConfig::new()
        .listen("127.0.0.1:0")
        .write(&path)
        .unwrap();
    let config = Config::load(&path).expect("loads");
    assert_eq!(config.listen.port(), 0);
}
