//! Fault injection: `POST /_sandbox/faults` queues a fault for the next N API requests (helpers
//! under `/_sandbox/` are never affected). Kinds: `unavailable` (503 in impact's envelope),
//! `rate_limited` (429 with `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0` and
//! `X-RateLimit-Reset` as a Unix time), `slow` (answers normally after `delay_ms`), `drop` (closes
//! the connection without answering). Faults queue up in order; `DELETE /_sandbox/faults` clears
//! them.

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
}

/// A queued fault (the body of `POST /_sandbox/faults`).
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

/// The queue of pending faults.
#[derive(Debug, Default)]
pub struct Faults {
    queue: VecDeque<Fault>,
}

impl Faults {
    /// Adds a fault after the ones already queued.
    pub fn push(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.queue.push_back(fault);
        }
    }

    /// Takes the fault for the next request, if any.
    pub fn take(&mut self) -> Option<Fault> {
        let front = self.queue.front_mut()?;
        let fault = front.clone();
        front.count -= 1;
        if front.count == 0 {
            self.queue.pop_front();
        }
        Some(Fault { count: 1, ..fault })
    }

    /// The faults still queued.
    pub fn pending(&self) -> Vec<Fault> {
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

    #[test]
    fn faults_apply_in_order_and_run_out() {
        let mut f = Faults::default();
        f.push(serde_json::from_str(r#"{"kind":"unavailable","count":2}"#).unwrap());
        f.push(serde_json::from_str(r#"{"kind":"429"}"#).unwrap());
        assert_eq!(f.take().map(|x| x.kind), Some(FaultKind::Unavailable));
        assert_eq!(f.take().map(|x| x.kind), Some(FaultKind::Unavailable));
        assert_eq!(f.take().map(|x| x.kind), Some(FaultKind::RateLimited));
        assert_eq!(f.take(), None);
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"explode"}"#).is_err());
    }
}
