//! Parsing the `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`.
//!
//! Pure string work, no cryptography. Unknown keys and `v0` are skipped (downgrade protection);
//! a `v1` value that is not 64 hex digits is kept as "cannot match" rather than refused, so one
//! odd signature never hides a good one next to it.

use crate::VerifyError;

/// The parts of a `Stripe-Signature` header that verification uses.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SignatureHeader {
    /// The signed timestamp, unix seconds.
    pub(crate) timestamp: i64,
    /// Every `v1` signature, decoded; `None` for a value that is not 32 bytes of hex.
    pub(crate) v1: Vec<Option<[u8; 32]>>,
}

impl SignatureHeader {
    /// Parses a header value. An empty (or all-whitespace) value counts as a missing header.
    pub(crate) fn parse(header: &str) -> Result<Self, VerifyError> {
        if header.trim().is_empty() {
            return Err(VerifyError::MissingHeader);
        }
        let mut timestamp = None;
        let mut v1 = Vec::new();
        for item in header.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let Some((key, value)) = item.split_once('=') else {
                return Err(VerifyError::MalformedHeader("an item has no `=`"));
            };
            match key.trim() {
                "t" => {
                    if timestamp.is_some() {
                        return Err(VerifyError::MalformedHeader("more than one timestamp"));
                    }
                    timestamp = Some(parse_timestamp(value.trim())?);
                }
                "v1" => v1.push(decode_signature(value.trim())),
                _ => {}
            }
        }
        let Some(timestamp) = timestamp else {
            return Err(VerifyError::MalformedHeader("no timestamp"));
        };
        if v1.is_empty() {
            return Err(VerifyError::NoV1Signature);
        }
        Ok(Self { timestamp, v1 })
    }
}

fn parse_timestamp(value: &str) -> Result<i64, VerifyError> {
    const BAD: VerifyError =
        VerifyError::MalformedHeader("the timestamp is not a non-negative integer of unix seconds");
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD);
    }
    value.parse().map_err(|_| BAD)
}

fn decode_signature(value: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(value, &mut out).ok().map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a";

    #[test]
    fn reads_timestamp_and_every_v1_and_skips_v0_and_unknown_keys() {
        let header = format!("t=12,v1={SIG},v0={SIG},scheme=x,v1=zz");
        let parsed = SignatureHeader::parse(&header).unwrap();
        assert_eq!(parsed.timestamp, 12);
        assert_eq!(parsed.v1.len(), 2);
        assert!(parsed.v1[0].is_some());
        assert_eq!(parsed.v1[1], None);
    }

    #[test]
    fn tolerates_spaces_and_empty_items() {
        let parsed = SignatureHeader::parse(&format!(" t=5 , v1={SIG},")).unwrap();
        assert_eq!(parsed.timestamp, 5);
        assert_eq!(parsed.v1.len(), 1);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let cases: [(&str, VerifyError); 9] = [
            ("", VerifyError::MissingHeader),
            ("   ", VerifyError::MissingHeader),
            (
                "t=",
                VerifyError::MalformedHeader(
                    "the timestamp is not a non-negative integer of unix seconds",
                ),
            ),
            (
                "t=-5,v1=aa",
                VerifyError::MalformedHeader(
                    "the timestamp is not a non-negative integer of unix seconds",
                ),
            ),
            (
                "t=+5,v1=aa",
                VerifyError::MalformedHeader(
                    "the timestamp is not a non-negative integer of unix seconds",
                ),
            ),
            (
                "t=99999999999999999999,v1=aa",
                VerifyError::MalformedHeader(
                    "the timestamp is not a non-negative integer of unix seconds",
                ),
            ),
            (
                "t=1,t=1,v1=aa",
                VerifyError::MalformedHeader("more than one timestamp"),
            ),
            ("v1=aa", VerifyError::MalformedHeader("no timestamp")),
            ("t=1,v0=aa", VerifyError::NoV1Signature),
        ];
        for (header, expected) in cases {
            assert_eq!(SignatureHeader::parse(header), Err(expected), "{header:?}");
        }
        assert!(matches!(
            SignatureHeader::parse("garbage"),
            Err(VerifyError::MalformedHeader(_))
        ));
    }
}
