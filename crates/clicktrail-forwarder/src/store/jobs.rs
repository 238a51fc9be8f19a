//! The outbox: claiming due jobs under a lease, recording decisions and attempts, retrying.
//!
//! A job is `pending` (not run yet, or waiting for its `run_at`: a refund hold or a click-id
//! wait), `running` (claimed by one process until `lease_until`, which its heartbeat extends),
//! `retrying` (after a transient failure, until `run_at`), `done` (sent, or skipped with its
//! reason) or `dead` (a permanent failure, or the retry schedule ran out; `clicktrail retry`
//! puts it back). A process that dies leaves its jobs `running`; once the lease expires any
//! replica claims them again.

use sqlx::Row;

use super::{Backend, Conn, Store, now_ms};
use crate::Error;

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to run (first run, refund hold, click-id wait).
    Pending,
    /// Claimed by a process.
    Running,
    /// Waiting for its next attempt after a transient failure.
    Retrying,
    /// Finished: sent or skipped.
    Done,
    /// A dead letter.
    Dead,
}

impl JobState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Retrying => "retrying",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// Every state, in display order.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Running,
        Self::Retrying,
        Self::Done,
        Self::Dead,
    ];

    /// Parses a stored or typed name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A job claimed by this process.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    /// The job id.
    pub id: i64,
    /// The event it handles.
    pub event_id: String,
    /// Requests sent so far.
    pub attempts: i64,
    /// Transient failures so far (the retry schedule's index).
    pub failures: i64,
    /// The decided request (JSON), once decided.
    pub request: Option<String>,
}

/// How an attempt ends a job's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Delivered.
    Done,
    /// Try again at `run_at` (unix ms); `failure` counts it against the schedule.
    Retry {
        /// When.
        run_at: i64,
        /// Whether this was a transient failure (a 429 is not).
        failure: bool,
        /// Why, for `jobs` and `status`.
        reason: String,
    },
    /// A dead letter, with the full answer.
    Dead {
        /// Why.
        reason: String,
        /// The answer's body, when there was one.
        answer: Option<String>,
    },
}

/// One attempt, as recorded.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// When it started, unix ms.
    pub at: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// `POST`, `PUT`, `DELETE`.
    pub method: &'static str,
    /// The path (no credentials).
    pub path: String,
    /// The form parameters as JSON (no credentials: they travel in a header).
    pub params: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// `queued`, `rejected`, `rate_limited`, `transient`.
    pub outcome: &'static str,
    /// A bounded excerpt of the answer, or the transport error.
    pub excerpt: String,
}

/// A job as `clicktrail jobs` shows it.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// The job id.
    pub id: i64,
    /// Its state.
    pub state: String,
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// `conversion`, `modification` or `reversal`, once decided.
    pub kind: Option<String>,
    /// The `OrderId`, once decided.
    pub order_id: Option<String>,
    /// Requests sent.
    pub attempts: i64,
    /// When it runs next (unix ms).
    pub run_at: i64,
    /// Why it is done, retrying or dead.
    pub outcome: Option<String>,
    /// A dead letter's answer.
    pub answer: Option<String>,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE (state IN ('pending', 'retrying') AND run_at <= $3) OR (state = 'running' AND lease_until < $3) \
       ORDER BY run_at LIMIT $4) \
     RETURNING id, event_id, attempts, failures, request";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE (state IN ('pending', 'retrying') AND run_at <= $3) OR (state = 'running' AND lease_until < $3) \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, event_id, attempts, failures, request";

