//! The optional cap on requests per hour to impact.com, spacing requests evenly.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out send slots at most `per_hour` an hour (evenly spaced), or without limit.
#[derive(Debug)]
pub(crate) struct RateCap {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

/// The pure step: given the next free slot and now, when this request may go and when the
/// following one may.
pub(crate) fn take_slot(
    next: Option<Instant>,
    now: Instant,
    interval: Duration,
) -> (Instant, Instant) {
    let at = next.map_or(now, |n| n.max(now));
    (at, at + interval)
}

impl RateCap {
    /// `per_hour` = 0: no cap.
    pub(crate) fn new(per_hour: u32) -> Self {
        Self {
            interval: (per_hour > 0).then(|| Duration::from_secs(3600) / per_hour),
            next: Mutex::new(None),
        }
    }

    /// Waits for a slot.
    pub(crate) async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next.lock().await;
            let (at, following) = take_slot(*next, Instant::now(), interval);
            *next = Some(following);
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_by_the_interval() {
        let now = Instant::now();
        let i = Duration::from_secs(36); // 100 per hour
        let (a, n) = take_slot(None, now, i);
        assert_eq!((a, n), (now, now + i));
        let (b, n2) = take_slot(Some(n), now, i);
        assert_eq!((b, n2), (now + i, now + 2 * i));
        // After a quiet spell the next request goes at once.
        let later = now + Duration::from_secs(1000);
        assert_eq!(take_slot(Some(n2), later, i).0, later);
    }

    #[tokio::test(start_paused = true)]
    async fn the_cap_delays_the_second_request() {
        let cap = RateCap::new(3600); // one a second
        let start = Instant::now();
        cap.acquire().await;
        cap.acquire().await;
        cap.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        let free = RateCap::new(0);
        free.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }
}
