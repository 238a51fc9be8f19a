//! Money-exact, order-safe delivery, end to end: refunds wait for their conversion and follow
//! it out of outages and dead letters, several refunds collapse to the newest state, impact.com's
//! verdict is read back, lost disputes reverse, three-decimal currencies go out with two.
//!
//! Time is the bench's clock ([`Bench::clock`]): an hour-long hold or retry wait passes by moving
//! it, never by sleeping.

use std::time::Duration;

use clicktrail_forwarder::store::{JobRow, Store};
use serde_json::{Value, json};

use crate::harness::{Bench, Db, Options};

const WAIT: Duration = Duration::from_secs(30);
const HOUR: Duration = Duration::from_secs(3600);

/// The newest job of `kind` for `order` once `ready` holds for it.
async fn job(
    bench: &Bench,
    store: &Store,
    kind: &str,
    order: &str,
    what: &str,
    ready: impl Fn(&JobRow) -> bool,
) -> JobRow {
    bench
        .eventually(WAIT, what, async || {
            store.jobs(None, 100).await.ok()?.into_iter().find(|j| {
                j.kind.as_deref() == Some(kind) && j.order_id.as_deref() == Some(order) && ready(j)
            })
        })
        .await
}

/// The index in impact.com's records of the first accepted request of `kind` for `order`.
fn position(records: &[Value], kind: &str, order: &str) -> Option<usize> {
    records
        .iter()
        .position(|r| r["kind"] == kind && r["params"]["OrderId"] == order)
}

async fn quiet(bench: &Bench, store: &Store) {
    bench
        .eventually(WAIT, "no job in flight", async || {
            let s = store.status().await.ok()?;
            let busy: i64 = s
                .by_state
                .iter()
                .filter(|c| ["pending", "running", "confirming"].contains(&c.state.as_str()))
                .map(|c| c.count)
                .sum();
            (busy == 0).then_some(())
        })
        .await;
}

