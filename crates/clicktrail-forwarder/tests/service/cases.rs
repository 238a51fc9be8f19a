//! The cases, each run on both stores.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::harness::{Bench, Db, Options};

const WAIT: Duration = Duration::from_secs(30);

/// The sandbox's Stripe delivers `invoice.paid`; the impact.com emulator records the conversion.
pub async fn flow(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let invoice = bench.subscribe(2900, "click-flow-1").await;

    let records = bench
        .eventually(WAIT, "the conversion", async || {
            let r = bench.records_for("conversion", &invoice).await;
            (!r.is_empty()).then_some(r)
        })
        .await;
    assert_eq!(records.len(), 1, "{records:?}");
    let params = &records[0]["params"];
    for (key, value) in [
        ("CampaignId", "1000"),
        ("EventTypeId", "2000"),
        ("ClickId", "click-flow-1"),
        ("CurrencyCode", "USD"),
        ("ItemSubTotal1", "29.00"),
        ("ItemQuantity1", "1"),
    ] {
        assert_eq!(params[key], value, "{key} in {params}");
    }
    assert!(
        params["CustomerId"].as_str().unwrap().starts_with("cus_"),
        "{params}"
    );

    // impact.com answers before the worker records the job as done: wait for that write.
    let store = bench.store().await;
    bench
        .eventually(WAIT, "the job to be done", async || {
            let jobs = store.jobs(None, 10).await.unwrap();
            jobs.iter()
                .any(|j| j.order_id.as_deref() == Some(invoice.as_str()) && j.state == "done")
                .then_some(())
        })
        .await;
    store.close().await;
    let metrics = bench
        .http
        .get(bench.admin_url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "clicktrail_events_received_total{type=\"invoice.paid\",outcome=\"queued\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("clicktrail_deliveries_total{outcome=\"queued\",status=\"200\"} 1"),
        "{metrics}"
    );
    server.stop().await;
    bench.finish().await;
}

