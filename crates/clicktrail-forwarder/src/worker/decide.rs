//! Deciding a job: the rules over the database's knowledge, Stripe look-ups in between, the
//! decision and its records stored in one serialized transaction.

use clicktrail_impact::ImpactRequest;
use clicktrail_stripe::Event;
use clicktrail_stripe::client::StripeClient;

use super::lookups;
use crate::Error;
use crate::mapping::{self, Decision, Fetched, Settings};
use crate::store::{ClaimedJob, Snapshot, Store, now_ms};
use crate::store::{Decided, apply_records, set_decided};

/// The most look-up rounds for one event (each asks Stripe one thing).
const MAX_ROUNDS: usize = 12;

/// Decides `job` and stores the decision. Returns the request to send now, if any (a send that
/// is held, a skip, a wait, or a lost lease return `None`).
pub(crate) async fn decide(
    store: &Store,
    settings: &Settings,
    stripe: Option<&StripeClient>,
    job: &ClaimedJob,
    owner: &str,
) -> Result<Option<ImpactRequest>, Error> {
    let payload = store.event_payload(&job.event_id).await?;
    let event = Event::from_slice(payload.as_bytes())
        .map_err(|e| Error::Corrupt(format!("event {}: {e}", job.event_id)))?;
    let mut fetched = Fetched::default();
    for _ in 0..MAX_ROUNDS {
        let now = now_ms();
        let mut tx = store.begin_serialized().await?;
        let snapshot = Snapshot::default();
        let decision = loop {
            let decision = mapping::decide(&event, settings, &snapshot, &fetched, now / 1000);
            if snapshot.has_misses() {
                snapshot.load_missing(&mut tx).await?;
            } else {
                break decision;
            }
        };
        let (decided, send) = match &decision {
            Decision::Lookup { needs } => {
                tx.rollback().await?;
                let stripe = stripe.ok_or_else(|| {
                    Error::Stripe(format!("{needs}: no [stripe] api_key configured"))
                })?;
                lookups::fetch(stripe, needs, &mut fetched).await?;
                continue;
            }
            Decision::Send {
                request,
                not_before,
                records,
            } => {
                apply_records(&mut tx, records).await?;
                let run_at = not_before.saturating_mul(1000).max(now);
                let json = serde_json::to_string(request)
                    .map_err(|e| Error::Corrupt(format!("cannot store the request: {e}")))?;
                let keep = run_at <= now;
                let ok = set_decided(
                    &mut tx,
                    job.id,
                    owner,
                    &Decided::Send {
                        request: &json,
                        kind: request.kind().as_str(),
                        order_id: request.order_id(),
                        tracker: request.tracker_id(),
                        run_at,
                        keep,
                    },
                )
                .await?;
                (ok, keep.then(|| request.clone()))
            }
            Decision::Skip { reason, records } => {
                apply_records(&mut tx, records).await?;
                let ok = set_decided(&mut tx, job.id, owner, &Decided::Skip { reason }).await?;
                (ok, None)
            }
            Decision::Wait { until, reason } => {
                let run_at = until.saturating_mul(1000);
                let ok =
                    set_decided(&mut tx, job.id, owner, &Decided::Wait { run_at, reason }).await?;
                (ok, None)
            }
        };
        if !decided {
            tx.rollback().await?;
            tracing::warn!(
                job = job.id,
                "lease lost while deciding; another worker has the job"
            );
            return Ok(None);
        }
        tx.commit().await?;
        tracing::info!(job = job.id, event = %event.id, r#type = %event.event_type, decision = decision.kind(), "decided");
        return Ok(send);
    }
    Err(Error::Stripe(format!(
        "event {} still needs look-ups after {MAX_ROUNDS} rounds",
        event.id
    )))
}
