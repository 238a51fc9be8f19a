//! Fault injection: `POST /_sandbox/faults` queues a fault for the next N API requests (helpers
//! under `/_sandbox/` are never affected). Faults queue up in order, each request takes the next
//! one whatever it is; `DELETE /_sandbox/faults` clears them. Kinds:
//!
//! - `unavailable`: 503 in impact's envelope;
//! - `rate_limited`: 429 with `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0` and
//!   `X-RateLimit-Reset` as a Unix time (`reset_after_secs` from now, default 60);
//! - `slow`: answers normally after `delay_ms` (default 1000);
//! - `drop`: closes the connection without answering (nothing is recorded);
//! - `verdict` (with `reason`, e.g. `"ACTIONTRACKER_NOT_FOUND"`, `"CONTRACT_NOT_FOUND"`,
//!   `"CONV_DUPLICATE"`): the request is validated, accepted (`200 QUEUED`) and recorded as usual,
//!   but when processed it completes with that error reason instead of its normal processing: no
//!   action is created or changed, the record's `outcome` is the reason, and its API submission
//!   shows `Status: Complete`, `ErrorReason` = the reason and `ErrorType` `Contract Error` (for
//!   `CONTRACT_NOT_FOUND` and `ACTIONTRACKER_NOT_FOUND`) or `Action Error`;
//! - `lost_answer`: the request is validated, accepted and recorded (and will be processed
//!   normally), then the connection is closed without the answer: a sender that crashed, or lost
//!   the answer, after impact.com took the request.
//!
//! `verdict` and `lost_answer` apply only to a submission (conversion, modification, reversal) that
//! passes authentication and validation; any other request that takes one (a 400, a 401, a `GET`)
//! answers normally, and the fault is spent.
//!
//! The body of `POST /_sandbox/faults`:
//! `{"kind": "unavailable|rate_limited|slow|drop|verdict|lost_answer", "count": N, "delay_ms": D,
//! "reset_after_secs": S, "reason": "R"}` (`count` defaults to 1; `reason` is required with
//! `verdict` and refused with any other kind).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// What to do to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 503 Service Unavailable.
    #[serde(alias = "503")]
    Unavailable,
    /// 429 Too Many Requests.
    #[serde(alias = "429")]
    RateLimited,
    /// Answer after a delay.
    Slow,
    /// Close the connection without an answer.
    Drop,
    /// Accept the submission, then complete it with the fault's `reason` instead of processing it.
    Verdict,
    /// Accept the submission, then close the connection without the answer.
    LostAnswer,
}

/// A fault's kind, count and timing. Callers in other crates (the bench) build it field by field,
/// so a `verdict`'s reason lives beside it, in [`FaultSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The kind.
    pub kind: FaultKind,
    /// How many requests it applies to (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// For `slow`: the delay in milliseconds (default 1000).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For `rate_limited`: seconds until the limit resets (default 60).
    #[serde(default)]
    pub reset_after_secs: Option<u64>,
}

fn one() -> u32 {
    1
}

/// A queued fault: the [`Fault`] and, for `verdict`, the error reason (the body of
/// `POST /_sandbox/faults`, and what `GET /_sandbox/faults` lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Kind, count and timing.
    #[serde(flatten)]
    pub fault: Fault,
    /// For `verdict`: the `ErrorReason` the request completes with.
    #[serde(default)]
    pub reason: Option<String>,
}

impl From<Fault> for FaultSpec {
    fn from(fault: Fault) -> Self {
        Self {
            fault,
            reason: None,
        }
    }
}

impl FaultSpec {
    /// A `verdict` for the next `count` submissions: they complete with `reason`.
    pub fn verdict(reason: &str, count: u32) -> Self {
        Self {
            fault: Fault {
                kind: FaultKind::Verdict,
                count,
                delay_ms: None,
                reset_after_secs: None,
            },
            reason: Some(reason.to_owned()),
        }
    }

    /// The kind.
    pub fn kind(&self) -> FaultKind {
        self.fault.kind
    }

