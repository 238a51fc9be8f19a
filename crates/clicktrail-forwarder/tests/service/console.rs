//! The operator console's data layer (issue 15), on both stores: events listed, filtered and
//! paged by keyset; one event's jobs and attempts; an order's history; dead letters and
//! retrying the ones a filter selects; sends per hour; held refunds.
//!
//! The data comes from the real flow where it can (the sandbox's Stripe delivers, the service
//! decides and sends to the impact.com emulator), and from [`Store::insert_events`] where many
//! rows with equal `received_at` are needed.

use std::collections::HashSet;
use std::time::Duration;

use clicktrail_forwarder::store::{
    DecisionFilter, EventCursor, EventFilter, EventRow, IdMatch, NewEvent, Source, Store,
};
use serde_json::json;

use crate::harness::{Bench, Db, Options};

const WAIT: Duration = Duration::from_secs(30);
const HOUR: Duration = Duration::from_secs(3600);

/// Every row `filter` lists, one page of up to 100.
async fn list(store: &Store, filter: &EventFilter) -> Vec<EventRow> {
    let page = store.console_events(filter, None, 100).await.unwrap();
    assert_eq!(page.next, None, "one page holds them");
    page.rows
}

fn ids(rows: &[EventRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

/// The job of `order`'s conversion once `ready` holds for its state.
/// The `OrderId`s of every dead letter, newest first.
async fn dead_orders(store: &Store) -> Vec<String> {
    let letters = store.dead_letters(&EventFilter::default(), 10).await;
    let letters = letters.unwrap();
    letters.into_iter().filter_map(|j| j.order_id).collect()
}

pub async fn conversion_state(bench: &Bench, store: &Store, order: &str, state: &str) {
    bench
        .eventually(WAIT, &format!("{order}'s conversion {state}"), async || {
            store.jobs(None, 100).await.ok()?.into_iter().find(|j| {
                j.kind.as_deref() == Some("conversion")
                    && j.order_id.as_deref() == Some(order)
                    && j.state == state
            })
        })
        .await;
}

/// Two subscriptions paid and sent (A delivered, B and C refused by impact.com: dead letters),
/// A refunded in part (held an hour, then sent after a 503), and an event type the rules ignore:
/// each filter narrows to its events, the detail shows the job and its attempts without
/// credentials, the order history shows the conversion then the modification with amounts, and
/// retrying a filter's dead letters puts back only those.
pub async fn filters_detail_and_history(db: Db) {
    let mut bench = Bench::new(db).await;
    let options = Options {
        refund_delay: "1h",
        ..Options::default()
    };
    let server = bench.start(&options).await;
    // The service's clock: it moves when the bench's does.
    let store = bench.store().await.with_clock(bench.clock.clone());
    let start = store.now_ms();

    let a = bench.subscribe(2900, "click-console-a").await;
    let sent = bench
        .first_record(WAIT, "A's conversion", "conversion", &a)
        .await;
    let customer_a = sent["params"]["CustomerId"].as_str().unwrap().to_owned();
    conversion_state(&bench, &store, &a, "done").await;
    let mut dead = Vec::new();
    for click in ["click-console-b", "click-console-c"] {
        bench
            .impact_fault(json!({"kind": "verdict", "reason": "ACTIONTRACKER_NOT_FOUND"}))
            .await;
        let order = bench.subscribe(4900, click).await;
        conversion_state(&bench, &store, &order, "dead").await;
        dead.push(order);
    }
    let (b, c) = (dead[0].clone(), dead[1].clone());
    let (pi, _) = bench.payment_of(&a).await;
    bench.refund(&pi, 500).await;
    let held = bench
        .eventually(WAIT, "the refund held", async || {
            let held = store.held_refunds(10).await.ok()?;
            (held.total == 1).then_some(held)
        })
        .await;
    assert_eq!(held.jobs.len(), 1);
    assert_eq!(
        (held.jobs[0].kind.as_str(), held.jobs[0].order_id.as_str()),
        ("modification", a.as_str())
    );
    assert!(
        held.jobs[0].run_at > store.now_ms() + 50 * 60 * 1000,
        "{held:?}"
    );
    let ignored = json!({
        "id": "evt_console_ignored", "object": "event", "type": "customer.created",
        "created": start / 1000, "data": {"object": {"id": "cus_console", "object": "customer"}}
    });
    let (status, answer) = bench.post_signed(&ignored.to_string(), None).await;
    assert_eq!(
        (status, answer.contains("ignored")),
        (200, true),
        "{answer}"
    );

    // Everything, newest first: the ignored event, A's refund, C, B, A.
    let all = list(&store, &EventFilter::default()).await;
    let types: Vec<&str> = all.iter().map(|r| r.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "customer.created",
            "charge.refunded",
            "invoice.paid",
            "invoice.paid",
            "invoice.paid"
        ]
    );
    let orders: Vec<Option<&str>> = all.iter().map(|r| r.order_id.as_deref()).collect();
    assert_eq!(
        orders,
        [
            None,
            Some(a.as_str()),
            Some(c.as_str()),
            Some(b.as_str()),
            Some(a.as_str())
        ]
    );
    let (ignored_row, refund_row, paid_a) = (&all[0], &all[1], &all[4]);
    assert_eq!(ignored_row.outcome, "ignored");
    assert_eq!(ignored_row.customer.as_deref(), Some("cus_console"));
    assert_eq!(paid_a.click_id.as_deref(), Some("click-console-a"));
    assert_eq!(paid_a.customer.as_deref(), Some(customer_a.as_str()));
    assert_eq!(paid_a.kind.as_deref(), Some("conversion"));
    assert!(paid_a.decision_text.starts_with("delivered"), "{paid_a:?}");
    assert_eq!(refund_row.decision_text, "held until run_at");
    assert!(
        all.windows(2)
            .all(|w| (w[0].received_at, &w[0].id) > (w[1].received_at, &w[1].id)),
        "newest first"
    );

    let by = |f: fn(&mut EventFilter)| {
        let mut filter = EventFilter::default();
        f(&mut filter);
        filter
    };
    // Type.
    let refunds = list(
        &store,
        &by(|f| f.event_type = Some("charge.refunded".into())),
    )
    .await;
    assert_eq!(ids(&refunds), [refund_row.id.as_str()]);
    // Decision: one kind each, and together every event.
    let mut decided = Vec::new();
    for decision in DecisionFilter::ALL {
        let filter = EventFilter {
            decision: Some(decision),
            ..EventFilter::default()
        };
        let rows = list(&store, &filter).await;
        assert!(rows.iter().all(|r| r.decision == decision), "{rows:?}");
        let mut orders: Vec<Option<String>> = rows.iter().map(|r| r.order_id.clone()).collect();
        orders.sort();
        let want: Vec<Option<String>> = match decision {
            DecisionFilter::Sent => vec![Some(a.clone())],
            DecisionFilter::Waiting => vec![Some(a.clone())],
            DecisionFilter::Dead => {
                let mut both = vec![Some(b.clone()), Some(c.clone())];
                both.sort();
                both
            }
            DecisionFilter::Ignored => vec![None],
            DecisionFilter::Skipped => vec![],
        };
        assert_eq!(orders, want, "{decision}");
        decided.extend(rows.into_iter().map(|r| r.id));
    }
    assert_eq!(
        decided.iter().collect::<HashSet<_>>(),
        all.iter().map(|r| &r.id).collect::<HashSet<_>>()
    );
    assert_eq!(decided.len(), all.len());
    // Order id: the conversion's event and the refund's.
    let of_a = list(&store, &by(|f| f.order_id = Some(String::new()))).await;
    assert!(of_a.is_empty(), "an empty order id matches nothing");
    let filter = EventFilter {
        order_id: Some(a.clone()),
        ..EventFilter::default()
    };
    assert_eq!(
        ids(&list(&store, &filter).await),
        [refund_row.id.as_str(), paid_a.id.as_str()]
    );
    // Click id: the event whose job sent it, dead letters included.
    for (click, order) in [("click-console-a", &a), ("click-console-b", &b)] {
        let filter = EventFilter {
            click_id: Some(click.into()),
            ..EventFilter::default()
        };
        let rows = list(&store, &filter).await;
        assert_eq!(rows.len(), 1, "{click}: {rows:?}");
        assert_eq!(rows[0].order_id.as_deref(), Some(order.as_str()));
        assert_eq!(rows[0].event_type, "invoice.paid");
    }
    // Customer: the events about A's customer (the invoice and the charge name it).
    let filter = EventFilter {
        customer: Some(customer_a.clone()),
        ..EventFilter::default()
    };
    assert_eq!(
        ids(&list(&store, &filter).await),
        [refund_row.id.as_str(), paid_a.id.as_str()]
    );
    // Event id: exact, and a prefix.
    let filter = EventFilter {
        event_id: Some(IdMatch::Exact(paid_a.id.clone())),
        ..EventFilter::default()
    };
    assert_eq!(ids(&list(&store, &filter).await), [paid_a.id.as_str()]);
    let prefix = &paid_a.id[..paid_a.id.len() - 3];
    let filter = EventFilter {
        event_id: Some(IdMatch::Prefix(prefix.to_owned())),
        ..EventFilter::default()
    };
    let rows = list(&store, &filter).await;
    assert!(rows.iter().any(|r| r.id == paid_a.id), "{rows:?}");
    assert!(rows.iter().all(|r| r.id.starts_with(prefix)), "{rows:?}");
    let filter = EventFilter {
        event_id: Some(IdMatch::Prefix("evt_console_".to_owned())),
        ..EventFilter::default()
    };
    assert_eq!(ids(&list(&store, &filter).await), ["evt_console_ignored"]);
    // Dates: since is included, until is not.
    let filter = EventFilter {
        since: Some(all[3].received_at),
        until: Some(refund_row.received_at),
        ..EventFilter::default()
    };
    let rows = list(&store, &filter).await;
    assert_eq!(ids(&rows), [all[2].id.as_str(), all[3].id.as_str()]);
    // Filters combine.
    let filter = EventFilter {
        event_type: Some("invoice.paid".into()),
        customer: Some(customer_a.clone()),
        decision: Some(DecisionFilter::Sent),
        ..EventFilter::default()
    };
    assert_eq!(ids(&list(&store, &filter).await), [paid_a.id.as_str()]);

    // The detail: the payload, the job with its decided request, the attempt; no credentials.
    let detail = store
        .console_event(&paid_a.id)
        .await
        .unwrap()
        .expect("A's event");
    assert!(detail.payload.contains(&a), "the raw payload");
    assert_eq!(detail.customer.as_deref(), Some(customer_a.as_str()));
    assert_eq!(detail.jobs.len(), 1);
    let job = &detail.jobs[0];
    assert_eq!(
        (
            job.state.as_str(),
            job.kind.as_deref(),
            job.order_id.as_deref()
        ),
        ("done", Some("conversion"), Some(a.as_str()))
    );
    assert_eq!(job.click_id.as_deref(), Some("click-console-a"));
    assert_eq!(job.customer_id.as_deref(), Some(customer_a.as_str()));
    assert!(job.request.as_deref().unwrap().contains("click-console-a"));
    assert!(job.verdict.is_some(), "{job:?}");
    assert_eq!(job.history.len(), 1, "{job:?}");
    let attempt = &job.history[0];
    assert_eq!(
        (
            attempt.method.as_str(),
            attempt.status,
            attempt.outcome.as_str()
        ),
        ("POST", Some(200), "queued")
    );
    assert!(attempt.path.ends_with("/Conversions"), "{attempt:?}");
    let params: serde_json::Value = serde_json::from_str(&attempt.params).unwrap();
    assert_eq!(params["ClickId"], "click-console-a");
    assert!(attempt.at >= start);
    let dead_b = store.console_event(&all[3].id).await.unwrap().unwrap();
    assert_eq!(dead_b.jobs[0].state, "dead");
    assert!(
        dead_b.jobs[0]
            .outcome
            .as_deref()
            .unwrap()
            .contains("ACTIONTRACKER_NOT_FOUND"),
        "{dead_b:?}"
    );
    for detail in [&detail, &dead_b] {
        let text = format!("{detail:?}");
        assert!(!text.contains(options.auth_token), "no credentials stored");
        assert!(!text.to_lowercase().contains("authorization"));
    }
    assert_eq!(store.console_event("evt_not_there").await.unwrap(), None);

    // Past the hold, after one 503: the modification goes out.
    bench
        .impact_fault(json!({"kind": "unavailable", "count": 1}))
        .await;
    bench.clock.advance(2 * HOUR);
    bench
        .first_record(WAIT, "A's modification", "modification", &a)
        .await;
    assert_eq!(store.held_refunds(10).await.unwrap().total, 0);
    let history = bench
        .eventually(WAIT, "the modification done", async || {
            let h = store.order_history(&a).await.ok()?;
            h.jobs.iter().all(|j| j.state == "done").then_some(h)
        })
        .await;
    assert_eq!(history.order_id, a);
    assert_eq!(history.conversions.len(), 1);
    let conversion = &history.conversions[0];
    assert_eq!(
        (
            conversion.currency.as_str(),
            conversion.amount,
            conversion.amount_refunded,
            conversion.current_amount,
            conversion.reversed
        ),
        ("USD", 2900, 500, 2400, false)
    );
    let steps: Vec<(&str, Option<&str>, &str, Option<&str>)> = history
        .jobs
        .iter()
        .map(|j| {
            (
                j.event_type.as_str(),
                j.kind.as_deref(),
                j.state.as_str(),
                j.amount.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("invoice.paid", Some("conversion"), "done", Some("29.00")),
            (
                "charge.refunded",
                Some("modification"),
                "done",
                Some("24.00")
            ),
        ]
    );
    assert_eq!(conversion.job_id, Some(history.jobs[0].id));
    assert_eq!(conversion.last_job, Some(history.jobs[1].id));
    assert_eq!(history.jobs[1].event_id, refund_row.id);
    let none = store.order_history("in_nobody").await.unwrap();
    assert!(none.conversions.is_empty() && none.jobs.is_empty());

    // Sends per hour: the three conversions and the modification (after its 503), two hours
    // later by the service's clock.
    let hours = store.sends_per_hour(5).await.unwrap();
    assert_eq!(hours.len(), 5);
    assert!(hours.windows(2).all(|w| w[1].hour - w[0].hour == 3_600_000));
    let now = store.now_ms();
    assert_eq!(hours[4].hour, now - now % 3_600_000);
    assert_eq!((hours[0].delivered, hours[0].failed), (0, 0), "{hours:?}");
    assert_eq!((hours[1].delivered, hours[1].failed), (0, 0), "{hours:?}");
    let delivered: i64 = hours.iter().map(|h| h.delivered).sum();
    let failed: i64 = hours.iter().map(|h| h.failed).sum();
    assert_eq!((delivered, failed), (4, 1), "{hours:?}");
    assert!(store.sends_per_hour(0).await.unwrap().is_empty());

    // Dead letters, by filter; retrying B's puts back B's only.
    let letters = store
        .dead_letters(&EventFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(
        dead_orders(&store).await,
        [c.clone(), b.clone()],
        "newest first"
    );
    assert!(
        letters[0]
            .outcome
            .as_deref()
            .unwrap()
            .contains("ACTIONTRACKER_NOT_FOUND")
    );
    let only_b = EventFilter {
        click_id: Some("click-console-b".into()),
        ..EventFilter::default()
    };
    let letters = store.dead_letters(&only_b, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].order_id.as_deref(), Some(b.as_str()));
    let of_a = EventFilter {
        order_id: Some(a.clone()),
        ..EventFilter::default()
    };
    assert!(store.dead_letters(&of_a, 10).await.unwrap().is_empty());
    assert_eq!(store.retry_filtered(&of_a).await.unwrap(), 0, "A has none");
    let refunds = EventFilter {
        event_type: Some("charge.refunded".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.retry_filtered(&refunds).await.unwrap(), 0);
    assert_eq!(store.retry_filtered(&only_b).await.unwrap(), 1);
    bench
        .eventually(WAIT, "B's conversion accepted", async || {
            (bench.impact_action(&b).await.is_some()).then_some(())
        })
        .await;
    conversion_state(&bench, &store, &b, "done").await;
    assert_eq!(
        dead_orders(&store).await,
        vec![c.clone()],
        "C is still a dead letter"
    );
    assert_eq!(
        store.retry_filtered(&only_b).await.unwrap(),
        0,
        "B is not dead"
    );

    store.close().await;
    server.stop().await;
    bench.finish().await;
}

fn stored(id: String, event_type: &str, key: Option<String>) -> NewEvent {
    NewEvent {
        raw: format!(r#"{{"id":"{id}"}}"#),
        id,
        event_type: event_type.to_owned(),
        created: 1,
        customer: None,
        source: Source::Backfill,
        dedupe_key: key,
    }
}

/// Follows `next` from the first page to the last; checks each cursor's token round-trips.
async fn every_page(store: &Store, filter: &EventFilter, limit: u32) -> (Vec<String>, usize) {
    let (mut seen, mut pages, mut after) = (Vec::new(), 0, None::<EventCursor>);
    loop {
        let page = store
            .console_events(filter, after.as_ref(), limit)
            .await
            .unwrap();
        pages += 1;
        assert!(page.rows.len() <= limit as usize);
        seen.extend(page.rows.iter().map(|r| r.id.clone()));
        match page.next {
            Some(next) => {
                assert_eq!(Some(&next), page.rows.last().map(EventRow::cursor).as_ref());
                let token = next.to_token();
                assert_eq!(EventCursor::parse(&token).unwrap(), next, "{token}");
                after = Some(next);
            }
            None => return (seen, pages),
        }
    }
}

/// Keyset paging returns every row exactly once, in order, across pages, including rows with
/// equal `received_at` (one intake batch); filters page the same way; a prefix matching many
/// events is read in received order; a malformed cursor is a clear error.
pub async fn keyset_paging(db: Db) {
    let bench = Bench::new(db).await;
    let clock = bench.clock.clone();
    let store = bench.store().await.with_clock(clock.clone());
    // Three batches a second apart; ids out of order within each.
    let mut expected: Vec<(i64, String, String)> = Vec::new();
    for (batch, size) in [9usize, 1, 12].into_iter().enumerate() {
        let events: Vec<NewEvent> = (0..size)
            .map(|n| {
                let id = format!("evt_page_{:02}_{batch}", (n * 7) % size);
                let event_type = if n % 3 == 0 {
                    "charge.refunded"
                } else {
                    "invoice.paid"
                };
                stored(id.clone(), event_type, Some(id))
            })
            .collect();
        let at = store.now_ms();
        store.insert_events(&events).await.unwrap();
        expected.extend(
            events
                .iter()
                .map(|e| (at, e.id.clone(), e.event_type.clone())),
        );
        clock.advance(Duration::from_secs(1));
    }
    expected.sort_by(|x, y| (y.0, &y.1).cmp(&(x.0, &x.1)));
    let want: Vec<String> = expected.iter().map(|e| e.1.clone()).collect();
    let received: HashSet<i64> = expected.iter().map(|e| e.0).collect();
    assert_eq!(received.len(), 3, "one received_at per batch");

    for limit in [1, 4, 9, 22, 500] {
        let (seen, pages) = every_page(&store, &EventFilter::default(), limit).await;
        assert_eq!(seen, want, "limit {limit}");
        assert_eq!(pages, want.len().div_ceil(limit as usize), "limit {limit}");
    }
    let first = store
        .console_events(&EventFilter::default(), None, 5)
        .await
        .unwrap();
    let received_at: Vec<i64> = first.rows.iter().map(|r| r.received_at).collect();
    assert!(
        received_at.windows(2).all(|w| w[0] == w[1]),
        "ties: {received_at:?}"
    );
    // A cursor taken mid-tie resumes mid-tie.
    let after_tie = store
        .console_events(&EventFilter::default(), first.next.as_ref(), 3)
        .await
        .unwrap();
    assert_eq!(
        ids(&after_tie.rows),
        want[5..8].iter().map(String::as_str).collect::<Vec<_>>()
    );

    // A filter pages the same way.
    let refunds = EventFilter {
        event_type: Some("charge.refunded".into()),
        ..EventFilter::default()
    };
    let want_refunds: Vec<String> = expected
        .iter()
        .filter(|e| e.2 == "charge.refunded")
        .map(|e| e.1.clone())
        .collect();
    assert_eq!(every_page(&store, &refunds, 2).await.0, want_refunds);
    let middle = *received.iter().min().unwrap() + 1;
    let later = EventFilter {
        since: Some(middle),
        ..EventFilter::default()
    };
    let want_later: Vec<String> = expected
        .iter()
        .filter(|e| e.0 >= middle)
        .map(|e| e.1.clone())
        .collect();
    assert_eq!(want_later.len(), 13);
    assert_eq!(every_page(&store, &later, 4).await.0, want_later);

    // A prefix matching more events than the id index is read for, and one matching a few.
    let many: Vec<NewEvent> = (0..1_050)
        .map(|n| stored(format!("evt_many_{n:04}"), "customer.created", None))
        .collect();
    store.insert_events(&many).await.unwrap();
    let prefixed = |prefix: &str| EventFilter {
        event_id: Some(IdMatch::Prefix(prefix.into())),
        ..EventFilter::default()
    };
    let (seen, _) = every_page(&store, &prefixed("evt_many_"), 500).await;
    assert_eq!(seen.len(), 1_050);
    assert_eq!(seen.first().map(String::as_str), Some("evt_many_1049"));
    assert_eq!(seen.last().map(String::as_str), Some("evt_many_0000"));
    let (seen, _) = every_page(&store, &prefixed("evt_page_0"), 4).await;
    let want_prefixed: Vec<String> = want
        .iter()
        .filter(|id| id.starts_with("evt_page_0"))
        .cloned()
        .collect();
    assert_eq!(seen, want_prefixed);
    assert!(!seen.is_empty());
    let (seen, _) = every_page(&store, &prefixed("EVT_"), 4).await;
    assert!(seen.is_empty(), "ids are case-sensitive: {seen:?}");

    // A malformed cursor is an error that names the field and the expected form.
    let err = EventCursor::parse("page-2").unwrap_err();
    assert_eq!(err.field, "after");
    assert!(
        err.to_string().contains("expected RECEIVED_AT.EVENT_ID"),
        "{err}"
    );
    store.close().await;
    bench.finish().await;
}
