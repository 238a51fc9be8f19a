//! Events read from Stripe's API, fed to the intake: what `backfill` and reconcile share.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::Error;
use crate::intake::{IngestError, Intake};
use crate::store::{Ingested, Source, Store};

/// What became of the events of a backfill or a reconcile run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Events read from Stripe.
    pub fetched: u64,
    /// Stored with a new job.
    pub new: u64,
    /// Already stored (same event id, or another event for the same change).
    pub known: u64,
    /// Stored as ignored: a type the rules do not handle.
    pub ignored: u64,
    /// Not a readable event (logged, not stored).
    pub invalid: u64,
}

/// Now, in unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Ingests `events` (oldest first) through `intake`, skipping without a write those whose id is
/// already stored; `progress` sees the counts after each event. Stops at the first store failure.
pub async fn ingest_all(
    intake: &Intake,
    store: &Store,
    events: Vec<Value>,
    source: Source,
    mut progress: impl FnMut(&Counts),
) -> Result<Counts, Error> {
    let mut counts = Counts {
        fetched: events.len() as u64,
        ..Counts::default()
    };
    let ids: Vec<String> = events.iter().filter_map(event_id).collect();
    let known = store.known_event_ids(&ids).await?;
    for event in events {
        if event_id(&event).is_some_and(|id| known.contains(&id)) {
            counts.known += 1;
        } else {
            let raw = serde_json::to_vec(&event)
                .map_err(|e| Error::corrupt("an event read from Stripe cannot be re-encoded", e))?;
            match intake.ingest(&raw, source).await {
                Ok(Ingested::Queued { .. }) => counts.new += 1,
                Ok(Ingested::Duplicate | Ingested::DuplicateChange) => counts.known += 1,
                Ok(Ingested::Ignored) => counts.ignored += 1,
                Err(IngestError::Invalid(reason)) => {
                    tracing::warn!(%reason, event = ?event_id(&event), "an event read from Stripe is not readable");
                    counts.invalid += 1;
                }
                Err(e @ IngestError::Unavailable) => {
                    return Err(Error::database("cannot store an event read from Stripe", e));
                }
            }
        }
        progress(&counts);
    }
    Ok(counts)
}

fn event_id(event: &Value) -> Option<String> {
    event.get("id").and_then(Value::as_str).map(str::to_owned)
}
