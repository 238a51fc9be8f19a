//! The delivery retry policy, as pure functions: what to do after an answer from impact.com.
//!
//! | outcome | next |
//! |---|---|
//! | queued | done (the worker reads the verdict of a queued request with a `QueuedUri`: [`verdict`](crate::verdict)) |
//! | rejected (4xx except 408 and 429, 3xx, 2xx with `Status: ERROR`) | dead letter at once, with the full answer |
//! | rate limited (429) | again at `X-RateLimit-Reset` (at least 1 s from now; not counted as a failure) |
//! | transient (network, timeouts, 408, 5xx) | again after the schedule's next wait +-20 %; dead letter after the last |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clicktrail_impact::Outcome;

use crate::store::Finish;

/// A wait with +-20 % jitter: `unit` in `[0, 1)` picks where in `[0.8, 1.2)` the factor falls.
pub fn jittered(wait: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    wait.mul_f64(0.8 + 0.4 * unit)
}

/// What follows an attempt's `outcome`, for a job that already failed `failures` times
/// transiently, at `now_ms`, with a jitter draw `unit` in `[0, 1)`.
pub fn next_step(
    outcome: &Outcome,
    failures: i64,
    schedule: &[Duration],
    now_ms: i64,
    unit: f64,
) -> Finish {
    match outcome {
        Outcome::Queued { .. } => Finish::Done { verdict: None },
        Outcome::Rejected {
            status,
            message,
            body,
            ..
        } => Finish::Dead {
            reason: format!("rejected by impact.com ({status}): {message}"),
            answer: Some(body.clone()),
        },
        Outcome::RateLimited { reset_at, .. } => {
            let reset_ms = reset_at
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            match reset_ms {
                Some(reset) => Finish::Retry {
                    run_at: reset.max(now_ms + 1000),
                    failure: false,
                    reason: "rate limited (429): waiting for X-RateLimit-Reset".to_owned(),
                },
                None => transient(
                    failures,
                    schedule,
                    now_ms,
                    unit,
                    "rate limited (429) without a reset time",
                ),
            }
        }
        Outcome::Transient { status, reason } => {
            let why = match status {
                Some(s) => format!("transient ({s}): {reason}"),
                None => format!("transient: {reason}"),
            };
            transient(failures, schedule, now_ms, unit, &why)
        }
    }
}

/// A transient failure: the next wait, or a dead letter once the schedule is exhausted.
pub fn transient(
    failures: i64,
    schedule: &[Duration],
    now_ms: i64,
    unit: f64,
    reason: &str,
) -> Finish {
    let index = usize::try_from(failures).unwrap_or(usize::MAX);
    match schedule.get(index) {
        Some(wait) => {
            let wait = jittered(*wait, unit);
            Finish::Retry {
                run_at: now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
                failure: true,
                reason: reason.to_owned(),
            }
        }
        None => Finish::Dead {
            reason: format!(
                "gave up after {} attempts; last: {reason}",
                failures.saturating_add(1)
            ),
            answer: None,
        },
    }
}

/// Unix milliseconds of a [`SystemTime`].
pub fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_RETRY_SCHEDULE;

    fn schedule() -> Vec<Duration> {
        DEFAULT_RETRY_SCHEDULE
            .iter()
            .map(|s| Duration::from_secs(*s))
            .collect()
    }

    fn transient_outcome() -> Outcome {
        Outcome::Transient {
            status: Some(503),
            reason: "unavailable".into(),
        }
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let wait = Duration::from_secs(100);
        assert_eq!(jittered(wait, 0.0), Duration::from_secs(80));
        assert_eq!(jittered(wait, 0.5), Duration::from_secs(100));
        assert!(jittered(wait, 0.999_999) < Duration::from_secs(120));
        assert_eq!(jittered(wait, f64::NAN), wait);
        for i in 0..1000 {
            let j = jittered(wait, f64::from(i) / 1000.0);
            assert!(j >= Duration::from_secs(80) && j < Duration::from_secs(120));
        }
    }

    #[test]
    fn transient_failures_follow_the_schedule_then_die() {
        let s = schedule();
        let now = 1_000_000;
        let mut waits = Vec::new();
        for failures in 0..9 {
            match next_step(&transient_outcome(), failures, &s, now, 0.5) {
                Finish::Retry {
                    run_at,
                    failure: true,
                    ..
                } => waits.push((run_at - now) / 1000),
                other => panic!("{failures}: {other:?}"),
            }
        }
        assert_eq!(
            waits,
            DEFAULT_RETRY_SCHEDULE.map(|s| i64::try_from(s).unwrap())
        );
        let total: i64 = waits.iter().sum();
        assert_eq!(total, 142_565, "about 40 hours of retries");
        assert!(matches!(
            next_step(&transient_outcome(), 9, &s, now, 0.5),
            Finish::Dead { answer: None, .. }
        ));
    }

    #[test]
    fn rate_limits_wait_for_the_reset_and_do_not_count() {
        let now = 1_700_000_000_000;
        let reset = UNIX_EPOCH + Duration::from_secs(1_700_000_042);
        let outcome = Outcome::RateLimited {
            reset_at: Some(reset),
            body: String::new(),
        };
        assert_eq!(
            next_step(&outcome, 3, &schedule(), now, 0.5),
            Finish::Retry {
                run_at: 1_700_000_042_000,
                failure: false,
                reason: "rate limited (429): waiting for X-RateLimit-Reset".into()
            }
        );
        // A reset in the past still waits a second.
        let past = Outcome::RateLimited {
            reset_at: Some(UNIX_EPOCH),
            body: String::new(),
        };
        assert!(
            matches!(next_step(&past, 0, &schedule(), now, 0.5), Finish::Retry { run_at, .. } if run_at == now + 1000)
        );
        // No reset: like a transient failure.
        let none = Outcome::RateLimited {
            reset_at: None,
            body: String::new(),
        };
        assert!(matches!(
            next_step(&none, 0, &schedule(), now, 0.5),
            Finish::Retry { failure: true, .. }
        ));
    }

    #[test]
    fn rejections_are_dead_letters_holding_the_answer() {
        let outcome = Outcome::Rejected {
            status: 400,
            message: "EventTypeId is invalid".into(),
            errors: Vec::new(),
            body: "{\"Status\":\"ERROR\",\"Message\":\"EventTypeId is invalid\"}".into(),
        };
        match next_step(&outcome, 0, &schedule(), 0, 0.5) {
            Finish::Dead { reason, answer } => {
                assert!(
                    reason.contains("400") && reason.contains("EventTypeId"),
                    "{reason}"
                );
                assert!(answer.unwrap().contains("\"Status\":\"ERROR\""));
            }
            other => panic!("{other:?}"),
        }
        let queued = Outcome::Queued {
            status: 200,
            queued_uri: None,
            body: String::new(),
        };
        assert_eq!(
            next_step(&queued, 5, &schedule(), 0, 0.5),
            Finish::Done { verdict: None }
        );
    }
}
