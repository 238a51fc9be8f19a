//! `clicktrail backfill`: the handled events of a window read back from Stripe's Events API, in
//! chronological order, through the same deduplicating intake as the webhook.
//!
//! The window ([`Window::parse`], pure) is `--since` (a duration back from now, such as `72h`, or
//! an RFC 3339 time) to `--until` (default now), and may not reach back beyond the 30 days Stripe
//! keeps events. Stripe lists events newest first and pages only from an item already seen, so
//! the window is cut into one-day [`slices`], oldest first; each slice is read whole (newest
//! first), turned around and ingested. Memory holds one day of handled events at a time.

use clicktrail_stripe::client::{Created, EventQuery, StripeClient};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::events::{Counts, ingest_all};
use crate::Error;
use crate::config::STRIPE_EVENT_RETENTION;
use crate::intake::Intake;
use crate::mapping::HANDLED_EVENT_TYPES;
use crate::store::{Source, Store};

/// The length of one slice of the window: a day.
pub const SLICE_SECONDS: i64 = 24 * 3600;

/// A backfill's window, unix seconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The oldest `created` read.
    pub since: i64,
    /// The newest `created` read.
    pub until: i64,
}

impl Window {
    /// Reads `--since` and `--until` (default: `now`). Each is a duration back from `now`
    /// (`72h`, `3d`, `90m`) or an RFC 3339 time (`2026-11-01T00:00:00Z`). Refuses a window that
    /// starts more than 30 days before `now` (Stripe keeps events for 30 days), or that ends
    /// before it starts. A window ending in the future ends now.
    ///
    /// ```
    /// use clicktrail_forwarder::account::Window;
    ///
    /// let now = 1_800_000_000;
    /// let w = Window::parse("72h", None, now).unwrap();
    /// assert_eq!((w.since, w.until), (now - 72 * 3600, now));
    /// let err = Window::parse("31d", None, now).unwrap_err();
    /// assert!(err.contains("30 days"), "{err}");
    /// ```
    pub fn parse(since: &str, until: Option<&str>, now: i64) -> Result<Self, String> {
        let since_at = instant("--since", since, now)?;
        let until_at = match until {
            Some(text) => instant("--until", text, now)?,
            None => now,
        }
        .min(now);
        let oldest = now - retention_secs();
        if since_at < oldest {
            return Err(format!(
                "--since {since} reaches back to {}, but Stripe keeps events for 30 days only \
                 (the oldest it can list is from {}): use --since 30d or later",
                rfc3339(since_at),
                rfc3339(oldest)
            ));
        }
        if since_at >= until_at {
            return Err(format!(
                "the window is empty: --since is {} and --until is {}",
                rfc3339(since_at),
                rfc3339(until_at)
            ));
        }
        Ok(Self {
            since: since_at,
            until: until_at,
        })
    }
}

fn retention_secs() -> i64 {
    i64::try_from(STRIPE_EVENT_RETENTION.as_secs()).unwrap_or(i64::MAX)
}

/// A duration back from `now`, or an RFC 3339 time, in unix seconds.
fn instant(flag: &str, text: &str, now: i64) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ago) = humantime::parse_duration(text) {
        let ago = i64::try_from(ago.as_secs()).unwrap_or(i64::MAX);
        return Ok(now.saturating_sub(ago));
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| {
            format!(
                "{flag} {text:?}: expected a duration back from now such as \"72h\" or \"3d\", \
                 or an RFC 3339 time such as \"2026-11-01T00:00:00Z\""
            )
        })
}

/// Unix seconds as RFC 3339 UTC (the format of impact.com's `EventDate`, which
/// [`clicktrail_impact::format_event_date`] writes); the number itself outside years 0 to 9999.
pub fn rfc3339(t: i64) -> String {
    clicktrail_impact::format_event_date(t).unwrap_or_else(|_| t.to_string())
}

/// The window cut into `[gte, lt)` ranges of at most `step` seconds, oldest first.
///
/// ```
/// use clicktrail_forwarder::account::{slices, Window};
///
/// let w = Window { since: 0, until: 250 };
/// assert_eq!(slices(w, 100), [(0, 100), (100, 200), (200, 251)]);
/// ```
pub fn slices(window: Window, step: i64) -> Vec<(i64, i64)> {
    let step = step.max(1);
    let end = window.until.saturating_add(1);
    let mut out = Vec::new();
    let mut start = window.since;
    while start < end {
        let next = start.saturating_add(step).min(end);
        out.push((start, next));
        start = next;
    }
    out
}

/// The query of one slice: the handled types created in `[gte, lt)`.
pub fn slice_query((gte, lt): (i64, i64)) -> EventQuery {
    EventQuery {
        types: HANDLED_EVENT_TYPES
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        created: Created {
            gte: Some(gte),
            lt: Some(lt),
            ..Created::default()
        },
        limit: Some(100),
        ..EventQuery::default()
    }
}

