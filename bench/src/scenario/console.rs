//! Console paging: the operator console's queries (`Store::console_events` and friends) over a
//! SQLite store holding many events and their jobs, timed through the store API as the console
//! calls it.
//!
//! The store is seeded through the forwarder's own `Store::insert_events` (transactions of 2,000
//! events with `synchronous = OFF`; the store's clock moves a second between transactions, so
//! each transaction's events share one `received_at`, as a group commit's do), with the ~3 KB
//! `invoice.paid` body of the other scenarios, each naming one of [`CUSTOMERS`] customers. One
//! event in 20 is typed `charge.refunded` and one in 20 `customer.created` (ignored: no job).
//! The jobs are then decided by three `UPDATE`s, as a store that has been running looks: every
//! job sent as a conversion (its `OrderId`, `ClickId` and `CustomerId` set), one in ten skipped
//! instead, one in a thousand a dead letter. The planner has no statistics (the forwarder never
//! runs `ANALYZE`), as in production.

use std::time::{Duration, Instant};

use clicktrail_forwarder::clock::Clock;
use clicktrail_forwarder::config::{DatabaseUrl, Synchronous};
use clicktrail_forwarder::store::{
    DecisionFilter, EventCursor, EventFilter, IdMatch, NewEvent, Source, Store,
};
use clicktrail_stripe::EventHead;
use sqlx::Executor as _;

use crate::Error;
use crate::stats::Latencies;

/// Events per seeding transaction (one `received_at` each).
const BATCH: u64 = 2_000;
/// Distinct customers the events name.
pub const CUSTOMERS: u64 = 20_000;
/// Rows per page, as the console shows them.
pub const PAGE: u32 = 50;
/// How deep the deep page is.
pub const DEEP_PAGE: usize = 500;

/// One timed query.
#[derive(Debug, Clone)]
pub struct ConsoleRow {
    /// What was asked.
    pub query: String,
    /// Rows it returned.
    pub rows: usize,
    /// Every timing.
    pub latencies: Latencies,
}

/// The scenario's result at one store size.
#[derive(Debug, Clone)]
pub struct ConsoleReport {
    /// Events stored.
    pub events: u64,
    /// How long seeding (and deciding the jobs) took.
    pub seeded_in: Duration,
    /// The SQLite file's size.
    pub db_bytes: u64,
    /// The queries.
    pub rows: Vec<ConsoleRow>,
}

fn db(e: impl std::fmt::Display) -> Error {
    Error::Database(e.to_string())
}

/// For each of `sizes`: seeds a fresh SQLite store with that many events and times each query
/// `repeats` times.
pub async fn run(sizes: &[u64], repeats: usize) -> Result<Vec<ConsoleReport>, Error> {
    let mut reports = Vec::with_capacity(sizes.len());
    for &events in sizes {
        eprintln!("console: {events} events");
        reports.push(one_size(events, repeats).await?);
    }
    Ok(reports)
}

/// One size: a fresh store, dropped afterwards.
async fn one_size(events: u64, repeats: usize) -> Result<ConsoleReport, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let file = dir.path().join("console.db");
    let url = format!("sqlite://{}", file.display());
    let started = Instant::now();
    seed(&url, events).await?;
    let seeded_in = started.elapsed();
    let db_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let store = Store::connect(
        &DatabaseUrl::new(&url).map_err(Error::Database)?,
        Synchronous::Normal,
    )
    .await
    .map_err(db)?;
    let rows = measure(&store, &url, events, repeats).await?;
    store.close().await;
    Ok(ConsoleReport {
        events,
        seeded_in,
        db_bytes,
        rows,
    })
}

/// The event id of event `n`.
fn event_id(n: u64) -> String {
    format!("evt_console{n:09}")
}