/// impact.com is down for longer than the refund hold: the conversion is retried, both refunds
/// wait for it (the older one superseded by the newer), and once impact.com is back the
/// conversion lands first and one modification carries the newest amount.
pub async fn outage_longer_than_the_refund_hold(db: Db) {
    let mut bench = Bench::new(db).await;
    let options = Options {
        refund_delay: "1h",
        retry_wait: "1h",
        ..Options::default()
    };
    bench
        .impact_fault(json!({"kind": "unavailable", "count": 2}))
        .await;
    let server = bench.start(&options).await;
    let store = bench.store().await;
    let invoice = bench.subscribe(2900, "click-long-outage").await;
    let conversion = job(
        &bench,
        &store,
        "conversion",
        &invoice,
        "a retrying conversion",
        |j| j.state == "retrying",
    )
    .await;

    let (pi, _) = bench.payment_of(&invoice).await;
    bench.refund(&pi, 500).await;
    let first = job(
        &bench,
        &store,
        "modification",
        &invoice,
        "a waiting refund",
        |j| j.state == "waiting",
    )
    .await;
    let waiting_for = format!("waiting for conversion job {}", conversion.id);
    assert!(
        first
            .outcome
            .as_deref()
            .unwrap_or("")
            .contains(&waiting_for),
        "{first:?}"
    );
    let (code, listing, _) = bench.cli(&options, &["jobs", "--state", "waiting"]);
    assert_eq!(code, 0);
    assert!(listing.contains(&waiting_for), "`jobs` says so:\n{listing}");

    // A second refund of the same charge: the newer state replaces the unsent one.
    bench.refund(&pi, 1000).await;
    let second = job(
        &bench,
        &store,
        "modification",
        &invoice,
        "the second refund",
        |j| j.id != first.id && j.state == "waiting",
    )
    .await;
    let superseded = job(
        &bench,
        &store,
        "modification",
        &invoice,
        "the first superseded",
        |j| j.id == first.id && j.state == "done",
    )
    .await;
    assert!(
        superseded
            .outcome
            .as_deref()
            .unwrap_or("")
            .contains(&format!("superseded by job {}", second.id)),
        "{superseded:?}"
    );

    // Past the hold, impact.com still down: the conversion fails again, the refund still waits.
    bench.clock.advance(2 * HOUR);
    bench
        .eventually(WAIT, "the second failed attempt", async || {
            let attempts = store.attempts(conversion.id).await.ok()?;
            (attempts.len() == 2).then_some(())
        })
        .await;
    quiet(&bench, &store).await;
    assert!(bench.records_for("modification", &invoice).await.is_empty());
    assert!(bench.records_for("conversion", &invoice).await.is_empty());

    // impact.com is back: the conversion, then the newest refund state.
    bench.clock.advance(2 * HOUR);
    let records = bench
        .eventually(WAIT, "the modification", async || {
            let r = bench.impact_records().await;
            position(&r, "modification", &invoice).map(|_| r)
        })
        .await;
    let converted = position(&records, "conversion", &invoice).expect("the conversion");
    let modified = position(&records, "modification", &invoice).unwrap();
    assert!(converted < modified, "the conversion first: {records:#?}");
    let modifications = bench.records_for("modification", &invoice).await;
    assert_eq!(modifications.len(), 1, "one request, the newest state");
    // 29.00 credited, 15.00 of 29.00 refunded: 29.00 x 14.00 / 29.00 = 14.00.
    assert_eq!(modifications[0]["params"]["Amount"], "14.00");
    let action = bench.impact_action(&invoice).await.expect("the action");
    assert_eq!(action["Amount"], "14.00");
    quiet(&bench, &store).await;
    assert_eq!(store.status().await.unwrap().dead, 0);
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A conversion refused for bad credentials is a dead letter, and its refund dies with it,
/// saying why; `clicktrail retry` of the conversion sends both, in order.
pub async fn dead_conversion_replayed_with_its_refund(db: Db) {
    let mut bench = Bench::new(db).await;
    let wrong = Options {
        auth_token: "wrong-token",
        ..Options::default()
    };
    let server = bench.start(&wrong).await;
    let store = bench.store().await;
    let invoice = bench.subscribe(2900, "click-replay").await;
    let conversion = job(
        &bench,
        &store,
        "conversion",
        &invoice,
        "a dead conversion",
        |j| j.state == "dead",
    )
    .await;
    let (pi, _) = bench.payment_of(&invoice).await;
    bench.refund(&pi, 900).await;
    let refund = job(
        &bench,
        &store,
        "modification",
        &invoice,
        "a dead refund",
        |j| j.state == "dead",
    )
    .await;
    let why = refund.outcome.clone().unwrap_or_default();
    assert!(
        why.contains(&format!("job {}", conversion.id)) && why.contains("dead letter"),
        "{why}"
    );
    assert_eq!(
        store.attempts(refund.id).await.unwrap().len(),
        0,
        "never sent"
    );
    server.stop().await;

    let fixed = Options::default();
    let server = bench.start(&fixed).await;
    let (code, out, err) = bench.cli(&fixed, &["retry", &conversion.id.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    let records = bench
        .eventually(WAIT, "the replayed refund", async || {
            let r = bench.impact_records().await;
            position(&r, "modification", &invoice).map(|_| r)
        })
        .await;
    assert!(
        position(&records, "conversion", &invoice).unwrap()
            < position(&records, "modification", &invoice).unwrap()
    );
    // 29.00 x (29.00 - 9.00) / 29.00 = 20.00.
    let action = bench
        .eventually(WAIT, "the modified action", async || {
            let a = bench.impact_action(&invoice).await?;
            (a["Amount"] == "20.00").then_some(a)
        })
        .await;
    assert_eq!(action["State"], "PENDING");
    quiet(&bench, &store).await;
    assert_eq!(store.status().await.unwrap().dead, 0);
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// impact.com took the conversion but the answer was lost (as after a crash between send and
/// commit): the resend is answered `CONV_DUPLICATE`, read back, and counted as delivered.
pub async fn lost_answer_is_read_back_as_delivered(db: Db) {
    let mut bench = Bench::new(db).await;
    bench.impact_fault(json!({"kind": "lost_answer"})).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    let invoice = bench.subscribe(2900, "click-lost-answer").await;
    let done = job(
        &bench,
        &store,
        "conversion",
        &invoice,
        "the job done",
        |j| j.state == "done",
    )
    .await;
    assert!(
        done.outcome
            .as_deref()
            .unwrap_or("")
            .contains("CONV_DUPLICATE"),
        "{done:?}"
    );
    let records = bench.records_for("conversion", &invoice).await;
    let outcomes: Vec<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ACTION_CREATED", "CONV_DUPLICATE"]);
    let statuses: Vec<Option<i64>> = store
        .attempts(done.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(statuses, [None, Some(200)], "lost, then sent again");
    assert_eq!(store.status().await.unwrap().dead, 0);
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A queued conversion that impact.com refuses when it processes it is a dead letter with
/// impact.com's reason; so is a `CONV_DUPLICATE` for an order this job never sent before.
pub async fn refused_verdicts_are_dead_letters(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    for (reason, expected) in [
        ("ACTIONTRACKER_NOT_FOUND", "ACTIONTRACKER_NOT_FOUND"),
        ("CONV_DUPLICATE", "did not send"),
    ] {
        bench
            .impact_fault(json!({"kind": "verdict", "reason": reason}))
            .await;
        let invoice = bench.subscribe(2900, "click-verdict").await;
        let dead = job(
            &bench,
            &store,
            "conversion",
            &invoice,
            "a dead letter",
            |j| j.state == "dead",
        )
        .await;
        let why = dead.outcome.unwrap_or_default();
        assert!(why.contains(expected), "{reason}: {why}");
        assert_eq!(
            store.attempts(dead.id).await.unwrap().len(),
            1,
            "sent once, refused after queueing"
        );
    }
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A refund that arrives before its `invoice.paid` waits for it (durably, visibly), and is
/// decided again when the invoice is: the conversion, then the modification.
pub async fn refund_before_its_conversion(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let refund = json!({
        "id": "evt_late_refund", "object": "event", "type": "charge.refunded", "created": now,
        "api_version": "2024-06-20",
        "data": {"object": {
            "id": "ch_late", "object": "charge", "amount": 2900, "amount_refunded": 1000,
            "refunded": false, "currency": "usd", "payment_intent": "pi_late", "invoice": "in_late"
        }}
    });
    let (status, answer) = bench.post_signed(&refund.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    let waiting = bench
        .eventually(WAIT, "the refund waiting", async || {
            store
                .jobs(None, 10)
                .await
                .ok()?
                .into_iter()
                .find(|j| j.event_id == "evt_late_refund" && j.state == "pending")
                .filter(|j| {
                    j.outcome
                        .as_deref()
                        .is_some_and(|o| o.contains("waiting for its conversion"))
                })
        })
        .await;
    assert!(bench.impact_records().await.is_empty());

    let invoice = json!({
        "id": "evt_late_invoice", "object": "event", "type": "invoice.paid", "created": now,
        "api_version": "2024-06-20",
        "data": {"object": {
            "id": "in_late", "object": "invoice", "billing_reason": "subscription_create",
            "currency": "usd", "amount_paid": 2900, "customer": "cus_late",
            "subscription": "sub_late", "charge": "ch_late", "payment_intent": "pi_late",
            "subscription_details": {"metadata": {"impact_click_id": "click-late"}},
            "lines": {"object": "list", "data": [{"amount": 2900, "quantity": 1, "description": "Pro"}], "has_more": false}
        }}
    });
    let (status, answer) = bench.post_signed(&invoice.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    let records = bench
        .eventually(WAIT, "the modification", async || {
            let r = bench.impact_records().await;
            position(&r, "modification", "in_late").map(|_| r)
        })
        .await;
    assert!(
        position(&records, "conversion", "in_late").unwrap()
            < position(&records, "modification", "in_late").unwrap()
    );
    let modification = &records[position(&records, "modification", "in_late").unwrap()];
    // 29.00 x (29.00 - 10.00) / 29.00 = 19.00.
    assert_eq!(modification["params"]["Amount"], "19.00");
    let decided = job(
        &bench,
        &store,
        "modification",
        "in_late",
        "the refund done",
        |j| j.id == waiting.id && j.state == "done",
    )
    .await;
    assert!(decided.outcome.unwrap_or_default().starts_with("delivered"));
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// A lost dispute reverses the conversion with `CONS_FRAUD`; a won one changes nothing.
pub async fn lost_dispute_reverses(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    let mut orders = Vec::new();
    for (click, status) in [("click-lost", "lost"), ("click-won", "won")] {
        let invoice = bench.subscribe(2900, click).await;
        job(
            &bench,
            &store,
            "conversion",
            &invoice,
            "the conversion",
            |j| j.state == "done",
        )
        .await;
        let (_, charge) = bench.payment_of(&invoice).await;
        bench
            .stripe(
                reqwest::Method::POST,
                &format!("/_sandbox/charges/{charge}/dispute"),
                &[("status", status)],
            )
            .await;
        orders.push(invoice);
    }
    let reversal = bench
        .first_record(WAIT, "the reversal", "reversal", &orders[0])
        .await;
    assert_eq!(reversal["params"]["DispositionCode"], "CONS_FRAUD");
    let action = bench.impact_action(&orders[0]).await.unwrap();
    assert_eq!(action["State"], "REVERSED");
    bench
        .eventually(WAIT, "the won dispute recorded", async || {
            store.jobs(None, 50).await.ok()?.into_iter().find(|j| {
                j.event_type == "charge.dispute.closed"
                    && j.outcome
                        .as_deref()
                        .is_some_and(|o| o.contains("closed as won"))
            })
        })
        .await;
    assert!(bench.records_for("reversal", &orders[1]).await.is_empty());
    assert_eq!(
        bench.impact_action(&orders[1]).await.unwrap()["State"],
        "PENDING"
    );
    store.close().await;
    server.stop().await;
    bench.finish().await;
}

/// 12.345 KWD goes out as 12.35 (impact.com takes two decimals), is accepted, and a refund of
/// 5.000 KWD leaves 7.35.
pub async fn three_decimal_currency(db: Db) {
    let mut bench = Bench::new(db).await;
    let server = bench.start(&Options::default()).await;
    let store = bench.store().await;
    let invoice = bench.subscribe_in(12_345, "click-kwd", false, "kwd").await;
    let done = job(
        &bench,
        &store,
        "conversion",
        &invoice,
        "the conversion",
        |j| j.state != "pending" && j.state != "running" && j.state != "confirming",
    )
    .await;
    assert_eq!(done.state, "done", "{done:?}");
    let conversion = &bench.records_for("conversion", &invoice).await[0];
    assert_eq!(conversion["params"]["CurrencyCode"], "KWD");
    assert_eq!(conversion["params"]["ItemSubTotal1"], "12.35");
    assert_eq!(conversion["outcome"], "ACTION_CREATED");
    let (pi, _) = bench.payment_of(&invoice).await;
    bench.refund(&pi, 5_000).await;
    let modification = bench
        .first_record(WAIT, "the modification", "modification", &invoice)
        .await;
    // 12.345 x 7.345 / 12.345 = 7.345 KWD -> 7.35 on the wire.
    assert_eq!(modification["params"]["Amount"], "7.35");
    store.close().await;
    server.stop().await;
    bench.finish().await;
}
