//! impact.com's verdict on a queued request, as pure functions: what a completed API submission
//! means for its job, and how often to read a submission that is not complete yet.
//!
//! A 200 `QUEUED` is not a delivery: impact.com processes the request later and reports the
//! result on the submission (`GET /Advertisers/{SID}/APISubmissions/{id}`). The forwarder reads
//! it within the same job ([`Finish::Confirm`] until it is complete):
//!
//! | verdict | next |
//! |---|---|
//! | complete, no error | delivered |
//! | `CONV_DUPLICATE`, after an earlier send of this job (a crash or a lost answer between send and commit) | delivered: impact.com has our conversion |
//! | `CONV_DUPLICATE` on the first send | dead letter: impact.com has a conversion for this order that clicktrail did not send |
//! | a change (modification, reversal) whose action was not found | sent again later on the retry schedule: the conversion may still be processing |
//! | any other error (`ACTIONTRACKER_NOT_FOUND`, `CONTRACT_NOT_FOUND`, ...) | dead letter with impact.com's reason |
//! | not complete yet | read again after [`poll_wait`]; after [`MAX_POLLS`] reads, a dead letter |

use std::time::Duration;

use clicktrail_impact::{RequestKind, Submission, SubmissionStatus};

use crate::retry;
use crate::store::Finish;

/// The most submission reads for one send: with [`poll_wait`]'s waits, about two days.
pub const MAX_POLLS: i64 = 600;

/// How long to wait before the read after `polls` reads: 1 s, doubling, at most 5 minutes.
pub fn poll_wait(polls: i64) -> Duration {
    let exponent = u32::try_from(polls.clamp(0, 16)).unwrap_or(16);
    Duration::from_secs(1u64 << exponent).min(Duration::from_secs(300))
}

/// What a completed or pending `submission` means for a job that sent a `kind` request.
///
/// `resent`: the job's request was handed to a sender before this send (impact.com may have
/// received it); `failures`, `schedule`, `now_ms` and `unit` drive a retry as in
/// [`retry::transient`]; `polls` counts the reads so far, this one included.
#[allow(clippy::too_many_arguments)] // one pure decision over the job's whole situation
pub fn judge(
    submission: &Submission,
    queued_uri: &str,
    kind: RequestKind,
    resent: bool,
    polls: i64,
    failures: i64,
    schedule: &[Duration],
    now_ms: i64,
    unit: f64,
) -> Finish {
    if submission.status != SubmissionStatus::Complete {
        return pending(
            queued_uri,
            polls,
            now_ms,
            &format!("{:?}", submission.status),
        );
    }
    let reason = submission.error_reason.as_deref().unwrap_or("").trim();
    let error_type = submission.error_type.as_deref().unwrap_or("").trim();
    if reason.is_empty() && error_type.is_empty() {
        return Finish::Done {
            verdict: Some(format!("accepted (submission {})", submission.batch_id)),
        };
    }
    let named = if reason.is_empty() {
        error_type
    } else {
        reason
    };
    let has = |code: &str| reason.split_whitespace().any(|r| r == code);
    if has("CONV_DUPLICATE") {
        if resent {
            return Finish::Done {
                verdict: Some(
                    "CONV_DUPLICATE: impact.com already had this conversion from an earlier send of this job".to_owned(),
                ),
            };
        }
        return Finish::Dead {
            reason: format!(
                "impact.com: CONV_DUPLICATE: it already has a conversion for this OrderId and tracker that this job did not send (submission {})",
                submission.batch_id
            ),
            answer: None,
        };
    }
    let action_missing = kind != RequestKind::Conversion
        && reason.split_whitespace().any(|r| {
            r.starts_with("ACTION") && r.ends_with("NOT_FOUND") && r != "ACTIONTRACKER_NOT_FOUND"
        });
    if action_missing {
        return match retry::transient(
            failures,
            schedule,
            now_ms,
            unit,
            &format!(
                "impact.com: {named}: the action does not exist yet (its conversion may still be processing)"
            ),
        ) {
            Finish::Dead { reason, .. } => Finish::Dead {
                reason,
                answer: None,
            },
            other => other,
        };
    }
    Finish::Dead {
        reason: format!(
            "impact.com refused it after queueing: {}{named} (submission {})",
            if error_type.is_empty() || reason.is_empty() {
                String::new()
            } else {
                format!("{error_type}: ")
            },
            submission.batch_id
        ),
        answer: None,
    }
}