async fn seed(url: &str, events: u64) -> Result<(), Error> {
    let factory = crate::event::EventFactory::new("console");
    let clock = Clock::system();
    let store = Store::connect(
        &DatabaseUrl::new(url).map_err(Error::Database)?,
        Synchronous::Off,
    )
    .await
    .map_err(db)?
    .with_clock(clock.clone());
    let created = crate::unix_now();
    let mut n = 0;
    while n < events {
        let end = (n + BATCH).min(events);
        let batch: Vec<NewEvent> = (n..end)
            .map(|i| {
                let body = String::from_utf8_lossy(&factory.body(i, created))
                    .replace("\"cus_1234\"", &format!("\"cus_{}\"", i % CUSTOMERS));
                let customer = EventHead::parse(body.as_bytes())
                    .ok()
                    .and_then(|h| h.customer.map(|c| c.into_owned()));
                let (event_type, key) = match i % 20 {
                    0 => ("charge.refunded", Some(format!("refund {i}"))),
                    1 => ("customer.created", None),
                    _ => ("invoice.paid", Some(format!("invoice {i}"))),
                };
                NewEvent {
                    id: event_id(i),
                    event_type: event_type.to_owned(),
                    created,
                    raw: body,
                    customer,
                    source: Source::Webhook,
                    dedupe_key: key,
                }
            })
            .collect();
        store.insert_events(&batch).await.map_err(db)?;
        clock.advance(Duration::from_secs(1));
        n = end;
    }
    store.close().await;
    let pool = sqlx::SqlitePool::connect(url).await.map_err(db)?;
    for sql in [
        "UPDATE jobs SET state = 'done', kind = 'conversion', order_id = 'in_' || id, \
         tracker = '2000', click_id = 'Qx' || id, outcome = 'delivered: Complete', \
         customer_id = (SELECT customer FROM events WHERE events.id = jobs.event_id)",
        "UPDATE jobs SET kind = NULL, order_id = NULL, tracker = NULL, click_id = NULL, \
         customer_id = NULL, outcome = 'skipped: no click id' WHERE id % 10 = 3",
        "UPDATE jobs SET state = 'dead', outcome = 'rejected by impact.com (400): bench' \
         WHERE id % 1000 = 7",
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ] {
        pool.execute(sql).await.map_err(db)?;
    }
    pool.close().await;
    Ok(())
}

/// Times `query` `repeats` times (after one untimed run); the rows of the last run.
async fn time<F, Fut>(repeats: usize, mut query: F) -> Result<(usize, Latencies), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, Error>>,
{
    let mut rows = query().await?;
    let mut latencies = Latencies::default();
    for _ in 0..repeats {
        let start = Instant::now();
        rows = query().await?;
        latencies.record(start.elapsed());
    }
    Ok((rows, latencies))
}

