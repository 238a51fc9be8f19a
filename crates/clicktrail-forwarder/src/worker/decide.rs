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

/// How many times the whole batch is asked before deciding (each answer can raise new
/// questions: a conversion's click id after its duplicate check).
const PREFETCH_ROUNDS: usize = 4;

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
    // What the batch's decisions ask, loaded together: a few statements for the whole batch
    // instead of a few per decision. Each decision below still loads whatever it asks beyond
    // that, and drops what its records change, so it reads what the ones before it recorded.
    let snapshot = Snapshot::default();
    for _ in 0..PREFETCH_ROUNDS {
        for round in &rounds {
            let _ = mapping::decide(
                &round.event,
                settings,
                &snapshot,
                &round.fetched,
                now / 1000,
            );
        }
        if !snapshot.has_misses() {
            break;
        }
        snapshot.load_missing(&mut tx).await?;
    }
    for round in rounds {
        let event = &round.event;
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
                note,
                ..
            } => {
                let run_at = run_at_ms(*not_before, event.created, now);
                let json = serde_json::to_string(request)
                    .map_err(|e| Error::corrupt("cannot store the request", e))?;
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
                let conversion = match request {
                    ImpactRequest::Conversion(c) => Some(&**c),
                    ImpactRequest::Modification(_) | ImpactRequest::Reversal(_) => None,
                };
                let decided = Decided::Send {
                    request: &json,
                    kind: request.kind().as_str(),
                    order_id: request.order_id(),
                    tracker: request.tracker_id(),
                    run_at,
                    state,
                    after_job: placed.after_job,
                    outcome,
                    note: note.as_deref(),
                    click_id: conversion.and_then(|c| c.click_id()),
                    customer_id: conversion.and_then(|c| c.customer_id()),
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
            snapshot.forget(decision.records());
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
    use std::sync::Arc;

    use clicktrail_stripe::Event;
    use sqlx::Row;

    use super::{Round, decide_batch, run_at_ms};
    use crate::config::{DatabaseUrl, Synchronous};
    use crate::mapping::{Fetched, Settings};
    use crate::store::{Source, Store};

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

    /// Stores every line of `lines` as the intake would, claims the jobs, and decides them in
    /// batches of `batch`; returns what the store then holds (jobs and knowledge), as text.
    async fn decide_in_batches(lines: &[&str], batch: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let url =
            DatabaseUrl::new(&format!("sqlite://{}", dir.path().join("b.db").display())).unwrap();
        let store = Store::connect(&url, Synchronous::Off).await.unwrap();
        let events: Vec<_> = lines
            .iter()
            .filter_map(|l| crate::intake::parse(l.as_bytes(), Source::Webhook).ok())
            .collect();
        store.insert_events(&events).await.unwrap();
        let mut jobs = store.claim("test", i64::MAX, 1000).await.unwrap();
        jobs.sort_by_key(|j| j.id);
        let settings = Settings::demo();
        for chunk in jobs.chunks(batch) {
            let rounds = chunk
                .iter()
                .map(|j| Round {
                    job: j.id,
                    event: Arc::new(
                        Event::from_slice(j.payload.as_deref().unwrap().as_bytes()).unwrap(),
                    ),
                    fetched: Fetched::default(),
                })
                .collect();
            decide_batch(&store, &settings, "test", rounds)
                .await
                .unwrap();
        }
        let mut out = Vec::new();
        for sql in [
            "SELECT id, state, kind, order_id, after_job, request, outcome FROM jobs ORDER BY id",
            "SELECT event_id, business_key FROM handled_events ORDER BY event_id",
            "SELECT order_id, tracker, amount, current_amount, amount_refunded, reversed, job_id, last_job \
             FROM conversions ORDER BY order_id, tracker",
            "SELECT payment_ref, order_id FROM payments ORDER BY payment_ref",
            "SELECT owner_kind, owner_id, click_id FROM click_ids ORDER BY owner_kind, owner_id",
            "SELECT subscription, state FROM trials ORDER BY subscription",
        ] {
            for row in sqlx::query(sql).fetch_all(store.pool()).await.unwrap() {
                let cells: Vec<String> = (0..row.len())
                    .map(|i| {
                        row.try_get::<Option<String>, _>(i)
                            .map(|v| format!("{v:?}"))
                            .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                            .unwrap()
                    })
                    .collect();
                out.push(cells.join(" | "));
            }
        }
        store.close().await;
        out
    }

    /// Deciding a batch with one shared snapshot stores exactly what deciding the same jobs one
    /// per transaction stores: a later decision reads what an earlier one of the same batch
    /// recorded (a click id learned from a session, a conversion its refund changes, a
    /// duplicate's business key). Run over every event sequence of the rules' test data, all
    /// in one batch.
    #[tokio::test]
    async fn a_batch_decides_as_one_decision_per_transaction_does() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut checked = 0;
        let mut all = String::new();
        let mut files: Vec<_> = std::fs::read_dir(data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            all.push_str(&text);
            all.push('\n');
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let one_by_one = decide_in_batches(&lines, 1).await;
            let batched = decide_in_batches(&lines, 64).await;
            assert_eq!(batched, one_by_one, "{}", path.display());
            checked += one_by_one.len();
        }
        // Every file's events at once, in one batch too.
        let lines: Vec<&str> = all.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            decide_in_batches(&lines, 128).await,
            decide_in_batches(&lines, 1).await
        );
        assert!(checked >= 30, "only {checked} rows compared");
    }
}
