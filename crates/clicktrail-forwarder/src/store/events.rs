//! Intake writes: raw events and their jobs, many in one transaction (group commit).

use super::{Store, now_ms};
use crate::Error;

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
    pub async fn insert_events(&self, events: &[NewEvent]) -> Result<Vec<Ingested>, Error> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            let outcome = if event.dedupe_key.is_some() {
                "queued"
            } else {
                "ignored"
            };
            let inserted = sqlx::query(
                "INSERT INTO events (id, type, created, source, outcome, received_at, payload) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&event.id)
            .bind(&event.event_type)
            .bind(event.created)
            .bind(event.source.as_str())
            .bind(outcome)
            .bind(now)
            .bind(&event.raw)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                out.push(Ingested::Duplicate);
                continue;
            }
            let Some(key) = &event.dedupe_key else {
                out.push(Ingested::Ignored);
                continue;
            };
            let job: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO jobs (event_id, dedupe_key, state, run_at, created_at, updated_at) \
                 VALUES ($1, $2, 'pending', $3, $3, $3) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(&event.id)
            .bind(key)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            match job {
                Some((job,)) => out.push(Ingested::Queued { job }),
                None => {
                    sqlx::query("UPDATE events SET outcome = 'duplicate' WHERE id = $1")
                        .bind(&event.id)
                        .execute(&mut *tx)
                        .await?;
                    out.push(Ingested::DuplicateChange);
                }
            }
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