/// One event five times plus a distinct event for the same invoice: one conversion. Two partial
/// refunds of one charge: two modifications.
pub async fn duplicates(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let invoice = bench.subscribe(2900, "click-dup").await;
    bench
        .eventually(WAIT, "the conversion", async || {
            (!bench.records_for("conversion", &invoice).await.is_empty()).then_some(())
        })
        .await;
    let events = bench
        .stripe(Method::GET, "/v1/events?type=invoice.paid&limit=10", &[])
        .await;
    let event = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["data"]["object"]["id"] == invoice.as_str())
        .expect("the invoice.paid event")
        .clone();
    let body = event.to_string();
    for _ in 0..5 {
        let (status, answer) = bench.post_signed(&body, None).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains("\"duplicate\""), "{answer}");
    }
    let mut other = event.clone();
    other["id"] = Value::from("evt_distinct_same_invoice");
    let (status, answer) = bench.post_signed(&other.to_string(), None).await;
    assert_eq!(
        (status, answer.contains("duplicate_change")),
        (200, true),
        "{answer}"
    );

    // Two partial refunds of the invoice's payment.
    let (pi, _) = bench.payment_of(&invoice).await;
    // One refund after the other (delivered out of order, the older one would rightly be
    // skipped: the amount never moves back up).
    let mut modifications = Vec::new();
    for n in 1..=2 {
        bench.refund(&pi, 500).await;
        modifications = bench
            .eventually(WAIT, "a modification", async || {
                let m = bench.records_for("modification", &invoice).await;
                (m.len() >= n).then_some(m)
            })
            .await;
    }
    let amounts: Vec<&str> = modifications
        .iter()
        .map(|m| m["params"]["Amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["24.00", "19.00"]);
    // Let anything still queued finish, then count again.
    let store = bench.store().await;
    bench
        .eventually(WAIT, "an idle queue", async || {
            let s = store.status().await.ok()?;
            let busy: i64 = s
                .by_state
                .iter()
                .filter(|c| c.state != "done" && c.state != "dead")
                .map(|c| c.count)
                .sum();
            (busy == 0).then_some(())
        })
        .await;
    store.close().await;
    assert_eq!(bench.records_for("conversion", &invoice).await.len(), 1);
    assert_eq!(bench.records_for("modification", &invoice).await.len(), 2);
    server.stop().await;
    bench.finish().await;
}

/// Wrong signature, stale timestamp, truncated JSON, 2 MiB, wrong method: the documented 4xx,
/// nothing stored.
pub async fn bad_input(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let event = r#"{"id":"evt_bad_1","object":"event","type":"invoice.paid","created":1795741500,"data":{"object":{"id":"in_bad","object":"invoice"}}}"#;

    let (status, answer) = bench
        .post_raw(event.as_bytes().to_vec(), Some("t=1,v1=00"))
        .await;
    assert_eq!(status, 400);
    assert!(answer.starts_with("invalid signature"), "{answer}");
    let (status, answer) = bench.post_raw(event.as_bytes().to_vec(), None).await;
    assert_eq!(status, 400);
    assert!(answer.contains("missing Stripe-Signature"), "{answer}");

    let stale = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 3600;
    let (status, answer) = bench.post_signed(event, Some(stale)).await;
    assert_eq!(status, 400);
    assert!(answer.contains("s old"), "{answer}");

    let (status, answer) = bench.post_signed(&event[..event.len() - 10], None).await;
    assert_eq!(status, 400);
    assert!(answer.starts_with("invalid event"), "{answer}");
    let (status, answer) = bench
        .post_signed(r#"{"id":"evt_x","type":"invoice.paid"}"#, None)
        .await;
    assert_eq!(status, 400);
    assert!(answer.contains("created"), "the problem is named: {answer}");

    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    // A client of its own: the service answers before reading the body and closes the
    // connection, which must not be reused.
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let t = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let r = once
        .post(bench.url("/webhooks/stripe"))
        .header(
            "Stripe-Signature",
            clicktrail_stripe::webhook::sign(big.as_bytes(), &bench.secret, t),
        )
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    let r = bench
        .http
        .get(bench.url("/webhooks/stripe"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = bench
        .http
        .put(bench.url("/webhooks/stripe"))
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    let store = bench.store().await;
    assert_eq!(store.event_count().await.unwrap(), 0, "nothing stored");
    store.close().await;

    let r = bench.http.get(bench.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
    bench.finish().await;
}

/// impact.com answers 503 three times, then 429 with a reset: everything arrives later, nothing
/// is dead.
pub async fn outage(db: Db) {
    let mut bench = Bench::new(db).await;
    for fault in [
        serde_json::json!({"kind": "unavailable", "count": 3}),
        serde_json::json!({"kind": "rate_limited", "count": 1, "reset_after_secs": 1}),
    ] {
        let r = bench
            .http
            .post(format!("{}/_sandbox/faults", bench.sandbox.impact_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    let server = bench.start(&Options::default()).await;
    let invoice = bench.subscribe(4900, "click-outage").await;
    bench
        .eventually(WAIT, "the conversion after the outage", async || {
            (!bench.records_for("conversion", &invoice).await.is_empty()).then_some(())
        })
        .await;
    let store = bench.store().await;
    let job = store
        .jobs(None, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.order_id.as_deref() == Some(invoice.as_str()))
        .unwrap();
    let job = bench
        .eventually(WAIT, "the job done", async || {
            let j = store
                .jobs(None, 10)
                .await
                .ok()?
                .into_iter()
                .find(|j| j.id == job.id)?;
            (j.state == "done").then_some(j)
        })
        .await;
    let statuses: Vec<Option<i64>> = store
        .attempts(job.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        statuses,
        [Some(503), Some(503), Some(503), Some(429), Some(200)]
    );
    assert_eq!(store.status().await.unwrap().dead, 0);
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A permanent refusal is a dead letter holding the answer; after the configuration is fixed,
/// `clicktrail retry --dead` delivers it.
pub async fn permanent_error(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench
        .start(&Options {
            auth_token: "wrong-token",
            ..Options::default()
        })
        .await;
    let invoice = bench.subscribe(2900, "click-perm").await;
    let store = bench.store().await;
    let dead = bench
        .eventually(WAIT, "a dead letter", async || {
            store
                .jobs(Some(clicktrail_forwarder::store::JobState::Dead), 10)
                .await
                .ok()?
                .into_iter()
                .next()
        })
        .await;
    assert_eq!(dead.order_id.as_deref(), Some(invoice.as_str()));
    assert!(dead.outcome.as_deref().unwrap().contains("401"), "{dead:?}");
    assert!(
        dead.answer.as_deref().is_some_and(|a| !a.is_empty()),
        "the answer is kept: {dead:?}"
    );
    assert_eq!(
        store.attempts(dead.id).await.unwrap().len(),
        1,
        "no retry of a permanent error"
    );
    server.stop().await;

    // Fix the token, restart, and replay the dead letters with the command.
    let fixed = Options::default();
    let server = bench.start(&fixed).await;
    let cli = |args: &[&str]| {
        let (code, stdout, stderr) = bench.cli(&fixed, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stdout
    };
    let listing = cli(&["jobs", "--state", "dead"]);
    assert!(
        listing.contains(&invoice) && listing.contains("answer:"),
        "{listing}"
    );
    assert!(
        !listing.contains("sandbox-token") && !listing.contains("wrong-token"),
        "{listing}"
    );
    assert_eq!(
        cli(&["retry", "--dead"]).trim(),
        "1 dead letter(s) queued again"
    );
    bench
        .eventually(WAIT, "the replayed conversion", async || {
            (!bench.records_for("conversion", &invoice).await.is_empty()).then_some(())
        })
        .await;
    // The job is done now: `retry ID` refuses it, naming it.
    let (code, _, stderr) = bench.cli(&fixed, &["retry", &dead.id.to_string()]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("job {}", dead.id)), "{stderr}");
    let status = cli(&["status"]);
    assert!(status.contains("dead letters: 0"), "{status}");
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// With `refund_delay = "2s"` the reversal goes no earlier than 2 s after the refund event, also
/// when the forwarder restarts during the hold.
pub async fn refund_hold(db: Db) {
    let mut bench = Bench::new(db).await;
    let options = Options {
        refund_delay: "2s",
        ..Options::default()
    };
    let server = bench.start(&options).await;
    let invoice = bench.subscribe(2900, "click-hold").await;
    bench
        .eventually(WAIT, "the conversion", async || {
            (!bench.records_for("conversion", &invoice).await.is_empty()).then_some(())
        })
        .await;
    let (pi, _) = bench.payment_of(&invoice).await;
    bench
        .stripe(Method::POST, "/v1/refunds", &[("payment_intent", &pi)])
        .await;
    // The refund is stored and held; restart during the hold.
    let store = bench.store().await;
    bench
        .eventually(WAIT, "the held refund", async || {
            let jobs = store.jobs(None, 10).await.ok()?;
            jobs.iter()
                .any(|j| j.kind.as_deref() == Some("reversal"))
                .then_some(())
        })
        .await;
    server.stop().await;
    assert!(
        bench.records_for("reversal", &invoice).await.is_empty(),
        "not sent before the restart"
    );
    let server = bench.start(&options).await;
    let reversal = bench
        .first_record(WAIT, "the reversal", "reversal", &invoice)
        .await;
    let events = bench
        .stripe(Method::GET, "/v1/events?type=charge.refunded&limit=1", &[])
        .await;
    let created = events["data"][0]["created"].as_i64().unwrap();
    let received = time::OffsetDateTime::parse(
        reversal["received_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    assert!(
        received >= created + 2,
        "sent at {received}, refund event at {created}"
    );
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// 500 signed events posted concurrently, `kill -9` in the middle, restart: every event that was
/// answered 2xx leads to exactly one accepted conversion at impact.com.
pub async fn crash(db: Db) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const EVENTS: usize = 500;
    let mut bench = Bench::new(db).await;
    let mut process = bench.spawn(&Options::default()).await;
    let listen = process.addr;
    let bench = Arc::new(bench);
    let acked = Arc::new(AtomicUsize::new(0));
    let url = process.url.clone();
    let mut posts = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(32));
    for n in 0..EVENTS {
        let (bench, acked, gate, url) = (
            Arc::clone(&bench),
            Arc::clone(&acked),
            Arc::clone(&gate),
            url.clone(),
        );
        posts.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let (body, invoice) = crate::harness::invoice_event("crash", n);
            let ok = matches!(bench.post_signed_to(&url, &body, None).await, Ok((200, _)));
            if ok {
                acked.fetch_add(1, Ordering::SeqCst);
            }
            (invoice, ok)
        });
    }
    // Kill the process once a good part of the events were acknowledged.
    bench
        .eventually(WAIT, "150 acknowledgements", async || {
            (acked.load(Ordering::SeqCst) >= 150).then_some(())
        })
        .await;
    process.child.start_kill().unwrap();
    process.child.wait().await.unwrap();
    let mut answered = Vec::new();
    while let Some(result) = posts.join_next().await {
        let (invoice, ok) = result.unwrap();
        if ok {
            answered.push(invoice);
        }
    }
    assert!(
        answered.len() >= 150 && answered.len() < EVENTS,
        "killed mid-way: {} acknowledged",
        answered.len()
    );

    let mut bench = Arc::into_inner(bench).unwrap();
    let process = bench.respawn(&Options::default(), listen).await;
    let conversions = bench
        .eventually(
            Duration::from_secs(60),
            "every acknowledged event delivered",
            async || {
                let records = bench.impact_records().await;
                let created: std::collections::HashMap<String, usize> = records
                    .iter()
                    .filter(|r| r["kind"] == "conversion" && r["outcome"] == "ACTION_CREATED")
                    .fold(std::collections::HashMap::new(), |mut m, r| {
                        *m.entry(r["params"]["OrderId"].as_str().unwrap().to_owned())
                            .or_default() += 1;
                        m
                    });
                answered
                    .iter()
                    .all(|i| created.contains_key(i))
                    .then_some(created)
            },
        )
        .await;
    for invoice in &answered {
        assert_eq!(
            conversions[invoice], 1,
            "{invoice}: exactly one accepted conversion"
        );
    }
    let records = bench.impact_records().await;
    let sent = records.iter().filter(|r| r["kind"] == "conversion").count();
    // A crash between impact's answer and the commit may resend; impact deduplicates.
    assert!(
        sent <= conversions.len() + 32,
        "{sent} requests for {} orders",
        conversions.len()
    );
    process.terminate().await;
    bench.finish().await;
}

/// Two `serve` processes on one PostgreSQL database under load: no duplicate sends, and both
/// did work.
pub async fn two_replicas(db: Db) {
    use std::sync::Arc;

    const EVENTS: usize = 300;
    let mut bench = Bench::new(db).await;
    let a = bench.spawn(&Options::default()).await;
    let b = bench.spawn(&Options::default()).await;
    let bench = Arc::new(bench);
    let mut posts = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(32));
    for n in 0..EVENTS {
        // Alternate, and send every fourth event to both (duplicate deliveries across replicas).
        let mut targets = vec![if n % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        }];
        if n % 4 == 0 {
            targets.push(b.url.clone());
        }
        let (bench, gate) = (Arc::clone(&bench), Arc::clone(&gate));
        posts.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let (body, _) = crate::harness::invoice_event("replica", n);
            for url in targets {
                let (status, answer) = bench.post_signed_to(&url, &body, None).await.unwrap();
                assert_eq!(status, 200, "{answer}");
            }
        });
    }
    while let Some(result) = posts.join_next().await {
        result.unwrap();
    }
    let records = bench
        .eventually(
            Duration::from_secs(60),
            "every event delivered",
            async || {
                let r = bench.impact_records().await;
                (r.iter().filter(|r| r["kind"] == "conversion").count() >= EVENTS).then_some(r)
            },
        )
        .await;
    let mut orders: Vec<&str> = records
        .iter()
        .filter(|r| r["kind"] == "conversion")
        .map(|r| r["params"]["OrderId"].as_str().unwrap())
        .collect();
    orders.sort_unstable();
    let total = orders.len();
    orders.dedup();
    assert_eq!(
        (orders.len(), total),
        (EVENTS, EVENTS),
        "one request per order, no duplicate send"
    );
    for process in [&a, &b] {
        let metrics = bench
            .http
            .get(format!("{}/metrics", process.console_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let delivered: u64 = metrics
            .lines()
            .filter(|l| l.starts_with("clicktrail_deliveries_total{outcome=\"queued\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum();
        assert!(delivered > 0, "{} did no work:\n{metrics}", process.url);
    }
    a.terminate().await;
    b.terminate().await;
    Arc::into_inner(bench).unwrap().finish().await;
}

/// The click id is only on the Stripe customer: the worker asks Stripe (subscription, then
/// customer) and decides again.
pub async fn lookups(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let invoice = bench.subscribe_with(1500, "click-on-customer", true).await;
    let record = bench
        .first_record(WAIT, "the conversion", "conversion", &invoice)
        .await;
    assert_eq!(record["params"]["ClickId"], "click-on-customer");
    assert_eq!(record["params"]["ItemSubTotal1"], "15.00");
    server.stop().await;
    bench.finish().await;
}

/// `/readyz` answers 200 `ready` while the store answers and 503 with the reason once it does not
/// (the same routes over a store whose pools are closed); `/healthz` answers 200 either way.
pub async fn readiness(db: Db) {
    use std::sync::Arc;

    use clicktrail_forwarder::intake::Intake;
    use clicktrail_forwarder::intake::http::{AppState, router};
    use clicktrail_forwarder::intake::secrets::WebhookSecrets;
    use clicktrail_forwarder::metrics::Metrics;
    use tokio::net::TcpListener;
    use tokio::sync::Notify;

    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let r = bench.http.get(bench.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ready\n");
    server.stop().await;

    let store = bench.store().await;
    let secrets = WebhookSecrets::load(
        &[bench.secret.expose().to_owned()],
        Duration::from_secs(300),
        store.clone(),
    )
    .await
    .unwrap();
    let metrics = Arc::new(Metrics::default());
    let (intake, committers) = Intake::start(
        store.clone(),
        16,
        Arc::new(Notify::new()),
        Arc::clone(&metrics),
    );
    let state = AppState {
        intake,
        secrets,
        store: store.clone(),
        metrics,
    };
    let app = router(Arc::new(state), "/webhooks/stripe", 1 << 20);
    store.close().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = tokio::spawn(async move { axum::serve(listener, app).await });

    let r = bench
        .http
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.text().await.unwrap(), "the store is unreachable\n");
    let r = bench
        .http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");

    served.abort();
    for committer in committers {
        committer.abort();
    }
    bench.finish().await;
}

/// A one-time Checkout payment is itemised from the line items the worker fetches from Stripe
/// (`GET /v1/checkout/sessions/{id}/line_items`). With a key that may not read Checkout
/// Sessions it goes out as one item carrying the whole amount, and the job says why.
pub async fn one_time_checkout_items(db: Db) {
    let mut config = clicktrail_sandbox::SandboxConfig::ephemeral();
    config.stripe.restricted_keys = vec![
        "rk_test_nocheckout=subscriptions:read,customers:read,invoices:read,invoice_payments:read,\
         charges:read,events:read,webhook_endpoints:read"
            .parse()
            .unwrap(),
    ];
    let mut bench = Bench::with_sandbox(db, config).await;
    let server = bench.start(&Options::default()).await;
    // 2 x 12.50 + 1 x 7.99 = 32.99.
    let (_, order, prices) = bench.pay_once("click-items", &[(1250, 2), (799, 1)]).await;
    let record = bench
        .first_record(WAIT, "the itemised conversion", "conversion", &order)
        .await;
    let params = &record["params"];
    for (key, value) in [
        ("ClickId", "click-items"),
        ("ItemSku1", prices[0].as_str()),
        ("ItemQuantity1", "2"),
        ("ItemSubTotal1", "25.00"),
        ("ItemSku2", prices[1].as_str()),
        ("ItemQuantity2", "1"),
        ("ItemSubTotal2", "7.99"),
    ] {
        assert_eq!(params[key], value, "{key} in {params}");
    }
    assert!(params.get("OrderDiscount").is_none(), "{params}");
    server.stop().await;

    let options = Options {
        stripe_key: Some("rk_test_nocheckout"),
        ..Options::default()
    };
    let server = bench.start(&options).await;
    let (session, order, _) = bench
        .pay_once("click-no-items", &[(1250, 2), (799, 1)])
        .await;
    let record = bench
        .first_record(WAIT, "the one-item conversion", "conversion", &order)
        .await;
    let params = &record["params"];
    assert_eq!(params["ItemSubTotal1"], "32.99", "{params}");
    assert_eq!(params["ItemName1"], format!("Order {order}"), "{params}");
    assert!(params.get("ItemSku2").is_none(), "{params}");
    let store = bench.store().await;
    let jobs = store.jobs(None, 20).await.unwrap();
    let job = jobs
        .iter()
        .find(|j| j.order_id.as_deref() == Some(order.as_str()))
        .expect("the job");
    let note = job.note.as_deref().expect("a note on the job");
    assert!(
        note.contains("one item")
            && note.contains(&session)
            && note.contains("rak_checkout_session_read"),
        "{note}"
    );
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A one-time payment whose discount names its promotion code by id (as Checkout events do):
/// the worker reads the code from Stripe and sends it as `OrderPromoCode`. The session is not
/// one Stripe knows (its line items answer 404): one item carries the amount, and the job says
/// why.
pub async fn promotion_code_of_a_checkout_payment(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    bench
        .stripe(
            Method::POST,
            "/v1/coupons",
            &[("id", "TEN"), ("percent_off", "10")],
        )
        .await;
    let promo = bench
        .stripe(
            Method::POST,
            "/v1/promotion_codes",
            &[("coupon", "TEN"), ("code", "SPRING10")],
        )
        .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let session = "cs_test_promo_not_at_stripe";
    let event = serde_json::json!({
        "id": "evt_promo_1", "object": "event", "type": "checkout.session.completed",
        "created": now, "api_version": "2025-03-31.basil",
        "data": {"object": {
            "id": session, "object": "checkout.session", "mode": "payment", "status": "complete",
            "payment_status": "paid", "payment_intent": "pi_promo_1", "currency": "usd",
            "amount_subtotal": 5000, "amount_total": 4500, "created": now,
            "total_details": {"amount_discount": 500, "amount_tax": 0, "amount_shipping": 0},
            "metadata": {"impact_click_id": "click-promo"},
            "discounts": [{"coupon": "TEN", "promotion_code": promo["id"]}]
        }}
    });
    let (status, answer) = bench.post_signed(&event.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    let record = bench
        .first_record(WAIT, "the conversion", "conversion", "pi_promo_1")
        .await;
    let params = &record["params"];
    assert_eq!(params["OrderPromoCode"], "SPRING10", "{params}");
    assert_eq!(params["ClickId"], "click-promo");
    assert_eq!(params["ItemSubTotal1"], "45.00", "{params}");
    assert!(params.get("ItemSku2").is_none(), "{params}");
    let store = bench.store().await;
    let jobs = store.jobs(None, 10).await.unwrap();
    let note = jobs
        .iter()
        .find(|j| j.order_id.as_deref() == Some("pi_promo_1"))
        .and_then(|j| j.note.clone())
        .expect("a note");
    assert!(
        note.contains("one item") && note.contains(session),
        "{note}"
    );
    store.close().await;
    server.stop().await;
    bench.finish().await;
}
