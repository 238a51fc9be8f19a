//! `clicktrail setup`, `check`, `backfill` and the reconcile loop of `serve`, against the
//! sandbox's Stripe and impact.com emulators, through the `clicktrail` binary (its output and
//! exit codes) and the service in process, on the service cases' bench.

mod tools;

use std::sync::Arc;
use std::time::Duration;

use clicktrail_forwarder::intake::Intake;
use clicktrail_forwarder::metrics::Metrics;
use clicktrail_forwarder::store::Source;
use clicktrail_sandbox::SandboxConfig;
use clicktrail_stripe::client::API_VERSION;
use clicktrail_test_support::ForwarderConfig;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::Notify;

use crate::harness::{Bench, Db, Options};
use tools::{
    Serving, add_endpoint, clicktrail, delete_bench_endpoint, endpoint_at, endpoints,
    unanswering_endpoint, write_config,
};

const WAIT: Duration = Duration::from_secs(30);

const HANDLED: [&str; 5] = [
    "invoice.paid",
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "charge.refunded",
    "charge.dispute.closed",
];

fn events_of(endpoint: &Value) -> Vec<String> {
    endpoint["enabled_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

/// 16 endpoints and none at our URL: exit code 2, the 16 listed, nothing created.
pub async fn setup_refuses_a_full_account_with_the_list() {
    let bench = Bench::new(Db::Sqlite).await;
    for i in 1..16 {
        add_endpoint(&bench, &format!("https://other{i}.example/hooks")).await;
    }
    let before = endpoints(&bench).await;
    assert_eq!(before.len(), 16);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &bench.config(&Options::default()));
    let run = clicktrail(&[
        "setup",
        "--url",
        "https://shop.example/webhooks/stripe",
        "--config",
        config.to_str().unwrap(),
    ])
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("16 webhook endpoints"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Delete one first"), "{}", run.stderr);
    for endpoint in &before {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(endpoint["id"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("{} not listed in\n{}", endpoint["id"], run.stderr));
        assert!(line.contains(endpoint["url"].as_str().unwrap()), "{line}");
        assert!(line.contains(&events_of(endpoint).join(",")), "{line}");
    }
    assert_eq!(endpoints(&bench).await.len(), 16);
    bench.finish().await;
}

/// A dry run changes nothing; the first run creates one endpoint, pinned and marked, and keeps
/// its secret; the second run changes nothing.
pub async fn setup_creates_one_endpoint_then_changes_nothing(db: Db) {
    let bench = Bench::new(db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &bench.config(&Options::default()));
    let config = config.to_str().unwrap();
    let url = "https://shop.example/webhooks/stripe";
    let setup = |extra: &'static [&'static str]| {
        let mut args = vec!["setup", "--url", url, "--config", config];
        args.extend_from_slice(extra);
        async move { clicktrail(&args).await }
    };

    let dry = setup(&["--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("would create a webhook endpoint for https://shop.example/webhooks/stripe"),
        "{}",
        dry.stdout
    );
    assert_eq!(endpoints(&bench).await.len(), 1);

    let first = setup(&[]).await;
    assert_eq!(first.code, 0, "{first:?}");
    let endpoint = endpoint_at(&bench, url).await.expect("created");
    let id = endpoint["id"].as_str().unwrap();
    assert!(
        first
            .stdout
            .contains(&format!("created webhook endpoint {id}")),
        "{}",
        first.stdout
    );
    assert_eq!(events_of(&endpoint), HANDLED);
    assert_eq!(endpoint["api_version"], API_VERSION);
    assert_eq!(endpoint["metadata"]["managed_by"], "clicktrail");
    assert!(
        endpoint["description"]
            .as_str()
            .unwrap()
            .contains("clicktrail")
    );
    assert!(
        first.stdout.contains("kept in the database"),
        "{}",
        first.stdout
    );
    if db == Db::Sqlite {
        assert!(first.stdout.contains("clicktrail.db"), "{}", first.stdout);
    }
    let secret = bench.sandbox.stripe().read(|s| {
        s.webhook_endpoints
            .get(id)
            .expect("in the sandbox")
            .secret
            .clone()
    });
    for text in [&first.stdout, &first.stderr] {
        assert!(
            !text.contains(&secret) && !text.contains("whsec_"),
            "{text}"
        );
    }
    let store = bench.store().await;
    assert_eq!(
        store.webhook_secrets().await.unwrap(),
        std::slice::from_ref(&secret)
    );
    assert_eq!(
        store.webhook_secret_endpoints().await.unwrap(),
        [id.to_owned()]
    );

    let second = setup(&[]).await;
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .stdout
            .starts_with(&format!("nothing to change: webhook endpoint {id}")),
        "{}",
        second.stdout
    );
    assert!(
        !second.stdout.contains("not in the database"),
        "{}",
        second.stdout
    );
    assert_eq!(endpoints(&bench).await.len(), 2);
    assert_eq!(events_of(&endpoint_at(&bench, url).await.unwrap()), HANDLED);
    assert_eq!(store.webhook_secrets().await.unwrap(), [secret]);
    store.close().await;
    bench.finish().await;
}

/// The endpoint at the URL lacks events: they are added, the others kept; a second run changes
/// nothing.
pub async fn setup_adds_missing_events_and_keeps_the_others(db: Db) {
    let bench = Bench::new(db).await;
    let url = format!("http://{}/webhooks/stripe", bench.addr);
    let existing = endpoint_at(&bench, &url).await.unwrap();
    let id = existing["id"].as_str().unwrap().to_owned();
    bench
        .stripe(
            Method::POST,
            &format!("/v1/webhook_endpoints/{id}"),
            &[
                ("enabled_events[]", "customer.created"),
                ("enabled_events[]", "invoice.paid"),
            ],
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &bench.config(&Options::default()));
    let args = ["setup", "--url", &url, "--config", config.to_str().unwrap()];

    let run = clicktrail(&args).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("updated webhook endpoint {id}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("added events: checkout.session.completed, checkout.session.async_payment_succeeded, charge.refunded"),
        "{}",
        run.stdout
    );
    // The bench made this endpoint itself: its secret is in the configuration, not the database.
    assert!(run.stdout.contains("not in the database"), "{}", run.stdout);
    let updated = endpoint_at(&bench, &url).await.unwrap();
    assert_eq!(updated["id"], id.as_str());
    let mut events = events_of(&updated);
    events.sort();
    let mut expected: Vec<String> = HANDLED.iter().map(|e| (*e).to_owned()).collect();
    expected.push("customer.created".into());
    expected.sort();
    assert_eq!(events, expected);

    let again = clicktrail(&args).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.starts_with("nothing to change"),
        "{}",
        again.stdout
    );
    assert_eq!(endpoints(&bench).await.len(), 1);
    bench.finish().await;
}

/// Plain http to a host that is not loopback is refused before anything is called.
pub async fn setup_refuses_plain_http_to_a_public_host() {
    let run = clicktrail(&[
        "setup",
        "--url",
        "http://shop.example/webhooks/stripe",
        "--config",
        "/nonexistent/clicktrail.toml",
    ])
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("plain http") && run.stderr.contains("https://"),
        "{}",
        run.stderr
    );
}

