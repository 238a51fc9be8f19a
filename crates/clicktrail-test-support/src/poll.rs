//! Polling with a deadline: ask again until the answer is there, and when it never comes, fail
//! naming what was awaited. [`eventually`] and [`try_eventually`] for async probes (feature
//! `tokio`), [`wait_until`] for blocking ones (the std-only demo launcher). All three share the
//! [`Backoff`] between attempts and the [`TimedOut`] error.

use std::fmt;
use std::time::Duration;

/// The first pause between two attempts.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// A wait that ran out: what was awaited, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    /// What was awaited, as the caller named it.
    pub what: String,
    /// How long it was awaited.
    pub after: Duration,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.after, self.what
        )
    }
}

impl std::error::Error for TimedOut {}

impl From<TimedOut> for String {
    fn from(timed_out: TimedOut) -> Self {
        timed_out.to_string()
    }
}

/// The pauses between attempts: 10 ms, doubling up to 100 ms, so a quick answer is seen at
/// once and a slow one is not asked for more than ten times a second.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: FIRST_PAUSE }
    }
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let pause = self.next;
        self.next = (pause * 2).min(MAX_PAUSE);
        Some(pause)
    }
}

/// Calls `probe` until it gives `Some`, pausing between attempts (blocking the thread); after
/// `within`, fails with [`TimedOut`] naming `what`. `probe` may end the wait early with `Err`
/// (a process died, say). `probe` is always called at least once.
pub fn wait_until<T, E: From<TimedOut>>(
    what: &str,
    within: Duration,
    mut probe: impl FnMut() -> Result<Option<T>, E>,
) -> Result<T, E> {
    let deadline = std::time::Instant::now() + within;
    let mut pauses = Backoff::default();
    loop {
        if let Some(value) = probe()? {
            return Ok(value);
        }
        let now = std::time::Instant::now();
        if now >= deadline {
            return Err(timed_out(what, within).into());
        }
        let pause = pauses.next().unwrap_or(MAX_PAUSE);
        std::thread::sleep(pause.min(deadline - now));
    }
}

/// Awaits `probe` until it gives `Some`; after `within`, fails with [`TimedOut`] naming `what`.
/// Time is tokio's, so a test with a paused clock gives up without waiting.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use clicktrail_test_support::eventually;
///
/// let mut calls = 0;
/// let third = eventually("the third call", Duration::from_secs(5), async || {
///     calls += 1;
///     (calls == 3).then_some(calls)
/// })
/// .await;
/// assert_eq!(third, Ok(3));
/// # }
/// ```
#[cfg(feature = "tokio")]
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> Result<T, TimedOut> {
    try_eventually(what, within, async || Ok(probe().await)).await
}

/// [`eventually`] for a probe that may end the wait early with `Err`.
#[cfg(feature = "tokio")]
pub async fn try_eventually<T, E: From<TimedOut>>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> Result<Option<T>, E>,
) -> Result<T, E> {
    let deadline = tokio::time::Instant::now() + within;
    let mut pauses = Backoff::default();
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(timed_out(what, within).into());
        }
        let pause = pauses.next().unwrap_or(MAX_PAUSE);
        tokio::time::sleep(pause.min(deadline - now)).await;
    }
}

fn timed_out(what: &str, after: Duration) -> TimedOut {
    TimedOut {
        what: what.to_owned(),
        after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_ten_milliseconds_up_to_a_tenth_of_a_second() {
        let pauses: Vec<u64> = Backoff::default()
            .take(7)
            .map(|d| u64::try_from(d.as_millis()).unwrap())
            .collect();
        assert_eq!(pauses, [10, 20, 40, 80, 100, 100, 100]);
    }

    #[test]
    fn the_timeout_names_what_was_awaited() {
        let e = timed_out("the conversion", Duration::from_secs(3));
        assert_eq!(
            e.to_string(),
            "timed out after 3s waiting for the conversion"
        );
        assert_eq!(
            String::from(e),
            "timed out after 3s waiting for the conversion"
        );
    }

    #[test]
    fn blocking_waits_end_with_the_value_an_error_or_the_deadline() {
        let mut calls = 0;
        let value = wait_until("the third call", Duration::from_secs(5), || {
            calls += 1;
            Ok::<_, String>((calls == 3).then_some(calls))
        });
        assert_eq!(value, Ok(3));
        let failed: Result<(), _> =
            wait_until("x", Duration::from_secs(5), || Err("it died".to_owned()));
        assert_eq!(failed, Err("it died".to_owned()));
        let mut asked = 0;
        let late: Result<(), TimedOut> = wait_until("nothing", Duration::ZERO, || {
            asked += 1;
            Ok(None)
        });
        assert_eq!(late.unwrap_err().what, "nothing");
        assert_eq!(asked, 1, "asked once even with no time");
    }

    #[cfg(feature = "tokio")]
    #[tokio::test(start_paused = true)]
    async fn async_waits_end_with_the_value_an_error_or_the_deadline() {
        let mut calls = 0;
        let value = eventually("the third call", Duration::from_secs(5), async || {
            calls += 1;
            (calls == 3).then_some(calls)
        })
        .await;
        assert_eq!(value, Ok(3));

        let failed: Result<(), String> = try_eventually("x", Duration::from_secs(5), async || {
            Err("it died".to_owned())
        })
        .await;
        assert_eq!(failed, Err("it died".to_owned()));

        // A probe that never answers: the paused clock jumps to the deadline.
        let start = tokio::time::Instant::now();
        let mut asked = 0;
        let late: Result<(), _> = eventually("nothing", Duration::from_secs(60), async || {
            asked += 1;
            None
        })
        .await;
        assert_eq!(
            late,
            Err(TimedOut {
                what: "nothing".into(),
                after: Duration::from_secs(60)
            })
        );
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(60),
            "not a moment later"
        );
        assert!(asked >= 590, "asked at least every 100 ms: {asked}");
    }
}
