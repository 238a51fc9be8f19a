//! The customer email as impact.com wants it: hashed, never in clear.

use sha1::{Digest, Sha1};

/// The value to send as `CustomerEmail`: the lowercase hex SHA-1 of the address, trimmed of
/// surrounding whitespace and lower-cased first, as impact.com documents for hashed emails.
///
/// ```
/// assert_eq!(
///     clicktrail_impact::hash_email("  Test@Example.com "),
///     "567159d622ffbb50b11b0efd307be358624a26ee",
/// );
/// ```
pub fn hash_email(address: &str) -> String {
    let normalised = address.trim().to_lowercase();
    let digest = Sha1::digest(normalised.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(40);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hash_email;

    #[test]
    fn matches_known_sha1_vectors() {
        // `printf 'test@example.com' | sha1sum` and RFC 3174's "abc" vector.
        assert_eq!(
            hash_email("test@example.com"),
            "567159d622ffbb50b11b0efd307be358624a26ee"
        );
        assert_eq!(
            hash_email("abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn trims_and_lower_cases_before_hashing() {
        let expected = hash_email("test@example.com");
        for variant in [
            "TEST@EXAMPLE.COM",
            " test@example.com",
            "test@example.com\n",
            "\tTeSt@Example.Com  ",
        ] {
            assert_eq!(hash_email(variant), expected, "{variant:?}");
        }
        assert_ne!(hash_email("te st@example.com"), expected);
    }

    #[test]
    fn is_forty_lowercase_hex_digits() {
        let h = hash_email("ünïcode@exämple.org");
        assert_eq!(h.len(), 40);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }
}