/// `serve` runs; `setup` creates the endpoint and stores its secret; the sandbox's delivery,
/// signed with that secret, is verified by the running service and leads to a conversion; a
/// restarted service reads the secret at start.
pub async fn setup_secret_is_accepted_by_a_running_serve(db: Db) {
    let mut bench = Bench::new(db).await;
    delete_bench_endpoint(&bench).await;
    let process = bench.spawn(&Options::default()).await;
    let listen = process.addr;

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &bench.config(&Options::default()));
    let url = format!("http://{listen}/webhooks/stripe");
    let run = clicktrail(&["setup", "--url", &url, "--config", config.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{run:?}");

    let invoice = bench.subscribe(2900, "click-setup-1").await;
    let records = bench
        .eventually(WAIT, "the conversion", async || {
            let r = bench.records_for("conversion", &invoice).await;
            (!r.is_empty()).then_some(r)
        })
        .await;
    assert_eq!(records[0]["params"]["ClickId"], "click-setup-1");
    process.terminate().await;

    let process = bench.respawn(&Options::default(), listen).await;
    let invoice = bench.subscribe(3900, "click-setup-2").await;
    bench
        .eventually(WAIT, "the conversion after a restart", async || {
            (!bench.records_for("conversion", &invoice).await.is_empty()).then_some(())
        })
        .await;
    // Every delivery to the new endpoint was accepted at the first attempt.
    let deliveries: Value = bench
        .http
        .get(format!(
            "{}/_sandbox/deliveries",
            bench.sandbox.stripe_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: Vec<&Value> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["url"] == url.as_str())
        .collect();
    assert_eq!(ours.len(), 2, "{deliveries}");
    assert!(ours.iter().all(|d| d["success"] == true), "{deliveries}");
    process.terminate().await;
    bench.finish().await;
}

/// A restricted key without subscription read: `check` names `rak_subscription_read` and exits
/// with 1. A read-only key passes, showing write access to webhook endpoints as needed by setup.
/// The secret key passes with every line ok. A wrong impact.com token fails.
pub async fn check_names_missing_permissions_and_passes_with_a_full_key() {
    let reads = "customers:read,invoices:read,invoice_payments:read,charges:read,\
                 checkout_sessions:read,events:read";
    let mut config = SandboxConfig::ephemeral();
    config.stripe.restricted_keys = vec![
        format!("rk_test_nosubs={reads},webhook_endpoints:write")
            .parse()
            .unwrap(),
        format!("rk_test_readonly={reads},subscriptions:read,webhook_endpoints:read")
            .parse()
            .unwrap(),
    ];
    let sandbox = clicktrail_sandbox::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let check = |key: &str, token: &str| {
        let path = dir.path().join(format!("{key}-{token}.toml"));
        ForwarderConfig::new()
            .sqlite_file(&dir.path().join("unused.db"))
            .impact_auth_token(token)
            .impact_api_base(&sandbox.impact_url())
            .stripe_api_key(key)
            .stripe_api_base(&sandbox.stripe_url())
            .write(&path)
            .unwrap();
        async move { clicktrail(&["check", "--config", path.to_str().unwrap()]).await }
    };
    let line = |stdout: &str, what: &str| -> String {
        stdout
            .lines()
            .find(|l| l.starts_with(what))
            .unwrap_or_else(|| panic!("no line for {what} in\n{stdout}"))
            .to_owned()
    };

    let missing = check("rk_test_nosubs", "sandbox-token").await;
    assert_eq!(missing.code, 1, "{missing:?}");
    let subs = line(&missing.stdout, "Stripe: read subscriptions");
    assert!(
        subs.contains("MISSING") && subs.contains("rak_subscription_read"),
        "{subs}"
    );
    assert!(
        line(&missing.stdout, "Stripe: read events").contains(" ok "),
        "{}",
        missing.stdout
    );
    assert!(
        line(&missing.stdout, "Stripe: write webhook endpoints").contains(" ok "),
        "{}",
        missing.stdout
    );
    assert!(
        missing.stdout.contains("check failed"),
        "{}",
        missing.stdout
    );

    let read_only = check("rk_test_readonly", "sandbox-token").await;
    assert_eq!(read_only.code, 0, "{read_only:?}");
    let write = line(&read_only.stdout, "Stripe: write webhook endpoints");
    assert!(
        write.contains("missing (needed by setup)") && write.contains("rak_webhook_endpoint_write"),
        "{write}"
    );

    let full = check(sandbox.secret_key(), "sandbox-token").await;
    assert_eq!(full.code, 0, "{full:?}");
    let results: Vec<&str> = full.stdout.lines().skip(1).take(10).collect();
    assert_eq!(results.len(), 10, "{}", full.stdout);
    assert!(
        results.iter().all(|l| l.contains(" ok ")),
        "{}",
        full.stdout
    );
    assert!(
        full.stdout.contains("impact.com: credentials of IRsandbox"),
        "{}",
        full.stdout
    );

    let bad_token = check(sandbox.secret_key(), "wrong-token").await;
    assert_eq!(bad_token.code, 1, "{bad_token:?}");
    assert!(
        line(&bad_token.stdout, "impact.com").contains("refused the Account SID or the Auth Token"),
        "{}",
        bad_token.stdout
    );
    for run in [&missing, &read_only, &full, &bad_token] {
        assert!(
            !run.stdout.contains("sandbox-token") && !run.stdout.contains("sk_test_sandbox"),
            "{}",
            run.stdout
        );
    }
    sandbox.shutdown().await;
}

/// 250 `invoice.paid` events across pages, 40 of them already stored: 210 new, 40 known; again:
/// nothing new.
pub async fn backfill_ingests_only_what_is_missing(db: Db) {
    let bench = Bench::new(db).await;
    delete_bench_endpoint(&bench).await;
    let customer = bench
        .stripe(
            Method::POST,
            "/v1/customers",
            &[("email", "many@example.com")],
        )
        .await;
    let price = bench
        .stripe(
            Method::POST,
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "1000"),
                ("recurring[interval]", "month"),
                ("product_data[name]", "Basic"),
            ],
        )
        .await;
    for i in 0..250 {
        let click = format!("click-backfill-{i}");
        bench
            .stripe(
                Method::POST,
                "/v1/subscriptions",
                &[
                    ("customer", customer["id"].as_str().unwrap()),
                    ("items[0][price]", price["id"].as_str().unwrap()),
                    ("metadata[impact_click_id]", &click),
                ],
            )
            .await;
    }
    // 40 of them reach the store the way a webhook would have brought them.
    let page = bench
        .stripe(Method::GET, "/v1/events?type=invoice.paid&limit=40", &[])
        .await;
    let first40 = page["data"].as_array().unwrap();
    assert_eq!(first40.len(), 40);
    let store = bench.store().await;
    let (intake, committers) = Intake::start(
        store.clone(),
        16,
        Arc::new(Notify::new()),
        Arc::new(Metrics::default()),
    );
    for event in first40 {
        intake
            .ingest(event.to_string().as_bytes(), Source::Webhook)
            .await
            .unwrap();
    }
    drop(intake);
    for c in committers {
        c.await.unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &bench.config(&Options::default()));
    let args = [
        "backfill",
        "--since",
        "1h",
        "--config",
        config.to_str().unwrap(),
    ];
    let dry = clicktrail(&[&args[..], &["--dry-run"]].concat()).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("dry run: 250 events, 40 already stored, 210 to ingest"),
        "{}",
        dry.stdout
    );
    assert_eq!(store.event_count().await.unwrap(), 40);

    let run = clicktrail(&args).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("backfill: 250 events: 210 new, 40 already known, 0 ignored"),
        "{}",
        run.stdout
    );
    // Not a terminal: plain progress lines, one per page read.
    for n in [100, 200, 250] {
        assert!(
            run.stderr.contains(&format!("day 1/1: {n} events read")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(store.event_count().await.unwrap(), 250);
    let jobs = store.jobs(None, 1000).await.unwrap();
    assert_eq!(jobs.len(), 250);
    // The 210 were ingested oldest first: job ids follow Stripe's order of the events.
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = bench
            .stripe(
                Method::GET,
                &format!("/v1/events?type=invoice.paid&limit=100{cursor}"),
                &[],
            )
            .await;
        let data = page["data"].as_array().unwrap();
        all.extend(data.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        if page["has_more"] != true {
            break;
        }
        cursor = format!("&starting_after={}", all.last().unwrap());
    }
    all.reverse();
    let known: Vec<&str> = first40.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let expected: Vec<&String> = all
        .iter()
        .filter(|id| !known.contains(&id.as_str()))
        .collect();
    let mut backfilled: Vec<(i64, String)> = jobs
        .iter()
        .filter(|j| !known.contains(&j.event_id.as_str()))
        .map(|j| (j.id, j.event_id.clone()))
        .collect();
    backfilled.sort();
    let backfilled: Vec<&String> = backfilled.iter().map(|(_, id)| id).collect();
    assert_eq!(backfilled, expected);

    let again = clicktrail(&args).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .contains("250 events: 0 new, 250 already known"),
        "{}",
        again.stdout
    );
    assert_eq!(store.event_count().await.unwrap(), 250);
    store.close().await;
    bench.finish().await;
}

/// Windows Stripe cannot serve are refused before anything is read.
pub async fn backfill_refuses_a_window_beyond_thirty_days() {
    let forty_days_ago = time::OffsetDateTime::now_utc() - time::Duration::days(40);
    let rfc = forty_days_ago
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    for since in ["31d", rfc.as_str()] {
        let run = clicktrail(&[
            "backfill",
            "--since",
            since,
            "--config",
            "/nonexistent.toml",
        ])
        .await;
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr.contains("Stripe keeps events for 30 days"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--since 30d"), "{}", run.stderr);
    }
}

/// An event whose delivery failed while the forwarder was down (its only endpoint closes every
/// connection unanswered) is read back by reconcile at start, and another one by a later run; both reach
/// impact.com and are counted in `/metrics`.
pub async fn reconcile_recovers_an_event_delivered_while_down(db: Db) {
    let bench = Bench::new(db).await;
    delete_bench_endpoint(&bench).await;
    let dead = unanswering_endpoint().await;
    let dead_endpoint = add_endpoint(&bench, &format!("http://{dead}/webhooks/stripe")).await;
    let invoice = bench.subscribe(2900, "click-reconcile-1").await;
    let failed_delivery = async || {
        let deliveries: Value = bench
            .http
            .get(format!(
                "{}/_sandbox/deliveries?endpoint={dead_endpoint}",
                bench.sandbox.stripe_url()
            ))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        deliveries
            .as_array()?
            .iter()
            .any(|d| d["event_type"] == "invoice.paid" && d["success"] == false)
            .then_some(())
    };
    bench
        .eventually(WAIT, "a failed delivery", failed_delivery)
        .await;

    let config = bench
        .config(&Options::default())
        .reconcile_interval("300ms");
    let serving = Serving::start(&bench, &config).await;
    let records = bench
        .eventually(WAIT, "the recovered conversion", async || {
            let r = bench.records_for("conversion", &invoice).await;
            (!r.is_empty()).then_some(r)
        })
        .await;
    assert_eq!(records[0]["params"]["ClickId"], "click-reconcile-1");

    let later = bench.subscribe(3900, "click-reconcile-2").await;
    bench
        .eventually(WAIT, "the second recovered conversion", async || {
            (!bench.records_for("conversion", &later).await.is_empty()).then_some(())
        })
        .await;
    let metrics = serving.metrics(&bench).await;
    assert!(
        metrics.contains("clicktrail_reconcile_events_total{outcome=\"new\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "clicktrail_events_received_total{type=\"invoice.paid\",outcome=\"queued\"} 2"
        ),
        "{metrics}"
    );
    let runs: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("clicktrail_reconcile_runs_total{result=\"ok\"} "))
        .and_then(|n| n.parse().ok())
        .expect("runs counted");
    assert!(runs >= 2, "{metrics}");
    // Each event went to impact.com once, though every run lists it again.
    assert_eq!(bench.records_for("conversion", &invoice).await.len(), 1);
    serving.stop().await;
    bench.finish().await;
}
