//! The outbox: claiming due jobs under a lease, recording decisions and attempts, retrying.
//!
//! A job is `pending` (not run yet, or waiting for its `run_at`: a refund hold, a click-id wait,
//! a refund waiting for its payment's event), `waiting` (a change of an order's action that
//! waits for the job before it, `after_job`, to be delivered: its conversion, or the previous
//! change still in flight), `running` (claimed by one process until `lease_until`, which its
//! heartbeat extends), `confirming` (sent and queued by impact.com; its submission's verdict is
//! read at `run_at`), `retrying` (after a transient failure, until `run_at`), `done` (delivered,
//! skipped with its reason, or superseded by a newer state of its order) or `dead` (a permanent
//! failure, the retry schedule ran out, or the job it waits for is dead; `clicktrail retry`
//! puts it back, and its waiting successors follow it out in order). A process that dies leaves
//! its jobs `running`; once the lease expires any replica claims them again.

use std::collections::HashMap;

use sqlx::Row;

use super::console::{Param, bind_params};
use super::events::{ROWS_PER_STATEMENT, numbered, placeholders};
use super::{Backend, Conn, Store};
use crate::Error;

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to run (first run, refund hold, click-id wait, a refund's payment event).
    Pending,
    /// Waiting for the job before it (its conversion) to be delivered.
    Waiting,
    /// Claimed by a process.
    Running,
    /// Sent and queued by impact.com; its verdict is read at `run_at`.
    Confirming,
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
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Confirming => "confirming",
            Self::Retrying => "retrying",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// Every state, in display order.
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Waiting,
        Self::Running,
        Self::Confirming,
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
    /// impact.com's `QueuedUri` of the last send, while its verdict is awaited.
    pub submission: Option<String>,
    /// Times the request was handed to a sender, this claim included: above 1, impact.com may
    /// have received an earlier send (a crash, or an answer lost, between send and commit).
    pub tries: i64,
    /// Submission reads so far.
    pub polls: i64,
    /// The event's raw JSON, read with the claim for every job not decided yet (one read for
    /// the whole claim instead of one per job); `None` once decided.
    pub payload: Option<String>,
}

/// How an attempt ends a job's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Delivered: impact.com accepted it. Releases the jobs waiting for this one.
    Done {
        /// impact.com's verdict, when it was read (`Complete`, `CONV_DUPLICATE of our own
        /// earlier send`, ...).
        verdict: Option<String>,
    },
    /// Sent and queued: read the verdict of `submission` at `run_at` (unix ms).
    Confirm {
        /// When.
        run_at: i64,
        /// The `QueuedUri`.
        submission: String,
        /// Why it is not final yet, for `jobs`.
        reason: String,
    },
    /// Send again at `run_at` (unix ms); `failure` counts it against the schedule.
    Retry {
        /// When.
        run_at: i64,
        /// Whether this was a transient failure (a 429 is not).
        failure: bool,
        /// Why, for `jobs` and `status`.
        reason: String,
    },
    /// A dead letter, with the full answer. The jobs waiting for this one die with it.
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
    /// What the decision to send noted (a payment sent as one item, and why).
    pub note: Option<String>,
}

/// The columns of a [`JobRow`], from `jobs j JOIN events e`, in [`JobRow::read_all`]'s order.
pub(super) const JOB_ROW_COLUMNS: &str = "j.id, j.state, j.event_id, e.type, j.kind, j.order_id, \
     j.attempts, j.run_at, j.outcome, j.answer, j.note";

