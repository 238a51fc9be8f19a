//! Deciding jobs: the rules over the database's knowledge, in one serialized transaction per
//! batch of jobs (each decision sees the records of those before it), with the Stripe look-ups a
//! decision asks for done outside any transaction, between rounds.

use std::sync::Arc;

use clicktrail_impact::{ImpactRequest, RequestKind};
use clicktrail_stripe::Event;

use crate::Error;
use crate::mapping::{self, Decision, Fetched, Need, Settings};
use crate::store::{
    Decided, JobState, Placed, Snapshot, Store, apply_records, place, set_decided, supersede,
};

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
    let now = store.now_ms();
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
        let mut sending_job = None;
        let mut replaced = Vec::new();
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
                let run_at = run_at_ms(*not_before, event.created, now);
                let json = serde_json::to_string(request)
                    .map_err(|e| Error::Corrupt(format!("cannot store the request: {e}")))?;
                // A change of an action goes after the jobs before it on its order.
                let placed = if request.kind() == RequestKind::Conversion {
                    Placed::default()
                } else {
                    place(
                        &mut tx,
                        round.job,
                        request.order_id(),
                        request.tracker_id(),
                        store.backend(),
                    )
                    .await?
                };
                let state = match placed.blocked {
                    Some(blocked) => blocked,
                    None if run_at <= now => JobState::Running,
                    None => JobState::Pending,
                };
                let outcome = placed.outcome.or_else(|| {
                    (state == JobState::Pending).then(|| "held until run_at".to_owned())
                });
                let decided = Decided::Send {
                    request: &json,
                    kind: request.kind().as_str(),
                    order_id: request.order_id(),
                    tracker: request.tracker_id(),
                    run_at,
                    state,
                    after_job: placed.after_job,
                    outcome,
                };
                let kept = set_decided(&mut tx, round.job, owner, &decided, now).await?;
                sending_job = Some(round.job);
                replaced = placed.replaces;
                (kept, (state == JobState::Running).then(|| request.clone()))
            }
            Decision::Skip { reason, .. } => {
                let kept =
                    set_decided(&mut tx, round.job, owner, &Decided::Skip { reason }, now).await?;
                (kept, None)
            }
            Decision::Wait { until, reason } => {
                let run_at = until.saturating_mul(1000);
                let decided = Decided::Wait { run_at, reason };
                (
                    set_decided(&mut tx, round.job, owner, &decided, now).await?,
                    None,
                )
            }
            Decision::AwaitConversion {
                refs,
                until,
                reason,
            } => {
                let run_at = until.saturating_mul(1000).max(now);
                let decided = Decided::Await {
                    run_at,
                    reason,
                    refs,
                };
                (
                    set_decided(&mut tx, round.job, owner, &decided, now).await?,
                    None,
                )
            }
        };
        if kept {
            if let Decision::Send { request, .. } = &decision {
                supersede(&mut tx, &replaced, round.job, request.order_id(), now).await?;
            }
            apply_records(&mut tx, decision.records(), sending_job, now).await?;
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

/// When a decided send may run, in Unix milliseconds.
///
/// The rules date a send from the event: `created` for conversions, `created + refund_delay` for
/// refunds. An event dated in the future of this machine (a sender's skewed clock, or a Stripe
/// test clock moved ahead) would otherwise wait until that date; its hold is measured from now
/// instead, so a refund is held exactly `refund_delay` and a conversion goes at once.
fn run_at_ms(not_before: i64, created: i64, now_ms: i64) -> i64 {
    let hold = not_before.saturating_sub(created).max(0);
    let anchor = created.min(now_ms / 1000);
    anchor.saturating_add(hold).saturating_mul(1000).max(now_ms)
}

#[cfg(test)]
mod tests {
    use super::run_at_ms;

    const NOW_MS: i64 = 1_800_000_000_000;
    const NOW: i64 = NOW_MS / 1000;

    #[test]
    fn past_events_run_at_their_rule_time_or_now() {
        // A conversion for an event of a minute ago: now.
        assert_eq!(run_at_ms(NOW - 60, NOW - 60, NOW_MS), NOW_MS);
        // A refund of a minute ago with a one-hour hold: 59 minutes from now.
        assert_eq!(
            run_at_ms(NOW - 60 + 3600, NOW - 60, NOW_MS),
            (NOW + 3540) * 1000
        );
    }

    #[test]
    fn future_dated_events_are_held_from_now_not_from_their_date() {
        let month = 31 * 86_400;
        // A conversion dated a month ahead goes now, not in a month.
        assert_eq!(run_at_ms(NOW + month, NOW + month, NOW_MS), NOW_MS);
        // A refund dated a month ahead is held its one hour from now.
        assert_eq!(
            run_at_ms(NOW + month + 3600, NOW + month, NOW_MS),
            (NOW + 3600) * 1000
        );
    }
}