impl Store {
    /// Claims up to `limit` due jobs (and jobs whose lease expired) for `owner` until
    /// `lease_until` (unix ms).
    pub async fn claim(
        &self,
        owner: &str,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>, Error> {
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let rows = sqlx::query(sql)
            .bind(owner)
            .bind(lease_until)
            .bind(now_ms())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ClaimedJob {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    attempts: r.try_get("attempts")?,
                    failures: r.try_get("failures")?,
                    request: r.try_get("request")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// The raw JSON of a stored event.
    pub async fn event_payload(&self, event_id: &str) -> Result<String, Error> {
        let (payload,): (String,) = sqlx::query_as("SELECT payload FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(payload)
    }

    /// The earliest `run_at` of a job waiting to run (unix ms), to sleep until then.
    pub async fn next_run_at(&self) -> Result<Option<i64>, Error> {
        let (at,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(run_at) FROM jobs WHERE state IN ('pending', 'retrying')")
                .fetch_one(&self.pool)
                .await?;
        Ok(at)
    }

    /// Extends the lease of every job `owner` holds.
    pub async fn heartbeat(&self, owner: &str, lease_until: i64) -> Result<u64, Error> {
        Ok(sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2 AND state = 'running'",
        )
        .bind(lease_until)
        .bind(owner)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Gives back the jobs `owner` holds (graceful shutdown): they run again at once, elsewhere
    /// or after the restart.
    pub async fn release(&self, owner: &str) -> Result<u64, Error> {
        Ok(sqlx::query(
            "UPDATE jobs SET state = CASE WHEN failures > 0 THEN 'retrying' ELSE 'pending' END, \
             lease_owner = NULL, lease_until = NULL, updated_at = $1 \
             WHERE lease_owner = $2 AND state = 'running'",
        )
        .bind(now_ms())
        .bind(owner)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// SQLite only (one process per database file): jobs left `running` by a previous run that
    /// was killed are due again at once instead of after their lease.
    pub async fn recover_after_crash(&self) -> Result<u64, Error> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        Ok(sqlx::query(
            "UPDATE jobs SET state = CASE WHEN failures > 0 THEN 'retrying' ELSE 'pending' END, \
             lease_owner = NULL, lease_until = NULL WHERE state = 'running'",
        )
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Records an attempt and its consequence for the job, atomically, if `owner` still holds
    /// the job. Returns `false` when the lease was lost (the job was taken over).
    pub async fn finish(
        &self,
        job: i64,
        owner: &str,
        attempt: Option<&AttemptRecord>,
        finish: &Finish,
    ) -> Result<bool, Error> {
        let done = self
            .finish_many(owner, &[(job, attempt.cloned(), finish.clone())])
            .await?;
        Ok(done.first().copied().unwrap_or(false))
    }

    /// [`Store::finish`] for many jobs in one transaction (one disk sync); one `bool` per job,
    /// in order.
    pub async fn finish_many(
        &self,
        owner: &str,
        items: &[(i64, Option<AttemptRecord>, Finish)],
    ) -> Result<Vec<bool>, Error> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut kept = Vec::with_capacity(items.len());
        for (job, attempt, finish) in items {
            let (state, run_at, failure, outcome, answer) = match finish {
                Finish::Done => ("done", None, false, Some("sent".to_owned()), None),
                Finish::Retry {
                    run_at,
                    failure,
                    reason,
                } => (
                    "retrying",
                    Some(*run_at),
                    *failure,
                    Some(reason.clone()),
                    None,
                ),
                Finish::Dead { reason, answer } => {
                    ("dead", None, false, Some(reason.clone()), answer.clone())
                }
            };
            let updated = sqlx::query(
                "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), \
                 failures = failures + $3, attempts = attempts + $4, outcome = $5, answer = $6, \
                 lease_owner = NULL, lease_until = NULL, updated_at = $7 \
                 WHERE id = $8 AND lease_owner = $9 AND state = 'running'",
            )
            .bind(state)
            .bind(run_at)
            .bind(i64::from(failure))
            .bind(i64::from(attempt.is_some()))
            .bind(outcome)
            .bind(answer)
            .bind(now)
            .bind(*job)
            .bind(owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // The attempt is recorded even when the lease was lost: it happened.
            if let Some(a) = attempt {
                insert_attempt(&mut tx, *job, a).await?;
            }
            kept.push(updated > 0);
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Puts a dead or retrying job back in the queue now, with a fresh retry schedule
    /// (`clicktrail retry ID`). A pending job is left alone, so a refund hold cannot be cut
    /// short. Returns `false` when no such job is dead or retrying.
    pub async fn retry_job(&self, job: i64) -> Result<bool, Error> {
        let n = sqlx::query(
            "UPDATE jobs SET state = 'pending', run_at = $1, failures = 0, answer = NULL, updated_at = $1 \
             WHERE id = $2 AND state IN ('dead', 'retrying')",
        )
        .bind(now_ms())
        .bind(job)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Puts every dead letter back in the queue (`clicktrail retry --dead`); returns how many.
    pub async fn retry_dead(&self) -> Result<u64, Error> {
        Ok(sqlx::query(
            "UPDATE jobs SET state = 'pending', run_at = $1, failures = 0, answer = NULL, updated_at = $1 \
             WHERE state = 'dead'",
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Jobs, newest first, optionally in one state.
    pub async fn jobs(&self, state: Option<JobState>, limit: i64) -> Result<Vec<JobRow>, Error> {
        let rows = sqlx::query(
            "SELECT j.id, j.state, j.event_id, e.type, j.kind, j.order_id, j.attempts, j.run_at, \
             j.outcome, j.answer FROM jobs j JOIN events e ON e.id = j.event_id \
             WHERE ($1 = '' OR j.state = $1) ORDER BY j.id DESC LIMIT $2",
        )
        .bind(state.map(JobState::as_str).unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobRow {
                    id: r.try_get(0)?,
                    state: r.try_get(1)?,
                    event_id: r.try_get(2)?,
                    event_type: r.try_get(3)?,
                    kind: r.try_get(4)?,
                    order_id: r.try_get(5)?,
                    attempts: r.try_get(6)?,
                    run_at: r.try_get(7)?,
                    outcome: r.try_get(8)?,
                    answer: r.try_get(9)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// Every attempt of a job, oldest first: (status, outcome, excerpt).
    pub async fn attempts(&self, job: i64) -> Result<Vec<(Option<i64>, String, String)>, Error> {
        Ok(sqlx::query_as(
            "SELECT status, outcome, excerpt FROM attempts WHERE job_id = $1 ORDER BY id",
        )
        .bind(job)
        .fetch_all(&self.pool)
        .await?)
    }
}

async fn insert_attempt(conn: &mut Conn, job: i64, a: &AttemptRecord) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO attempts (job_id, at, duration_ms, method, path, params, status, outcome, excerpt) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(job)
    .bind(a.at)
    .bind(a.duration_ms)
    .bind(a.method)
    .bind(&a.path)
    .bind(&a.params)
    .bind(a.status.map(i64::from))
    .bind(a.outcome)
    .bind(&a.excerpt)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a decision does to its job, inside the decision's transaction.
#[derive(Debug, Clone)]
pub(crate) enum Decided<'a> {
    /// Send `request` (JSON) at `run_at` (unix ms); `keep` keeps the lease to send it now.
    Send {
        request: &'a str,
        kind: &'a str,
        order_id: &'a str,
        tracker: &'a str,
        run_at: i64,
        keep: bool,
    },
    /// Done without sending.
    Skip { reason: &'a str },
    /// Decide again at `run_at`.
    Wait { run_at: i64, reason: &'a str },
}

/// Stores a decision on a job held by `owner`; `false` when the lease was lost.
pub(crate) async fn set_decided(
    conn: &mut Conn,
    job: i64,
    owner: &str,
    decided: &Decided<'_>,
) -> Result<bool, Error> {
    let now = now_ms();
    let query = match decided {
        Decided::Send {
            request,
            kind,
            order_id,
            tracker,
            run_at,
            keep,
        } => sqlx::query(
            "UPDATE jobs SET request = $1, kind = $2, order_id = $3, tracker = $4, run_at = $5, \
             state = CASE WHEN $6 = 1 THEN 'running' ELSE 'pending' END, \
             lease_owner = CASE WHEN $6 = 1 THEN lease_owner ELSE NULL END, \
             outcome = CASE WHEN $6 = 1 THEN NULL ELSE 'held until run_at' END, updated_at = $7 \
             WHERE id = $8 AND lease_owner = $9 AND state = 'running'",
        )
        .bind(*request)
        .bind(*kind)
        .bind(*order_id)
        .bind(*tracker)
        .bind(*run_at)
        .bind(i64::from(*keep))
        .bind(now)
        .bind(job)
        .bind(owner),
        Decided::Skip { reason } => sqlx::query(
            "UPDATE jobs SET state = 'done', outcome = $1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $2 WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
        )
        .bind(format!("skipped: {reason}"))
        .bind(now)
        .bind(job)
        .bind(owner),
        Decided::Wait { run_at, reason } => sqlx::query(
            "UPDATE jobs SET state = 'pending', run_at = $1, outcome = $2, lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
        )
        .bind(*run_at)
        .bind(format!("waiting: {reason}"))
        .bind(now)
        .bind(job)
        .bind(owner),
    };
    Ok(query.execute(conn).await?.rows_affected() > 0)
}
