//! One round of URL decoding, as applied to query parameters and form fields.

use alloc::vec::Vec;

use crate::InvalidClickId;

/// Decodes `%XX` escapes and `+` (a space in forms and query strings) once.
///
/// Nothing is decoded twice: `%253A` becomes `%3A`, which validation then refuses.
pub(crate) fn decode_once(raw: &str) -> Result<Vec<u8>, InvalidClickId> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(InvalidClickId::BadPercentEncoding),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus_once() {
        assert_eq!(decode_once("a%3Ab").unwrap(), b"a:b");
        assert_eq!(decode_once("a%3ab").unwrap(), b"a:b");
        assert_eq!(decode_once("a+b").unwrap(), b"a b");
        assert_eq!(decode_once("%253A").unwrap(), b"%3A");
        assert_eq!(decode_once("plain").unwrap(), b"plain");
    }

    #[test]
    fn refuses_truncated_or_non_hex_escapes() {
        for raw in ["%", "%3", "a%G1", "%%", "abc%2"] {
            assert_eq!(
                decode_once(raw),
                Err(InvalidClickId::BadPercentEncoding),
                "{raw}"
            );
        }
    }
}
