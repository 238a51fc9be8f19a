//! [`Clock`]: the forwarder's one notion of "now" for everything it schedules.
//!
//! The store, the worker and the rules read time only through a `Clock` (refund holds, retry
//! waits, leases, verdict polls, click-id waits). In production it is the system clock; tests
//! move it forward ([`Clock::advance`]) to pass a one-hour refund hold without waiting an hour,
//! like the sandbox's own clock. Only the webhook signature's freshness is checked against the
//! real time, because it is about when Stripe really signed.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The system clock plus an offset that tests can move. Cloning shares the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        system_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now, in unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// The system time in unix milliseconds.
pub(crate) fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = other.now_ms();
        clock.advance(Duration::from_secs(3600));
        let moved = other.now_ms() - before;
        assert!((3_600_000..3_610_000).contains(&moved), "{moved}");
        assert_eq!(other.now_secs(), other.now_ms().div_euclid(1000));
    }
}
