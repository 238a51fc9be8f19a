//! Seeding a store with events, through the forwarder's own [`Store::insert_events`] (the code
//! behind the intake's group commit, without HTTP), in large transactions with
//! `synchronous = OFF`: fast, and the rows are exactly what the intake writes.

use std::borrow::Cow;
use std::ops::Range;
use std::time::{Duration, Instant};

use clicktrail_forwarder::config::{DatabaseUrl, Synchronous};
use clicktrail_forwarder::mapping;
use clicktrail_forwarder::store::{NewEvent, Source, Store};
use clicktrail_stripe::{Event, EventHead};

use crate::Error;
use crate::event::EventFactory;

/// Events per transaction.
const BATCH: u64 = 2_000;

/// Stores events `range` (numbered as the factory numbers them) with their pending jobs; with
/// `done`, marks every job done afterwards, as in a store that has been running for a while.
/// Returns how long it took.
pub async fn seed(
    database_url: &str,
    factory: &EventFactory,
    range: Range<u64>,
    done: bool,
) -> Result<Duration, Error> {
    let start = Instant::now();
    let url = DatabaseUrl::new(database_url).map_err(Error::Database)?;
    let store = Store::connect(&url, Synchronous::Off)
        .await
        .map_err(|e| Error::Database(e.to_string()))?;
    // The business key of one event; the others differ only by their per-event key.
    let created = crate::unix_now();
    let probe = Event::from_slice(&factory.body(range.start, created))
        .map_err(|e| Error::Database(e.to_string()))?;
    let probe_key = mapping::business_key(&probe)
        .map_err(|e| Error::Database(format!("the bench event has no business key: {e}")))?
        .to_string();
    let mut n = range.start;
    while n < range.end {
        let end = (n + BATCH).min(range.end);
        let batch: Vec<NewEvent> = (n..end)
            .map(|i| {
                let body = factory.body(i, created);
                // The customer as the intake reads it.
                let customer = EventHead::parse(&body)
                    .ok()
                    .and_then(|head| head.customer.map(Cow::into_owned));
                NewEvent {
                    id: format!("evt_{}", factory.key(i)),
                    event_type: "invoice.paid".to_owned(),
                    created,
                    raw: String::from_utf8_lossy(&body).into_owned(),
                    customer,
                    source: Source::Webhook,
                    dedupe_key: Some(probe_key.replace(&factory.key(range.start), &factory.key(i))),
                }
            })
            .collect();
        store
            .insert_events(&batch)
            .await
            .map_err(|e| Error::Database(e.to_string()))?;
        n = end;
    }
    store.close().await;
    if done {
        let mark = "UPDATE jobs SET state = 'done', outcome = 'seeded' WHERE state = 'pending'";
        if url.is_postgres() {
            // Fresh planner statistics, as autovacuum would have them on a store this size.
            let pool = sqlx::PgPool::connect(database_url).await;
            execute_all(pool, &[mark, "ANALYZE"]).await?;
        } else {
            // Fold the seeding's write-ahead log into the database now, so that the measured
            // run does not pay for checkpointing it.
            let pool = sqlx::SqlitePool::connect(database_url).await;
            execute_all(pool, &[mark, "PRAGMA wal_checkpoint(TRUNCATE)"]).await?;
        }
    }
    Ok(start.elapsed())
}

/// Runs `statements` in order on a freshly connected `pool`, then closes it.
async fn execute_all<DB: sqlx::Database>(
    pool: Result<sqlx::Pool<DB>, sqlx::Error>,
    statements: &[&'static str],
) -> Result<(), Error>
where
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    use sqlx::Executor as _;
    let pool = pool.map_err(|e| Error::Database(e.to_string()))?;
    for sql in statements {
        (&pool)
            .execute(*sql)
            .await
            .map_err(|e| Error::Database(e.to_string()))?;
    }
    pool.close().await;
    Ok(())
}