/// Not complete yet (or unreadable): read again later, or give up after [`MAX_POLLS`].
pub fn pending(queued_uri: &str, polls: i64, now_ms: i64, status: &str) -> Finish {
    if polls >= MAX_POLLS {
        return Finish::Dead {
            reason: format!(
                "impact.com did not complete submission {queued_uri} after {polls} reads (last: {status})"
            ),
            answer: None,
        };
    }
    let wait = i64::try_from(poll_wait(polls).as_millis()).unwrap_or(i64::MAX);
    Finish::Confirm {
        run_at: now_ms.saturating_add(wait),
        submission: queued_uri.to_owned(),
        reason: format!("queued by impact.com; verdict not read yet ({status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(status: SubmissionStatus, error: Option<(&str, &str)>) -> Submission {
        Submission {
            batch_id: "A-1".into(),
            status,
            kind: None,
            order_id: Some("in_1".into()),
            error_type: error.map(|e| e.0.to_owned()),
            error_reason: error.map(|e| e.1.to_owned()),
            completion_date: None,
        }
    }

    fn judged(s: &Submission, kind: RequestKind, resent: bool) -> Finish {
        let schedule = [Duration::from_secs(10), Duration::from_secs(60)];
        judge(
            s,
            "/x/APISubmissions/A-1",
            kind,
            resent,
            1,
            0,
            &schedule,
            1_000,
            0.5,
        )
    }

    #[test]
    fn a_clean_completion_is_a_delivery() {
        let ok = submission(SubmissionStatus::Complete, None);
        assert!(matches!(
            judged(&ok, RequestKind::Conversion, false),
            Finish::Done { verdict: Some(v) } if v.contains("A-1")
        ));
    }

    #[test]
    fn duplicates_are_ours_only_after_an_earlier_send() {
        let dup = submission(
            SubmissionStatus::Complete,
            Some(("Action Error", "CONV_DUPLICATE")),
        );
        assert!(matches!(
            judged(&dup, RequestKind::Conversion, true),
            Finish::Done { .. }
        ));
        assert!(matches!(
            judged(&dup, RequestKind::Conversion, false),
            Finish::Dead { reason, .. } if reason.contains("CONV_DUPLICATE")
        ));
    }

    #[test]
    fn a_change_before_its_action_exists_is_sent_again_and_other_errors_are_dead() {
        let missing = submission(
            SubmissionStatus::Complete,
            Some(("Action Error", "ACTION_REF_NOT_FOUND")),
        );
        assert!(matches!(
            judged(&missing, RequestKind::Reversal, false),
            Finish::Retry { failure: true, run_at, .. } if run_at >= 1_000 + 8_000
        ));
        for reason in ["ACTIONTRACKER_NOT_FOUND", "CONTRACT_NOT_FOUND"] {
            let refused = submission(SubmissionStatus::Complete, Some(("Contract Error", reason)));
            for kind in [RequestKind::Conversion, RequestKind::Modification] {
                assert!(matches!(
                    judged(&refused, kind, true),
                    Finish::Dead { reason: r, .. } if r.contains(reason) && r.contains("Contract Error")
                ));
            }
        }
        // A conversion's own "not found" is not a timing problem.
        assert!(matches!(
            judged(&missing, RequestKind::Conversion, false),
            Finish::Dead { .. }
        ));
    }

    #[test]
    fn pending_submissions_are_read_again_with_backoff_then_given_up() {
        let queued = submission(SubmissionStatus::Queued, None);
        match judged(&queued, RequestKind::Conversion, false) {
            Finish::Confirm {
                run_at, submission, ..
            } => {
                assert_eq!(run_at, 1_000 + 2_000);
                assert!(submission.ends_with("A-1"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(poll_wait(0), Duration::from_secs(1));
        assert_eq!(poll_wait(40), Duration::from_secs(300));
        let total: u64 = (0..MAX_POLLS).map(|p| poll_wait(p).as_secs()).sum();
        assert!(
            (36 * 3600..72 * 3600).contains(&total),
            "{total} s of polling"
        );
        assert!(matches!(
            pending("u", MAX_POLLS, 0, "Queued"),
            Finish::Dead { .. }
        ));
    }
}
