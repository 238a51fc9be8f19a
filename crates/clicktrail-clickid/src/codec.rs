//! base64url without padding (RFC 4648, section 5), the alphabet Stripe's `client_reference_id`
//! allows.
//!
//! Hand-written rather than taken from the `base64` crate: it is forty lines, and this crate ships
//! inside the browser kit, whose size budget counts every byte. The tests check it against the
//! `base64` crate on random input.

use alloc::{string::String, vec::Vec};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends the base64url encoding of `bytes`, without padding, to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
}

/// Decodes base64url without padding; `None` for any other character, a dangling character, or
/// non-zero trailing bits (so every byte string has exactly one encoding).
pub(crate) fn decode(encoded: &str) -> Option<Vec<u8>> {
    let input = encoded.as_bytes();
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.chunks(4) {
        let mut n: u32 = 0;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(sextet(c)?) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = chunk.len() - 1;
        // Bits below the last kept byte must be zero.
        if keep < 3 && n & (0xff_ffff >> (8 * keep)) != 0 {
            return None;
        }
        out.extend_from_slice(&bytes[..keep]);
    }
    Some(out)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut ours = String::new();
            encode_into(&bytes, &mut ours);
            prop_assert_eq!(&ours, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode(&ours), Some(bytes));
        }

        #[test]
        fn decode_agrees_with_the_base64_crate_on_any_string(s in "[A-Za-z0-9_+/=-]{0,24}") {
            prop_assert_eq!(decode(&s), URL_SAFE_NO_PAD.decode(&s).ok());
        }
    }

    #[test]
    fn rejects_non_canonical_trailing_bits() {
        // "QQ" is "A"; "QR" has stray low bits.
        assert_eq!(decode("QQ"), Some(b"A".to_vec()));
        assert_eq!(decode("QR"), None);
    }
}
