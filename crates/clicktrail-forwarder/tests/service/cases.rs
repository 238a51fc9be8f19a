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
    assert!(params["CustomerId"].as_str().unwrap().starts_with("cus_"), "{params}");

    let store = bench.store().await;
    let done = store.jobs(None, 10).await.unwrap();
    assert!(done.iter().any(|j| j.order_id.as_deref() == Some(invoice.as_str()) && j.state == "done"));
    store.close().await;
    let metrics = bench.http.get(bench.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("clicktrail_events_received_total{type=\"invoice.paid\",outcome=\"queued\"} 1"), "{metrics}");
    assert!(metrics.contains("clicktrail_deliveries_total{outcome=\"queued\",status=\"200\"} 1"), "{metrics}");
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
    assert_eq!((status, answer.contains("duplicate_change")), (200, true), "{answer}");

    // Two partial refunds of the invoice's payment.
    let payments = bench
        .stripe(Method::GET, &format!("/v1/invoice_payments?invoice={invoice}"), &[])
        .await;
    let pi = payments["data"][0]["payment"]["payment_intent"]
        .as_str()
        .expect("a payment intent")
        .to_owned();
    for _ in 0..2 {
        bench
            .stripe(Method::POST, "/v1/refunds", &[("payment_intent", &pi), ("amount", "500")])
            .await;
    }
    let modifications = bench
        .eventually(WAIT, "two modifications", async || {
            let m = bench.records_for("modification", &invoice).await;
            (m.len() >= 2).then_some(m)
        })
        .await;
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
            let busy: i64 = s.by_state.iter().filter(|c| c.state != "done" && c.state != "dead").map(|c| c.count).sum();
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

    let (status, answer) = bench.post_raw(event.as_bytes().to_vec(), Some("t=1,v1=00")).await;
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
    let (status, answer) = bench.post_signed(r#"{"id":"evt_x","type":"invoice.paid"}"#, None).await;
    assert_eq!(status, 400);
    assert!(answer.contains("created"), "the problem is named: {answer}");

    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (status, _) = bench.post_signed(&big, None).await;
    assert_eq!(status, 413);

    let r = bench.http.get(bench.url("/webhooks/stripe")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let r = bench.http.put(bench.url("/webhooks/stripe")).body(event).send().await.unwrap();
    assert_eq!(r.status(), 405);

    let store = bench.store().await;
    assert_eq!(store.event_count().await.unwrap(), 0, "nothing stored");
    store.close().await;

    let r = bench.http.get(bench.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
    bench.finish().await;
}
