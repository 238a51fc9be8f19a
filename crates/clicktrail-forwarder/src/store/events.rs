//! Intake writes: raw events and their jobs, many in one transaction (group commit).

use std::collections::{HashMap, HashSet};

use super::Store;
use crate::Error;

/// Rows per multi-row `INSERT` (8 parameters each: well under SQLite's and PostgreSQL's limits).
pub(super) const ROWS_PER_STATEMENT: usize = 128;

/// `$first, $first+1, ...`: `count` numbered placeholders for an `IN` list.
pub(super) fn numbered(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($1, ..., $k), ($k+1, ...), ...`: `rows` tuples of `columns` placeholders.
pub(super) fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Job rows: `(event_id, dedupe_key, 'pending', now, now, now)`, three parameters each.
fn job_placeholders(rows: usize) -> String {
    (0..rows)
        .map(|r| {
            let (e, k, t) = (r * 3 + 1, r * 3 + 2, r * 3 + 3);
            format!("(${e}, ${k}, 'pending', ${t}, ${t}, ${t})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A signed webhook delivery.
    Webhook,
    /// `clicktrail backfill` (read from Stripe's Events API with our key).
    Backfill,
    /// The periodic reconcile inside `serve`.
    Reconcile,
}

impl Source {
    /// `webhook`, `backfill` or `reconcile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Backfill => "backfill",
            Self::Reconcile => "reconcile",
        }
    }
}

/// One parsed event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The event id.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The event's `created`, unix seconds.
    pub created: i64,
    /// The raw JSON, exactly as received.
    pub raw: String,
    /// The customer the event is about ([`EventHead::customer`](clicktrail_stripe::EventHead)),
    /// when its object names one; the console filters by it.
    pub customer: Option<String>,
    /// Where it came from.
    pub source: Source,
    /// The job's deduplication key (the business key, else the event id); `None` for event
    /// types the rules do not handle (stored as ignored, no job).
    pub dedupe_key: Option<String>,
}

/// What storing an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Stored with a new job.
    Queued {
        /// The job's id.
        job: i64,
    },
    /// This event id was already stored: nothing changed.
    Duplicate,
    /// Stored, but another event for the same change already has a job: no new job.
    DuplicateChange,
    /// Stored as ignored: the rules do not handle this type.
    Ignored,
}

impl Ingested {
    /// `queued`, `duplicate`, `duplicate_change` or `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued { .. } => "queued",
            Self::Duplicate => "duplicate",
            Self::DuplicateChange => "duplicate_change",
            Self::Ignored => "ignored",
        }
    }
}

impl Store {
    /// Stores `events` and their jobs in one transaction and returns what became of each, in
    /// order. Nothing is stored when it fails.
    ///
    /// A batch is written with multi-row statements (a few round trips to the database per
    /// batch instead of two per event): the events, then the jobs of those that were new. The
    /// first of several events with the same id (or jobs with the same key) in one batch wins,
    /// as it would one by one.
    pub async fn insert_events(&self, events: &[NewEvent]) -> Result<Vec<Ingested>, Error> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut inserted: HashSet<String> = HashSet::new();
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO events (id, type, created, source, outcome, received_at, payload, customer) \
                 VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
                placeholders(chunk.len(), 8)
            );
            let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
            for event in chunk {
                let outcome = if event.dedupe_key.is_some() {
                    "queued"
                } else {
                    "ignored"
                };
                query = query
                    .bind(&event.id)
                    .bind(&event.event_type)
                    .bind(event.created)
                    .bind(event.source.as_str())
                    .bind(outcome)
                    .bind(now)
                    .bind(&event.raw)
                    .bind(event.customer.as_deref());
            }
            inserted.extend(query.fetch_all(&mut *tx).await?.into_iter().map(|(id,)| id));
        }
        // Which event of the batch each stored row belongs to: the first with its id.
        let new: Vec<bool> = events.iter().map(|e| inserted.remove(&e.id)).collect();

        let with_jobs: Vec<&NewEvent> = events
            .iter()
            .zip(&new)
            .filter(|(e, new)| **new && e.dedupe_key.is_some())
            .map(|(e, _)| e)
            .collect();
        let mut jobs: HashMap<String, i64> = HashMap::new();
        for chunk in with_jobs.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO jobs (event_id, dedupe_key, state, run_at, created_at, updated_at) \
                 VALUES {} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, event_id",
                job_placeholders(chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
            for event in chunk {
                query = query
                    .bind(&event.id)
                    .bind(event.dedupe_key.as_deref())
                    .bind(now);
            }
            jobs.extend(
                query
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .map(|(job, event)| (event, job)),
            );
        }

        let mut out = Vec::with_capacity(events.len());
        for (event, new) in events.iter().zip(new) {
            out.push(if !new {
                Ingested::Duplicate
            } else if event.dedupe_key.is_none() {
                Ingested::Ignored
            } else if let Some(job) = jobs.get(&event.id) {
                Ingested::Queued { job: *job }
            } else {
                sqlx::query("UPDATE events SET outcome = 'duplicate' WHERE id = $1")
                    .bind(&event.id)
                    .execute(&mut *tx)
                    .await?;
                Ingested::DuplicateChange
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// How many events are stored (all outcomes).
    pub async fn event_count(&self) -> Result<i64, Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DatabaseUrl, Synchronous};

    fn event(id: &str, key: Option<&str>) -> NewEvent {
        NewEvent {
            id: id.to_owned(),
            event_type: "invoice.paid".to_owned(),
            created: 1,
            raw: format!(r#"{{"id":"{id}"}}"#),
            customer: None,
            source: Source::Webhook,
            dedupe_key: key.map(str::to_owned),
        }
    }

    #[test]
    fn placeholders_number_every_cell() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(
            job_placeholders(2),
            "($1, $2, 'pending', $3, $3, $3), ($4, $5, 'pending', $6, $6, $6)"
        );
    }

    #[tokio::test]
    async fn a_batch_gives_each_event_its_outcome_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let url =
            DatabaseUrl::new(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        let store = Store::connect(&url, Synchronous::Normal).await.unwrap();
        let batch = [
            event("evt_a", Some("key 1")),
            event("evt_a", Some("key 1")), // the same event again
            event("evt_b", Some("key 1")), // another event for the same change
            event("evt_c", None),          // a type the rules ignore
            event("evt_d", Some("key 2")),
        ];
        let out = store.insert_events(&batch).await.unwrap();
        assert!(matches!(out[0], Ingested::Queued { .. }), "{out:?}");
        assert_eq!(
            out[1..4],
            [
                Ingested::Duplicate,
                Ingested::DuplicateChange,
                Ingested::Ignored
            ]
        );
        assert!(matches!(out[4], Ingested::Queued { .. }), "{out:?}");
        assert_ne!(out[0], out[4], "two jobs");
        // Across batches too; more rows than one statement holds.
        let many: Vec<NewEvent> = (0..300)
            .map(|i| event(&format!("evt_m{i}"), Some(&format!("m {i}"))))
            .chain([event("evt_a", Some("key 1")), event("evt_e", Some("key 2"))])
            .collect();
        let out = store.insert_events(&many).await.unwrap();
        assert!(
            out[..300]
                .iter()
                .all(|o| matches!(o, Ingested::Queued { .. }))
        );
        assert_eq!(out[300..], [Ingested::Duplicate, Ingested::DuplicateChange]);
        assert_eq!(store.event_count().await.unwrap(), 4 + 301);
    }
}
