//! Per-order sequencing: where a new change of an order's action (a modification or reversal)
//! goes, inside the transaction that decides it.
//!
//! Every change of an `(OrderId, tracker)` follows the latest job decided for it
//! (`conversions.last_job`): the conversion first, then each change. A change is sent only
//! after the job it follows was delivered (accepted by impact.com):
//!
//! | the job before it | the new change |
//! |---|---|
//! | delivered (`done`), or none | free: held until its `run_at` |
//! | the conversion, not delivered yet | `waiting` for it |
//! | the conversion, a dead letter | `dead` with it (replaying the conversion replays both) |
//! | a change being sent or confirmed right now | `waiting` for it |
//! | a change not sent yet (held, waiting, retrying, dead) | superseded: marked done, and the new change (the newest state: `Amount` is absolute, a reversal final) takes its place |
//!
//! So several refunds of one charge collapse to one request carrying the newest state, and a
//! refund never reaches impact.com before its conversion was accepted.

use sqlx::Row;

use super::jobs::JobState;
use super::{Backend, Conn};
use crate::Error;

/// Where the new change goes; the default is "free, replacing nothing".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Placed {
    /// `None`: free to go at its `run_at`; else `Waiting` or `Dead`.
    pub(crate) blocked: Option<JobState>,
    /// The job it follows.
    pub(crate) after_job: Option<i64>,
    /// Why it waits or died, for `jobs`.
    pub(crate) outcome: Option<String>,
    /// The unsent changes it replaces: [`supersede`] them once the new decision is stored.
    pub(crate) replaces: Vec<i64>,
}

/// The longest chain followed (superseded changes are skipped over; real chains are one or two
/// jobs long).
const MAX_CHAIN: usize = 32;

/// Places job `job`, a change of `(order_id, tracker)`, after the jobs before it. Reads only;
/// the changes it replaces are listed in [`Placed::replaces`]. On PostgreSQL the jobs read are
/// locked (`FOR UPDATE`) until the transaction ends, so that another replica cannot claim a
/// change this one is about to supersede (its claim skips locked rows).
pub(crate) async fn place(
    conn: &mut Conn,
    job: i64,
    order_id: &str,
    tracker: &str,
    backend: Backend,
) -> Result<Placed, Error> {
    let read = match backend {
        Backend::Sqlite => "SELECT state, kind, after_job FROM jobs WHERE id = $1",
        Backend::Postgres => "SELECT state, kind, after_job FROM jobs WHERE id = $1 FOR UPDATE",
    };
    let latest: Option<(Option<i64>,)> = sqlx::query_as(
        "SELECT COALESCE(last_job, job_id) FROM conversions WHERE order_id = $1 AND tracker = $2",
    )
    .bind(order_id)
    .bind(tracker)
    .fetch_optional(&mut *conn)
    .await?;
    let mut before = latest.and_then(|(id,)| id);
    let mut replaces = Vec::new();
    for _ in 0..MAX_CHAIN {
        let Some(prev) = before.filter(|p| *p != job) else {
            break;
        };
        let Some(row) = sqlx::query(read)
            .bind(prev)
            .fetch_optional(&mut *conn)
            .await?
        else {
            break;
        };
        let state: String = row.try_get("state")?;
        let kind: Option<String> = row.try_get("kind")?;
        let conversion = kind.as_deref() == Some("conversion");
        let waiting = |what: String, replaces: Vec<i64>| Placed {
            blocked: Some(JobState::Waiting),
            after_job: Some(prev),
            outcome: Some(what),
            replaces,
        };
        match (state.as_str(), conversion) {
            ("done", _) => break,
            ("dead", true) => {
                return Ok(Placed {
                    blocked: Some(JobState::Dead),
                    after_job: Some(prev),
                    outcome: Some(format!(
                        "its conversion (job {prev}, OrderId {order_id}) is a dead letter; `clicktrail retry {prev}` sends both, in order"
                    )),
                    replaces,
                });
            }
            (_, true) => {
                return Ok(waiting(
                    format!(
                        "waiting for conversion job {prev} (OrderId {order_id}) to be delivered"
                    ),
                    replaces,
                ));
            }
            ("running" | "confirming", false) => {
                return Ok(waiting(
                    format!(
                        "waiting for job {prev} (the previous change of OrderId {order_id}, being sent) to be delivered"
                    ),
                    replaces,
                ));
            }
            (_, false) => {
                // Not sent yet: the newer state replaces it.
                replaces.push(prev);
                before = row.try_get("after_job")?;
            }
        }
    }
    Ok(Placed {
        blocked: None,
        after_job: None,
        outcome: None,
        replaces,
    })
}

/// Marks the unsent changes `replaced` done: job `by` carries a newer state of `order_id`.
pub(crate) async fn supersede(
    conn: &mut Conn,
    replaced: &[i64],
    by: i64,
    order_id: &str,
    now: i64,
) -> Result<(), Error> {
    for job in replaced {
        sqlx::query(
            "UPDATE jobs SET state = 'done', outcome = $1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $2 WHERE id = $3 AND state <> 'running'",
        )
        .bind(format!(
            "superseded by job {by}: a newer state of OrderId {order_id} is sent instead"
        ))
        .bind(now)
        .bind(job)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