impl JobRow {
    /// Reads rows selected with [`JOB_ROW_COLUMNS`].
    pub(super) fn read_all(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Self>, Error> {
        rows.iter()
            .map(|r| {
                Ok(Self {
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
                    note: r.try_get(10)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }
}

/// Claims due jobs in `run_at` order (through the partial index `jobs_ready`, which stops at the
/// limit instead of sorting every due job), and jobs whose lease expired; a job whose decided
/// request will be sent counts a try. SQLite is told the index (its planner, without statistics,
/// prefers `jobs_due` and a sort).
const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, updated_at = $3, \
     tries = tries + CASE WHEN request IS NOT NULL AND submission IS NULL THEN 1 ELSE 0 END \
     WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_ready \
       WHERE state IN ('pending', 'retrying', 'confirming') AND run_at <= $3 ORDER BY run_at LIMIT $4) \
     OR id IN (SELECT id FROM jobs INDEXED BY jobs_leased \
       WHERE state = 'running' AND lease_until < $3 LIMIT $4) \
     RETURNING id, event_id, attempts, failures, request, submission, tries, polls";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, updated_at = $3, \
     tries = tries + CASE WHEN request IS NOT NULL AND submission IS NULL THEN 1 ELSE 0 END \
     WHERE id IN (SELECT id FROM jobs \
       WHERE state IN ('pending', 'retrying', 'confirming') AND run_at <= $3 ORDER BY run_at LIMIT $4 \
       FOR UPDATE SKIP LOCKED) \
     OR id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < $3 LIMIT $4 \
       FOR UPDATE SKIP LOCKED) \
     RETURNING id, event_id, attempts, failures, request, submission, tries, polls";

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
            .bind(self.now_ms())
            .bind(limit)
            .fetch_all(&self.writer)
            .await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                Ok(ClaimedJob {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    attempts: r.try_get("attempts")?,
                    failures: r.try_get("failures")?,
                    request: r.try_get("request")?,
                    submission: r.try_get("submission")?,
                    tries: r.try_get("tries")?,
                    polls: r.try_get("polls")?,
                    payload: None,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let undecided: Vec<&str> = jobs
            .iter()
            .filter(|j| j.request.is_none())
            .map(|j| j.event_id.as_str())
            .collect();
        let mut payloads = self.event_payloads(&undecided).await?;
        for job in &mut jobs {
            job.payload = payloads.remove(&job.event_id);
        }
        Ok(jobs)
    }

    /// The raw JSON of stored events, by event id (several per statement).
    pub(crate) async fn event_payloads(
        &self,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, Error> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, payload FROM events WHERE id IN ({})",
                numbered(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            found.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    /// The earliest `run_at` of a job waiting to run (unix ms), to sleep until then.
    pub async fn next_run_at(&self) -> Result<Option<i64>, Error> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(run_at) FROM jobs WHERE state IN ('pending', 'retrying', 'confirming')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// Extends the lease of every job `owner` holds.
    ///
    /// On PostgreSQL a job whose row a decision or finish transaction holds right now is
    /// skipped rather than waited for: waiting made the heartbeat and a batch transaction lock
    /// the same rows in different orders (a deadlock, which PostgreSQL breaks after a second by
    /// failing one of them: a failed finish resends its jobs). Such a job is being written
    /// anyway, and the next heartbeat, a third of a lease later, extends it.
    pub async fn heartbeat(&self, owner: &str, lease_until: i64) -> Result<u64, Error> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2 AND state = 'running'"
            }
            Backend::Postgres => {
                "UPDATE jobs SET lease_until = $1 WHERE id IN (SELECT id FROM jobs \
                 WHERE lease_owner = $2 AND state = 'running' FOR UPDATE SKIP LOCKED)"
            }
        };
        Ok(sqlx::query(sql)
            .bind(lease_until)
            .bind(owner)
            .execute(&self.writer)
            .await?
            .rows_affected())
    }

    /// Gives back the jobs `owner` holds (graceful shutdown): they run again at once, elsewhere
    /// or after the restart (a job awaiting its verdict goes on polling, never sends again).
    pub async fn release(&self, owner: &str) -> Result<u64, Error> {
        Ok(sqlx::query(
            "UPDATE jobs SET state = CASE WHEN submission IS NOT NULL THEN 'confirming' \
             WHEN failures > 0 THEN 'retrying' ELSE 'pending' END, \
             lease_owner = NULL, lease_until = NULL, updated_at = $1 \
             WHERE lease_owner = $2 AND state = 'running'",
        )
        .bind(self.now_ms())
        .bind(owner)
        .execute(&self.writer)
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
            "UPDATE jobs SET state = CASE WHEN submission IS NOT NULL THEN 'confirming' \
             WHEN failures > 0 THEN 'retrying' ELSE 'pending' END, \
             lease_owner = NULL, lease_until = NULL WHERE state = 'running'",
        )
        .execute(&self.writer)
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
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut kept = Vec::with_capacity(items.len());
        let mut delivered = Vec::new();
        for (job, attempt, finish) in items {
            let ours = finish_one(&mut tx, *job, owner, finish, attempt.is_some(), now).await?;
            if ours {
                match finish {
                    Finish::Done { .. } => delivered.push(*job),
                    Finish::Dead { reason, .. } => {
                        kill_successors(&mut tx, *job, reason, now).await?;
                    }
                    Finish::Confirm { .. } | Finish::Retry { .. } => {}
                }
            }
            kept.push(ours);
        }
        // The attempts are recorded even when the lease was lost: they happened.
        let attempts: Vec<(i64, &AttemptRecord)> = items
            .iter()
            .filter_map(|(job, attempt, _)| attempt.as_ref().map(|a| (*job, a)))
            .collect();
        insert_attempts(&mut tx, &attempts).await?;
        release_successors(&mut tx, &delivered, now).await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// Puts a dead or retrying job back in the queue now, with a fresh retry schedule
    /// (`clicktrail retry ID`); the jobs that died because they waited for it wait for it
    /// again, and follow it out in order. A job that waits for another job not delivered yet
    /// goes back to waiting, not to the queue. A pending job is left alone, so a refund hold
    /// cannot be cut short. Returns `false` when no such job is dead or retrying.
    pub async fn retry_job(&self, job: i64) -> Result<bool, Error> {
        let mut tx = self.begin().await?;
        let requeued = requeue(
            &mut tx,
            "id = $2 AND state IN ('dead', 'retrying')",
            &[Param::Int(job)],
            self.now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(!requeued.is_empty())
    }

    /// Puts every dead letter back in the queue (`clicktrail retry --dead`); returns how many.
    /// Jobs that wait for another one not delivered yet go back to waiting.
    pub async fn retry_dead(&self) -> Result<u64, Error> {
        let mut tx = self.begin().await?;
        let requeued = requeue(&mut tx, "state = 'dead'", &[], self.now_ms()).await?;
        tx.commit().await?;
        Ok(requeued.len() as u64)
    }

    /// Jobs, newest first, optionally in one state.
    pub async fn jobs(&self, state: Option<JobState>, limit: i64) -> Result<Vec<JobRow>, Error> {
        // Constant text: the columns are a constant, the values are bound.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_ROW_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id \
             WHERE ($1 = '' OR j.state = $1) ORDER BY j.id DESC LIMIT $2"
        )))
        .bind(state.map(JobState::as_str).unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        JobRow::read_all(&rows)
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

/// Records attempts, several rows per statement.
async fn insert_attempts(conn: &mut Conn, attempts: &[(i64, &AttemptRecord)]) -> Result<(), Error> {
    for chunk in attempts.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO attempts (job_id, at, duration_ms, method, path, params, status, outcome, excerpt) \
             VALUES {}",
            placeholders(chunk.len(), 9)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (job, a) in chunk {
            query = query
                .bind(*job)
                .bind(a.at)
                .bind(a.duration_ms)
                .bind(a.method)
                .bind(&a.path)
                .bind(&a.params)
                .bind(a.status.map(i64::from))
                .bind(a.outcome)
                .bind(&a.excerpt);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The state (and outcome) of a job put back in the queue: waiting when the job it follows is
/// not delivered yet (`done`), else pending.
const REQUEUE: &str = "state = CASE WHEN after_job IS NOT NULL AND NOT EXISTS \
     (SELECT 1 FROM jobs p WHERE p.id = jobs.after_job AND p.state = 'done') THEN 'waiting' ELSE 'pending' END, \
     outcome = CASE WHEN after_job IS NOT NULL AND NOT EXISTS \
     (SELECT 1 FROM jobs p WHERE p.id = jobs.after_job AND p.state = 'done') \
     THEN 'waiting for job ' || CAST(after_job AS TEXT) || ' to be delivered first' ELSE outcome END";

/// Writes one job's finish, if `owner` still holds it; `false` when the lease was lost.
async fn finish_one(
    conn: &mut Conn,
    job: i64,
    owner: &str,
    finish: &Finish,
    attempted: bool,
    now: i64,
) -> Result<bool, Error> {
    // (state, run_at, counts as a failure, outcome, answer, submission, verdict, a poll)
    let (state, run_at, failure, outcome, answer, submission, verdict, poll) = match finish {
        Finish::Done { verdict } => (
            "done",
            None,
            false,
            Some(match verdict {
                Some(v) => format!("delivered: {v}"),
                None => "delivered".to_owned(),
            }),
            None,
            None,
            verdict.clone(),
            false,
        ),
        Finish::Confirm {
            run_at,
            submission,
            reason,
        } => (
            "confirming",
            Some(*run_at),
            false,
            Some(reason.clone()),
            None,
            Some(submission.clone()),
            None,
            true,
        ),
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
            None,
            None,
            false,
        ),
        Finish::Dead { reason, answer } => (
            "dead",
            None,
            false,
            Some(reason.clone()),
            answer.clone(),
            None,
            None,
            false,
        ),
    };
    let updated = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), \
         failures = failures + $3, attempts = attempts + $4, outcome = $5, answer = $6, \
         submission = $7, verdict = COALESCE($8, verdict), polls = polls + $9, \
         lease_owner = NULL, lease_until = NULL, updated_at = $10 \
         WHERE id = $11 AND lease_owner = $12 AND state = 'running'",
    )
    .bind(state)
    .bind(run_at)
    .bind(i64::from(failure))
    .bind(i64::from(attempted))
    .bind(outcome)
    .bind(answer)
    .bind(submission)
    .bind(verdict)
    .bind(i64::from(poll))
    .bind(now)
    .bind(job)
    .bind(owner)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(updated > 0)
}

/// `delivered` jobs were delivered: the jobs waiting for them are due at their own `run_at` (a
/// refund keeps its hold). One statement per batch of jobs.
async fn release_successors(conn: &mut Conn, delivered: &[i64], now: i64) -> Result<(), Error> {
    for chunk in delivered.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE jobs SET state = 'pending', \
             outcome = 'job ' || CAST(after_job AS TEXT) || ' was delivered; due at run_at', updated_at = $1 \
             WHERE state = 'waiting' AND after_job IN ({})",
            numbered(2, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for job in chunk {
            query = query.bind(*job);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `job` is a dead letter: the jobs waiting for it die with it, saying why and how to replay.
async fn kill_successors(conn: &mut Conn, job: i64, reason: &str, now: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE jobs SET state = 'dead', outcome = $1, updated_at = $2 \
         WHERE after_job = $3 AND state = 'waiting'",
    )
    .bind(format!(
        "job {job}, which must be delivered first, is a dead letter ({reason}); `clicktrail retry {job}` sends both, in order"
    ))
    .bind(now)
    .bind(job)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts the jobs that `which` selects back in the queue at `now`, with a fresh retry schedule:
/// pending, or waiting when the job each follows is not delivered yet ([`REQUEUE`]); then the
/// jobs that died waiting for one of them wait for it again, and follow it out in order. The
/// one requeue behind `clicktrail retry ID`, `clicktrail retry --dead` and the console's
/// [`Store::retry_filtered`]. `which` is a condition on `jobs` whose parameters, `params`, are
/// numbered from `$2` (`$1` is `now`). Returns the jobs put back.
pub(super) async fn requeue(
    conn: &mut Conn,
    which: &str,
    params: &[Param],
    now: i64,
) -> Result<Vec<i64>, Error> {
    let sql = format!(
        "UPDATE jobs SET {REQUEUE}, run_at = $1, failures = 0, answer = NULL, updated_at = $1 \
         WHERE {which} RETURNING id"
    );
    let query = bind_params(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now), params);
    let requeued = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    revive_successors(conn, &requeued, now).await?;
    Ok(requeued)
}

/// `jobs` are back in the queue: the jobs that died waiting for one of them wait for it again.
/// One statement per batch of jobs.
async fn revive_successors(conn: &mut Conn, jobs: &[i64], now: i64) -> Result<(), Error> {
    for chunk in jobs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE jobs SET state = 'waiting', failures = 0, answer = NULL, \
             outcome = 'waiting for job ' || CAST(after_job AS TEXT) || ' to be delivered first', \
             updated_at = $1 WHERE state = 'dead' AND after_job IN ({})",
            numbered(2, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for job in chunk {
            query = query.bind(*job);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// What a decision does to its job, inside the decision's transaction.
#[derive(Debug, Clone)]
pub(crate) enum Decided<'a> {
    /// Send `request` (JSON) at `run_at` (unix ms), from `state`: `running` keeps the lease to
    /// send it now, `pending` holds it until `run_at`, `waiting` until `after_job` is delivered,
    /// `dead` when `after_job` is a dead letter.
    Send {
        request: &'a str,
        kind: &'a str,
        order_id: &'a str,
        tracker: &'a str,
        run_at: i64,
        state: JobState,
        after_job: Option<i64>,
        outcome: Option<String>,
        /// [`Decision::Send`](crate::mapping::Decision::Send)'s note.
        note: Option<&'a str>,
        /// A conversion's `ClickId`, kept for the console's search.
        click_id: Option<&'a str>,
        /// A conversion's `CustomerId`, kept for the console's search.
        customer_id: Option<&'a str>,
    },
    /// Done without sending.
    Skip { reason: &'a str },
    /// Decide again at `run_at`.
    Wait { run_at: i64, reason: &'a str },
    /// Decide again when a payment named by `refs` is decided, or at `run_at`.
    Await {
        run_at: i64,
        reason: &'a str,
        refs: &'a [String],
    },
}

/// Stores a decision on a job held by `owner` at `now` (unix ms); `false` when the lease was
/// lost.
pub(crate) async fn set_decided(
    conn: &mut Conn,
    job: i64,
    owner: &str,
    decided: &Decided<'_>,
    now: i64,
) -> Result<bool, Error> {
    let query = match decided {
        Decided::Send {
            request,
            kind,
            order_id,
            tracker,
            run_at,
            state,
            after_job,
            outcome,
            note,
            click_id,
            customer_id,
        } => sqlx::query(
            "UPDATE jobs SET request = $1, kind = $2, order_id = $3, tracker = $4, run_at = $5, \
             state = $6, after_job = $7, outcome = $8, note = $12, click_id = $13, customer_id = $14, \
             tries = tries + CASE WHEN $6 = 'running' THEN 1 ELSE 0 END, \
             lease_owner = CASE WHEN $6 = 'running' THEN lease_owner ELSE NULL END, \
             lease_until = CASE WHEN $6 = 'running' THEN lease_until ELSE NULL END, updated_at = $9 \
             WHERE id = $10 AND lease_owner = $11 AND state = 'running'",
        )
        .bind(*request)
        .bind(*kind)
        .bind(*order_id)
        .bind(*tracker)
        .bind(*run_at)
        .bind(state.as_str())
        .bind(*after_job)
        .bind(outcome.clone())
        .bind(now)
        .bind(job)
        .bind(owner)
        .bind(*note)
        .bind(*click_id)
        .bind(*customer_id),
        Decided::Skip { reason } => sqlx::query(
            "UPDATE jobs SET state = 'done', outcome = $1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $2 WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
        )
        .bind(format!("skipped: {reason}"))
        .bind(now)
        .bind(job)
        .bind(owner),
        Decided::Wait { run_at, reason }
        | Decided::Await {
            run_at, reason, ..
        } => sqlx::query(
            "UPDATE jobs SET state = 'pending', run_at = $1, outcome = $2, lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
        )
        .bind(*run_at)
        .bind(format!("waiting: {reason}"))
        .bind(now)
        .bind(job)
        .bind(owner),
    };
    let kept = query.execute(&mut *conn).await?.rows_affected() > 0;
    if kept && let Decided::Await { refs, .. } = decided {
        for reference in *refs {
            sqlx::query(
                "INSERT INTO awaiting (job_id, payment_ref) VALUES ($1, $2) \
                 ON CONFLICT (job_id, payment_ref) DO NOTHING",
            )
            .bind(job)
            .bind(reference)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(kept)
}