    /// Checks what serde cannot: `verdict` needs a non-blank `reason`, other kinds take none.
    pub fn check(&self) -> Result<(), String> {
        let reason = self.reason.as_deref().map(str::trim);
        match (self.fault.kind, reason) {
            (FaultKind::Verdict, Some(r)) if !r.is_empty() => Ok(()),
            (FaultKind::Verdict, _) => Err("a verdict needs a \"reason\"".into()),
            (_, None) => Ok(()),
            (_, Some(_)) => Err("\"reason\" goes only with the kind \"verdict\"".into()),
        }
    }

    /// The reason a `verdict` completes the request with (`None` for other kinds).
    pub fn verdict_reason(&self) -> Option<&str> {
        match self.fault.kind {
            FaultKind::Verdict => self.reason.as_deref().map(str::trim),
            _ => None,
        }
    }
}

/// The queue of pending faults.
#[derive(Debug, Default)]
pub struct Faults {
    queue: VecDeque<FaultSpec>,
}

impl Faults {
    /// Adds a fault after the ones already queued.
    pub fn push(&mut self, fault: impl Into<FaultSpec>) {
        let fault = fault.into();
        if fault.fault.count > 0 {
            self.queue.push_back(fault);
        }
    }

    /// Takes the fault for the next request, if any (with `count` 1).
    pub fn take(&mut self) -> Option<FaultSpec> {
        let front = self.queue.front_mut()?;
        let mut taken = front.clone();
        taken.fault.count = 1;
        front.fault.count -= 1;
        if front.fault.count == 0 {
            self.queue.pop_front();
        }
        Some(taken)
    }

    /// The faults still queued.
    pub fn pending(&self) -> Vec<FaultSpec> {
        self.queue.iter().cloned().collect()
    }

    /// Forgets every queued fault.
    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn faults_apply_in_order_and_run_out() {
        let mut f = Faults::default();
        f.push(spec(r#"{"kind":"unavailable","count":2}"#));
        f.push(spec(r#"{"kind":"429"}"#));
        f.push(Fault {
            kind: FaultKind::Drop,
            count: 1,
            delay_ms: None,
            reset_after_secs: None,
        });
        assert_eq!(f.take().map(|x| x.kind()), Some(FaultKind::Unavailable));
        assert_eq!(f.pending()[0].fault.count, 1);
        assert_eq!(f.take().map(|x| x.kind()), Some(FaultKind::Unavailable));
        assert_eq!(f.take().map(|x| x.kind()), Some(FaultKind::RateLimited));
        assert_eq!(f.take().map(|x| x.kind()), Some(FaultKind::Drop));
        assert_eq!(f.take(), None);
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn verdicts_carry_their_reason_and_only_verdicts_do() {
        let v = spec(r#"{"kind":"verdict","reason":"CONTRACT_NOT_FOUND","count":2}"#);
        assert_eq!(v.check(), Ok(()));
        assert_eq!(v.verdict_reason(), Some("CONTRACT_NOT_FOUND"));
        assert_eq!(v, FaultSpec::verdict("CONTRACT_NOT_FOUND", 2));
        assert!(spec(r#"{"kind":"verdict"}"#).check().is_err());
        assert!(spec(r#"{"kind":"verdict","reason":" "}"#).check().is_err());
        assert!(spec(r#"{"kind":"drop","reason":"X"}"#).check().is_err());
        let lost = spec(r#"{"kind":"lost_answer"}"#);
        assert_eq!((lost.check(), lost.verdict_reason()), (Ok(()), None));
        let mut f = Faults::default();
        f.push(v);
        assert_eq!(
            f.take().and_then(|x| x.reason),
            Some("CONTRACT_NOT_FOUND".into())
        );
    }

    #[test]
    fn the_listing_shows_the_reason_next_to_the_fault() {
        let shown = serde_json::to_value(FaultSpec::verdict("CONV_DUPLICATE", 1)).unwrap();
        assert_eq!(
            shown,
            serde_json::json!({"kind": "verdict", "count": 1, "delay_ms": null,
                "reset_after_secs": null, "reason": "CONV_DUPLICATE"})
        );
    }
}
