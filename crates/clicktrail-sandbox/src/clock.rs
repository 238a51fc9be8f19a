//! Wall-clock time for the emulators, with an offset that `/_sandbox/clock` can move forward.
//!
//! Stripe objects carry Unix timestamps (`created`, `period_end`, ...); moving the clock lets a test
//! see, for example, events fall out of the 30-day retention window without waiting 30 days.
//! Durations measured inside the sandbox (impact.com's processing delay, webhook retry backoff) use
//! `tokio::time` instead, so tests control them with `tokio::time::pause`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A shared wall clock: system time plus an adjustable offset in seconds.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// A clock that reads the system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current Unix time in seconds, offset included.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        system + self.offset.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (or back, with a negative value) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// The current time as an RFC 3339 UTC string (for impact.com records).
    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.now())
    }
}

/// Formats a Unix time as RFC 3339 UTC (`2026-11-27T01:02:03Z`).
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_by_the_offset() {
        let clock = Clock::new();
        let before = clock.now();
        clock.advance(86_400 * 31);
        let after = clock.now();
        assert!(after - before >= 86_400 * 31 && after - before <= 86_400 * 31 + 2);
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
