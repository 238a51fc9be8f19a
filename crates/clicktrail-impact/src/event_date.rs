//! `EventDate`: when the payment happened, as ISO-8601 in UTC.
//!
//! impact.com also accepts `NOW`, but a conversion replayed after an outage would then carry the
//! wrong day (and fall outside the partner's referral window), so clicktrail always sends the real
//! time of the payment.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;

/// Writes unix seconds as ISO-8601 UTC with a `Z` suffix and no fraction, e.g.
/// `1795741500` -> `2026-11-27T01:05:00Z`.
///
/// Fails with [`Error::EventDateOutOfRange`] outside years 0000 to 9999.
///
/// ```
/// assert_eq!(clicktrail_impact::format_event_date(1_795_741_500)?, "2026-11-27T01:05:00Z");
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
pub fn format_event_date(unix_seconds: i64) -> Result<String, Error> {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or(Error::EventDateOutOfRange(unix_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_z() {
        assert_eq!(format_event_date(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_event_date(1_795_741_500).unwrap(),
            "2026-11-27T01:05:00Z"
        );
        // A leap day, and the last second of a year.
        assert_eq!(
            format_event_date(1_709_164_800).unwrap(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(
            format_event_date(1_735_689_599).unwrap(),
            "2024-12-31T23:59:59Z"
        );
        assert_eq!(
            format_event_date(253_402_300_799).unwrap(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn refuses_dates_iso_8601_cannot_hold() {
        assert_eq!(
            format_event_date(253_402_300_800),
            Err(Error::EventDateOutOfRange(253_402_300_800))
        );
        assert_eq!(
            format_event_date(i64::MAX),
            Err(Error::EventDateOutOfRange(i64::MAX))
        );
        assert_eq!(
            format_event_date(i64::MIN),
            Err(Error::EventDateOutOfRange(i64::MIN))
        );
        assert!(format_event_date(-62_167_219_201).is_err()); // 0000-01-01 minus one second
    }
}
