//! Deciding jobs: the rules over the database's knowledge, in one serialized transaction per
//! batch of jobs (each decision sees the records of those before it), with the Stripe look-ups a
//! decision asks for done outside any transaction, between rounds.

use std::sync::Arc;

use clicktrail_impact::ImpactRequest;
use clicktrail_stripe::Event;

use crate::Error;
use crate::mapping::{self, Decision, Fetched, Need, Settings};
use crate::store::{Decided, Snapshot, Store, apply_records, now_ms, set_decided};

/// The most look-up rounds for one event (each asks Stripe one thing).
pub(crate) const MAX_ROUNDS: usize = 12;

/// One decision to make: a job's event with what Stripe answered so far.
#[derive(Debug)]
pub(crate) struct Round {
    pub(crate) job: i64,
    pub(crate) event: Arc<Event>,
    pub(crate) fetched: Fetched,
}

/// What a round came to.
#[derive(Debug)]
pub(crate) enum RoundOutcome {
    /// Fetch this and decide again; nothing was stored.
    Lookup(Need),
    /// Stored; the request to send now, if any (held, skipped, waiting or lease lost: none).
    Decided(Option<ImpactRequest>),
}

/// Decides `rounds` in one transaction.
pub(crate) async fn decide_batch(
    store: &Store,
    settings: &Settings,
    owner: &str,
    rounds: Vec<Round>,
) -> Result<Vec<RoundOutcome>, Error> {
    let now = now_ms();
    let mut tx = store.begin_serialized().await?;
    let mut out = Vec::with_capacity(rounds.len());
    for round in rounds {
        let event = &round.event;
        let snapshot = Snapshot::default();
        let decision = loop {
            let decision = mapping::decide(event, settings, &snapshot, &round.fetched, now / 1000);
            if snapshot.has_misses() {
                snapshot.load_missing(&mut tx).await?;
            } else {
                break decision;
            }
        };
        // The job first (is it still ours?), then the decision's records.
        let (kept, send) = match &decision {
            Decision::Lookup { needs } => {
                out.push(RoundOutcome::Lookup(needs.clone()));
                continue;
            }
            Decision::Send {
                request,
                not_before,
                ..
            } => {
                let run_at = not_before.saturating_mul(1000).max(now);
                let json = serde_json::to_string(request)
                    .map_err(|e| Error::Corrupt(format!("cannot store the request: {e}")))?;
                let keep = run_at <= now;
                let decided = Decided::Send {
                    request: &json,
                    kind: request.kind().as_str(),
                    order_id: request.order_id(),
                    tracker: request.tracker_id(),
                    run_at,
                    keep,
                };
                let kept = set_decided(&mut tx, round.job, owner, &decided).await?;
                (kept, keep.then(|| request.clone()))
            }
            Decision::Skip { reason, .. } => {
                let kept =
                    set_decided(&mut tx, round.job, owner, &Decided::Skip { reason }).await?;
                (kept, None)
            }
            Decision::Wait { until, reason } => {
                let run_at = until.saturating_mul(1000);
                let decided = Decided::Wait { run_at, reason };
                (
                    set_decided(&mut tx, round.job, owner, &decided).await?,
                    None,
                )
            }
        };
        if kept {
            apply_records(&mut tx, decision.records()).await?;
            tracing::info!(job = round.job, event = %event.id, r#type = %event.event_type, decision = decision.kind(), "decided");
            out.push(RoundOutcome::Decided(send));
        } else {
            tracing::warn!(
                job = round.job,
                "lease lost while deciding; another worker has the job"
            );
            out.push(RoundOutcome::Decided(None));
        }
    }
    tx.commit().await?;
    Ok(out)
}
