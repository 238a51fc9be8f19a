//! The localStorage mirror: a record holding the click id and its own expiry time, used when
//! the cookie cannot be kept.

use alloc::string::String;
use clicktrail_clickid::ClickId;

use crate::decimal::{self, push_u64};
use crate::text;

/// The expiry time, in milliseconds since the epoch, of something kept for `max_age` seconds
/// from `now_ms` (`Date.now()`).
pub fn expires_at(now_ms: f64, max_age: u32) -> u64 {
    // `as` saturates: a clock before 1970 counts as 0.
    (now_ms as u64).saturating_add(u64::from(max_age) * 1000)
}

/// The record for `id`, valid until `expires_at_ms`: `"<expires_at_ms> <click id>"` (a click id
/// holds no space).
pub fn encode_record(id: &ClickId, expires_at_ms: u64) -> String {
    let mut out = String::with_capacity(14 + id.as_str().len());
    push_u64(&mut out, expires_at_ms);
    out.push_str(" ");
    out.push_str(id.as_str());
    out
}

/// What a stored record holds at `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A valid click id that has not expired.
    Valid(ClickId),
    /// A well-formed record past its expiry time: remove it.
    Expired,
    /// Not a record this kit wrote (or a corrupted one): remove it.
    Invalid,
}

/// Reads a record made by [`encode_record`] at time `now_ms`.
pub fn decode_record(record: &str, now_ms: f64) -> Record {
    let Some((expiry, id)) = text::split_once(record, b' ') else {
        return Record::Invalid;
    };
    let (Ok(expiry), Ok(id)) = (decimal::parse_u64(expiry).ok_or(()), ClickId::new(id)) else {
        return Record::Invalid;
    };
    if (now_ms as u64) < expiry {
        Record::Valid(id)
    } else {
        Record::Expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_767_225_600_000.0;

    #[test]
    fn expiry_arithmetic() {
        assert_eq!(
            expires_at(NOW, 30 * 86_400),
            1_767_225_600_000 + 2_592_000_000
        );
        assert_eq!(expires_at(-5.0, 1), 1000);
        assert_eq!(expires_at(f64::MAX, u32::MAX), u64::MAX);
    }

    #[test]
    fn round_trip_until_expiry() {
        let id = ClickId::new("Abc:123").unwrap();
        let record = encode_record(&id, expires_at(NOW, 60));
        assert_eq!(record, "1767225660000 Abc:123");
        assert_eq!(decode_record(&record, NOW), Record::Valid(id.clone()));
        assert_eq!(decode_record(&record, NOW + 59_999.0), Record::Valid(id));
        assert_eq!(decode_record(&record, NOW + 60_000.0), Record::Expired);
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        for bad in [
            "",
            "Abc",
            "soon Abc",
            "1767225660000 bad;id",
            "1767225660000 ",
            "-1 Abc",
        ] {
            assert_eq!(decode_record(bad, NOW), Record::Invalid, "{bad:?}");
        }
    }
}
