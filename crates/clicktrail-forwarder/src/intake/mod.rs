//! The deduplicating intake: every event, from the webhook, `backfill` or reconcile, enters
//! through [`Intake::ingest`].
//!
//! An event is parsed, given its job's deduplication key (the business key of a handled type),
//! and handed to a committer task that writes whatever has queued up meanwhile in one
//! transaction (group commit): under load one disk sync acknowledges many events, and each
//! caller still gets its answer only after its own event is durable.

pub mod http;
pub mod secrets;

use std::borrow::Cow;
use std::sync::Arc;

use clicktrail_stripe::{Event, EventHead};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::batch::Batcher;
use crate::knowledge::BusinessKey;
use crate::mapping::{self, HANDLED_EVENT_TYPES};
use crate::metrics::Metrics;
use crate::store::{Backend, Ingested, NewEvent, Source, Store};

/// Why an event was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The body is not a Stripe event; the message names the problem.
    #[error("invalid event: {0}")]
    Invalid(String),
    /// The store failed; nothing was stored (the sender should try again).
    #[error("the store is unavailable")]
    Unavailable,
}

/// The intake's handle; cheap to clone. Dropping every clone stops the committers once they
/// have written what was queued.
#[derive(Debug, Clone)]
pub struct Intake {
    committer: Arc<Batcher<NewEvent, Ingested>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Intake {
    /// Starts the committer tasks over `store`; `wake` is notified whenever jobs were queued.
    pub fn start(
        store: Store,
        batch_max: usize,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> (Self, Vec<JoinHandle<()>>) {
        // SQLite has one writer anyway; PostgreSQL commits several batches at once.
        let committers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 4,
        };
        let counted = Arc::clone(&metrics);
        let (committer, handles) = Batcher::spawn_many(
            batch_max,
            committers,
            move |events: Vec<NewEvent>| {
                let store = store.clone();
                counted.batch("intake", events.len());
                async move {
                    let stored = store.insert_events(&events).await;
                    if let Err(e) = &stored {
                        tracing::error!(error = %e.chain(), events = events.len(), "cannot store events");
                    }
                    stored
                }
            },
        );
        let committer = Arc::new(committer);
        (
            Self {
                committer,
                wake,
                metrics,
            },
            handles,
        )
    }

    /// Parses and stores one raw event (already authenticated: a verified webhook, or read from
    /// Stripe's API with our key). Returns once it is durable.
    pub async fn ingest(&self, raw: &[u8], source: Source) -> Result<Ingested, IngestError> {
        let event = match parse(raw, source) {
            Ok(event) => event,
            Err(e) => {
                self.metrics.received("-", "invalid");
                return Err(e);
            }
        };
        let event_type = event.event_type.clone();
        let result = self
            .committer
            .call(event)
            .await
            .map_err(|_| IngestError::Unavailable);
        let outcome = match &result {
            Ok(ingested) => ingested.as_str(),
            Err(_) => "error",
        };
        self.metrics.received(&event_type, outcome);
        if matches!(result, Ok(Ingested::Queued { .. })) {
            self.wake.notify_one();
        }
        result
    }
}

/// The pure part: the envelope, and the job's deduplication key.
///
/// Only the envelope is read ([`EventHead`], no JSON tree of the payload: id, type, created,
/// `data.object.id` and the customer the event is about); a `charge.refunded`
/// event, whose business key holds the charge's cumulative `amount_refunded`, is read whole, as
/// the rules will read it.
pub(crate) fn parse(raw: &[u8], source: Source) -> Result<NewEvent, IngestError> {
    let text = std::str::from_utf8(raw)
        .map_err(|e| IngestError::Invalid(format!("the body is not UTF-8: {e}")))?;
    let head = EventHead::parse(raw).map_err(|e| IngestError::Invalid(e.to_string()))?;
    let handled = HANDLED_EVENT_TYPES.contains(&&*head.event_type);
    let dedupe_key = if !handled {
        None
    } else if head.event_type == "charge.refunded" {
        let event = Event::from_slice(raw).map_err(|e| IngestError::Invalid(e.to_string()))?;
        Some(match mapping::business_key(&event) {
            Ok(key) => key.to_string(),
            // The rules will skip it with this reason; the job keeps the event's own id.
            Err(_) => format!("event {}", event.id),
        })
    } else {
        Some(match &head.object_id {
            Some(object_id) => BusinessKey {
                object_id: object_id.to_string(),
                event_type: head.event_type.to_string(),
                amount_refunded: None,
            }
            .to_string(),
            None => format!("event {}", head.id),
        })
    };
    Ok(NewEvent {
        id: head.id.into_owned(),
        event_type: head.event_type.into_owned(),
        created: head.created,
        raw: text.to_owned(),
        customer: head.customer.map(Cow::into_owned),
        source,
        dedupe_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The envelope-only read gives every stored test event the dedupe key the rules' own
    /// business key gives it from the whole event.
    #[test]
    fn the_fast_dedupe_key_is_the_rules_business_key() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut checked = 0;
        for entry in std::fs::read_dir(data).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(event) = Event::from_slice(line.as_bytes()) else {
                    continue;
                };
                let expected = HANDLED_EVENT_TYPES
                    .contains(&event.event_type.as_str())
                    .then(|| match mapping::business_key(&event) {
                        Ok(key) => key.to_string(),
                        Err(_) => format!("event {}", event.id),
                    });
                let parsed = parse(line.as_bytes(), Source::Webhook).unwrap();
                assert_eq!(
                    parsed.dedupe_key,
                    expected,
                    "{}: {}",
                    path.display(),
                    event.id
                );
                assert_eq!(
                    (parsed.id.as_str(), parsed.created),
                    (event.id.as_str(), event.created)
                );
                checked += 1;
            }
        }
        assert!(checked >= 12, "{checked} events checked");
    }

    #[test]
    fn the_dedupe_key_is_the_business_key_of_handled_types() {
        let refund = br#"{"id":"evt_1","type":"charge.refunded","created":1,
            "data":{"object":{"id":"ch_1","object":"charge","amount":1000,"amount_refunded":300}}}"#;
        let e = parse(refund, Source::Webhook).unwrap();
        assert_eq!(e.dedupe_key.as_deref(), Some("ch_1 charge.refunded 300"));
        assert_eq!(e.customer, None, "this charge names no customer");
        let other = br#"{"id":"evt_2","type":"customer.created","created":1,"data":{"object":{"id":"cus_1","object":"customer"}}}"#;
        let other = parse(other, Source::Webhook).unwrap();
        assert_eq!(other.dedupe_key, None);
        assert_eq!(
            other.customer.as_deref(),
            Some("cus_1"),
            "the customer itself"
        );
        let paid = br#"{"id":"evt_4","type":"invoice.paid","created":1,
            "data":{"object":{"id":"in_1","object":"invoice","customer":"cus_9"}}}"#;
        assert_eq!(
            parse(paid, Source::Webhook).unwrap().customer.as_deref(),
            Some("cus_9")
        );
        let err = parse(br#"{"id":"evt_3","type":"x"}"#, Source::Webhook).unwrap_err();
        assert_eq!(err, IngestError::Invalid("missing field `created`".into()));
        assert!(matches!(
            parse(b"{\"id\": \"ev", Source::Webhook),
            Err(IngestError::Invalid(_))
        ));
    }
}