/// How far a backfill has come, for the progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A page of a slice was read.
    Fetched {
        /// The slice, from 1.
        slice: usize,
        /// How many slices.
        slices: usize,
        /// Events read so far in this slice.
        events: u64,
    },
    /// An event was ingested.
    Ingested {
        /// The slice, from 1.
        slice: usize,
        /// How many slices.
        slices: usize,
        /// The totals so far.
        counts: Counts,
    },
    /// A slice is done (ingested, or counted in a dry run).
    SliceDone {
        /// The slice, from 1.
        slice: usize,
        /// How many slices.
        slices: usize,
        /// The totals so far.
        counts: Counts,
    },
}

/// Reads the window's handled events, oldest first, and ingests them through `intake`; with
/// `intake = None` (a dry run) only counts how many are already stored.
pub async fn run(
    stripe: &StripeClient,
    store: &Store,
    intake: Option<&Intake>,
    window: Window,
    mut progress: impl FnMut(Progress),
) -> Result<Counts, Error> {
    let ranges = slices(window, SLICE_SECONDS);
    let slices = ranges.len();
    let mut total = Counts::default();
    for (i, range) in ranges.into_iter().enumerate() {
        let slice = i + 1;
        let query = slice_query(range);
        let mut pages = stripe.event_pages(&query);
        let mut events: Vec<Value> = Vec::new();
        while let Some(page) = pages
            .next_page()
            .await
            .map_err(|e| Error::stripe("GET /v1/events", e))?
        {
            events.extend(page);
            progress(Progress::Fetched {
                slice,
                slices,
                events: events.len() as u64,
            });
        }
        events.reverse();
        let base = total;
        let add = |c: &Counts| Counts {
            fetched: base.fetched + c.fetched,
            new: base.new + c.new,
            known: base.known + c.known,
            ignored: base.ignored + c.ignored,
            invalid: base.invalid + c.invalid,
        };
        let counts = match intake {
            Some(intake) => {
                ingest_all(intake, store, events, Source::Backfill, |c| {
                    progress(Progress::Ingested {
                        slice,
                        slices,
                        counts: add(c),
                    });
                })
                .await?
            }
            None => {
                let ids: Vec<String> = events
                    .iter()
                    .filter_map(|e| e.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                let known = store.known_event_ids(&ids).await?.len() as u64;
                let fetched = events.len() as u64;
                Counts {
                    fetched,
                    new: fetched - known,
                    known,
                    ..Counts::default()
                }
            }
        };
        total = add(&counts);
        progress(Progress::SliceDone {
            slice,
            slices,
            counts: total,
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn durations_and_rfc3339_times() {
        let w = Window::parse("3d", Some("1h"), NOW).unwrap();
        assert_eq!(
            w,
            Window {
                since: NOW - 3 * 86400,
                until: NOW - 3600
            }
        );
        let at = Window::parse(
            "2027-01-14T00:00:00Z",
            Some("2027-01-15T00:00:00+01:00"),
            NOW,
        )
        .unwrap();
        assert_eq!(
            at,
            Window {
                since: 1_799_884_800,
                until: 1_799_967_600
            }
        );
        // The future ends now.
        assert_eq!(
            Window::parse("1h", Some("2099-01-01T00:00:00Z"), NOW)
                .unwrap()
                .until,
            NOW
        );
    }

    #[test]
    fn thirty_days_is_the_limit() {
        assert!(Window::parse("30d", None, NOW).is_ok());
        assert!(Window::parse("720h", None, NOW).is_ok());
        for beyond in ["30d 1s", "31d", "2026-01-01T00:00:00Z"] {
            let err = Window::parse(beyond, None, NOW).unwrap_err();
            assert!(
                err.contains("30 days") && err.contains("--since 30d"),
                "{beyond}: {err}"
            );
        }
    }

    #[test]
    fn bad_windows_are_named() {
        let err = Window::parse("yesterday", None, NOW).unwrap_err();
        assert!(
            err.contains("--since \"yesterday\"") && err.contains("RFC 3339"),
            "{err}"
        );
        let err = Window::parse("1h", Some("soon"), NOW).unwrap_err();
        assert!(err.contains("--until"), "{err}");
        let err = Window::parse("1h", Some("2h"), NOW).unwrap_err();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn slices_cover_the_window_once_oldest_first() {
        let w = Window {
            since: 10,
            until: 10 + 3 * SLICE_SECONDS,
        };
        let s = slices(w, SLICE_SECONDS);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].0, 10);
        assert_eq!(s.last().unwrap().1, w.until + 1);
        assert!(s.windows(2).all(|p| p[0].1 == p[1].0 && p[0].0 < p[0].1));
        assert_eq!(
            slice_query(s[0]).to_form().encode(),
            format!(
                "types[]=invoice.paid&types[]=checkout.session.completed\
                 &types[]=checkout.session.async_payment_succeeded&types[]=charge.refunded&types[]=charge.dispute.closed\
                 &created[gte]=10&created[lt]={}&limit=100",
                10 + SLICE_SECONDS
            )
        );
    }
}