/// Follows `pages` pages of `filter` from the first, `repeats` times; each page timed. The rows
/// of the last page.
async fn walk(
    store: &Store,
    filter: &EventFilter,
    pages: usize,
    repeats: usize,
) -> Result<(usize, Latencies), Error> {
    let mut latencies = Latencies::default();
    let mut rows = 0;
    for _ in 0..repeats {
        let mut after = None;
        for _ in 0..pages {
            let start = Instant::now();
            let page = store
                .console_events(filter, after.as_ref(), PAGE)
                .await
                .map_err(db)?;
            latencies.record(start.elapsed());
            rows = page.rows.len();
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    Ok((rows, latencies))
}

async fn page(
    store: &Store,
    filter: &EventFilter,
    after: Option<&EventCursor>,
) -> Result<usize, Error> {
    Ok(store
        .console_events(filter, after, PAGE)
        .await
        .map_err(db)?
        .rows
        .len())
}

async fn measure(
    store: &Store,
    url: &str,
    events: u64,
    repeats: usize,
) -> Result<Vec<ConsoleRow>, Error> {
    let mut out = Vec::new();
    let all = EventFilter::default();
    let mut push = |query: String, (rows, latencies): (usize, Latencies)| {
        out.push(ConsoleRow {
            query,
            rows,
            latencies,
        });
    };

    push(
        "first page".into(),
        time(repeats, || page(store, &all, None)).await?,
    );

    // Following the next cursors, page by page: each page timed.
    let mut each = Latencies::default();
    let mut after = None;
    let mut walked = 0;
    for _ in 0..DEEP_PAGE - 1 {
        let start = Instant::now();
        let next = store
            .console_events(&all, after.as_ref(), PAGE)
            .await
            .map_err(db)?;
        each.record(start.elapsed());
        walked += next.rows.len();
        match next.next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    push(
        format!(
            "pages 1 to {} followed by cursor (each page)",
            DEEP_PAGE - 1
        ),
        (walked / (DEEP_PAGE - 1), each),
    );
    let deep = after.clone();
    push(
        format!(
            "page {DEEP_PAGE} (its cursor: rows {} and on)",
            (DEEP_PAGE - 1) * PAGE as usize
        ),
        time(repeats, || page(store, &all, deep.as_ref())).await?,
    );

    let refunds = EventFilter {
        event_type: Some("charge.refunded".into()),
        ..EventFilter::default()
    };
    push(
        "type `charge.refunded` (5 %), first page".into(),
        time(repeats, || page(store, &refunds, None)).await?,
    );
    push(
        "type `charge.refunded`, pages 1 to 20 followed (each page)".into(),
        walk(store, &refunds, 20, repeats).await?,
    );

    // A job in the middle of the store: its click id, order id, customer and event.
    let (job, event, customer): (i64, String, String) = sqlx::query_as(
        "SELECT j.id, j.event_id, j.customer_id FROM jobs j \
         WHERE j.kind = 'conversion' AND j.state = 'done' AND j.event_id >= $1 \
         ORDER BY j.event_id LIMIT 1",
    )
    .bind(event_id(events / 2))
    .fetch_one(&sqlx::SqlitePool::connect(url).await.map_err(db)?)
    .await
    .map_err(db)?;
    let click = EventFilter {
        click_id: Some(format!("Qx{job}")),
        ..EventFilter::default()
    };
    push(
        "click id".into(),
        time(repeats, || page(store, &click, None)).await?,
    );
    let order = EventFilter {
        order_id: Some(format!("in_{job}")),
        ..EventFilter::default()
    };
    push(
        "order id".into(),
        time(repeats, || page(store, &order, None)).await?,
    );
    let by_customer = EventFilter {
        customer: Some(customer),
        ..EventFilter::default()
    };
    push(
        format!("customer (one of {CUSTOMERS})"),
        time(repeats, || page(store, &by_customer, None)).await?,
    );
    let prefix = EventFilter {
        event_id: Some(IdMatch::Prefix(event[..event.len() - 2].to_owned())),
        ..EventFilter::default()
    };
    push(
        "event id prefix (100 ids)".into(),
        time(repeats, || page(store, &prefix, None)).await?,
    );
    for (decision, share) in [
        (DecisionFilter::Dead, "0.1 %"),
        (DecisionFilter::Skipped, "9 %"),
        (DecisionFilter::Sent, "81 %"),
    ] {
        let filter = EventFilter {
            decision: Some(decision),
            ..EventFilter::default()
        };
        push(
            format!("decision {decision} ({share}), first page"),
            time(repeats, || page(store, &filter, None)).await?,
        );
    }
    let combined = EventFilter {
        event_type: Some("invoice.paid".into()),
        decision: Some(DecisionFilter::Sent),
        since: Some(0),
        ..EventFilter::default()
    };
    push(
        "type + decision + since, first page".into(),
        time(repeats, || page(store, &combined, None)).await?,
    );
    push(
        "one event with its job and attempts".into(),
        time(repeats, || async {
            let detail = store.console_event(&event).await.map_err(db)?;
            Ok(detail.map_or(0, |d| d.jobs.len()))
        })
        .await?,
    );
    push(
        "dead letters (first 50)".into(),
        time(repeats, || async {
            Ok(store
                .dead_letters(&EventFilter::default(), PAGE)
                .await
                .map_err(db)?
                .len())
        })
        .await?,
    );
    Ok(out)
}
