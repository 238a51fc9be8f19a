//! What `clicktrail status` and `/metrics` read.

use super::Store;
use crate::Error;

/// Jobs in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    /// The state.
    pub state: String,
    /// How many jobs.
    pub count: i64,
}

/// The queue at a glance.
#[derive(Debug, Clone, Default)]
pub struct QueueStatus {
    /// Jobs by state (every state, zeros included).
    pub by_state: Vec<StateCount>,
    /// Age of the oldest due job that has not run yet (pending or retrying), seconds.
    pub oldest_due_age_secs: Option<f64>,
    /// The last delivered request (unix ms).
    pub last_success: Option<i64>,
    /// The last failed attempt (unix ms) and its excerpt.
    pub last_failure: Option<(i64, String)>,
    /// Dead letters.
    pub dead: i64,
}

impl Store {
    /// Reads the queue's status.
    pub async fn status(&self) -> Result<QueueStatus, Error> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(&self.pool)
                .await?;
        let by_state = super::JobState::ALL
            .iter()
            .map(|s| StateCount {
                state: s.as_str().to_owned(),
                count: rows
                    .iter()
                    .find(|(name, _)| name == s.as_str())
                    .map_or(0, |(_, n)| *n),
            })
            .collect::<Vec<_>>();
        let now = self.now_ms();
        let (oldest,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(run_at) FROM jobs WHERE state IN ('pending', 'retrying') AND run_at <= $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let (last_success,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(at) FROM attempts WHERE outcome = 'queued'")
                .fetch_one(&self.pool)
                .await?;
        let last_failure: Option<(i64, String)> = sqlx::query_as(
            "SELECT at, excerpt FROM attempts WHERE outcome <> 'queued' ORDER BY at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let dead = by_state
            .iter()
            .find(|s| s.state == "dead")
            .map_or(0, |s| s.count);
        Ok(QueueStatus {
            by_state,
            #[allow(clippy::cast_precision_loss)]
            oldest_due_age_secs: oldest.map(|at| (now - at).max(0) as f64 / 1000.0),
            last_success,
            last_failure,
            dead,
        })
    }
}
