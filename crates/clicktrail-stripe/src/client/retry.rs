//! [`RetryPolicy`]: which answers are tried again, and how long to wait first. Pure.
//!
//! The rules are those of Stripe's SDKs (stripe-python `_should_retry`, stripe-node
//! `_shouldRetry`): the `Stripe-Should-Retry` header, when present, decides (`false` on a 500
//! whose idempotent replay would fail the same way, `true` on a lock timeout); otherwise 409
//! (conflict, lock timeouts) and every 5xx are retried, and so are connection failures and
//! timeouts. Unlike the SDKs, a 429 is also retried, as Stripe's rate-limit guide advises; the
//! issue asks for it and the backoff keeps it polite. Every retry of a POST carries the same
//! `Idempotency-Key`, so Stripe applies the change at most once.
//!
//! The wait doubles from `initial_delay` up to `max_delay`, with the SDKs' jitter (a random
//! factor between 0.5 and 1) and never below `initial_delay`; a `Retry-After` of whole seconds
//! lengthens it, within `max_delay`.

use std::time::Duration;

/// When and how long to wait before trying a request again.
///
/// ```
/// use std::time::Duration;
/// use clicktrail_stripe::client::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// assert_eq!(policy.max_retries, 2);
/// // Second retry, no jitter drawn (factor 1.0): 0.5 s doubled.
/// assert_eq!(policy.delay(2, None, 1.0), Duration::from_secs(1));
/// // Tests retry without waiting.
/// assert_eq!(RetryPolicy::immediate(3).delay(3, None, 0.7), Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u32,
    /// The wait before the first retry (before jitter).
    pub initial_delay: Duration,
    /// The longest wait between two attempts, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, waits from 0.5 s up to 5 s: stripe-python's defaults.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retry up to `max_retries` times without waiting (for tests against a local server).
    pub fn immediate(max_retries: u32) -> Self {
        Self {
            max_retries,
            initial_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    ///
    /// `jitter` is a random draw from `[0, 1]` (clamped into it); the exponential wait is scaled
    /// by `0.5 * (1 + jitter)`. `retry_after` is the server's `Retry-After`, honoured up to
    /// `max_delay`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let base = self
            .initial_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let factor = 0.5 * (1.0 + jitter.clamp(0.0, 1.0));
        let jittered = base.mul_f64(factor).max(self.initial_delay);
        jittered
            .max(retry_after.unwrap_or_default())
            .min(self.max_delay)
    }
}

/// Whether an answer with this status is worth trying again, given its `Stripe-Should-Retry`
/// header (the header wins when it says `true` or `false`).
pub fn should_retry(status: u16, stripe_should_retry: Option<&str>) -> bool {
    match stripe_should_retry {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    status == 409 || status == 429 || status >= 500
}

/// Reads a `Retry-After` header given in whole seconds (Stripe does not send HTTP dates).
pub fn retry_after(header: Option<&str>) -> Option<Duration> {
    header?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_header_decides_when_present() {
        assert!(!should_retry(500, Some("false")));
        assert!(!should_retry(409, Some("false")));
        assert!(should_retry(400, Some("true")));
        // Anything else is ignored.
        assert!(should_retry(503, Some("maybe")));
        assert!(!should_retry(400, Some("TRUE ")));
    }

    #[test]
    fn conflicts_rate_limits_and_server_errors_are_retried() {
        for status in [409, 429, 500, 502, 503, 504] {
            assert!(should_retry(status, None), "{status}");
        }
        for status in [200, 400, 401, 402, 403, 404] {
            assert!(!should_retry(status, None), "{status}");
        }
    }

    #[test]
    fn delays_double_with_jitter_and_stay_bounded() {
        let p = RetryPolicy::default();
        // Full factor (jitter 1): 0.5, 1, 2, 4, then capped at 5.
        let full: Vec<_> = (1..=6).map(|n| p.delay(n, None, 1.0)).collect();
        assert_eq!(
            full,
            [MS(500), MS(1000), MS(2000), MS(4000), MS(5000), MS(5000)]
        );
        // Lowest factor (jitter 0) halves it, but never below the initial delay.
        let low: Vec<_> = (1..=4).map(|n| p.delay(n, None, 0.0)).collect();
        assert_eq!(low, [MS(500), MS(500), MS(1000), MS(2000)]);
        // Out-of-range draws are clamped; huge retry numbers do not overflow.
        assert_eq!(p.delay(3, None, 7.0), MS(2000));
        assert_eq!(p.delay(u32::MAX, None, 1.0), MS(5000));
    }

    #[test]
    fn retry_after_lengthens_the_wait_within_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Some(Duration::from_secs(3)), 0.0), MS(3000));
        assert_eq!(p.delay(1, Some(Duration::from_secs(60)), 0.0), MS(5000));
        assert_eq!(p.delay(3, Some(Duration::from_secs(1)), 1.0), MS(2000));
        assert_eq!(retry_after(Some(" 7")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn immediate_and_none() {
        assert_eq!(
            RetryPolicy::immediate(5).delay(4, Some(Duration::from_secs(9)), 0.3),
            Duration::ZERO
        );
        assert_eq!(RetryPolicy::none().max_retries, 0);
    }
}
