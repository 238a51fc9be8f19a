//! The click id value type.

use alloc::string::String;
use core::fmt;

use crate::{InvalidClickId, InvalidClientReference, codec, percent};

/// A validated impact.com click id.
///
/// Click ids are opaque and case-sensitive. The rules, applied after at most one URL-decode:
/// 1 to [`MAX_LEN`](Self::MAX_LEN) characters of printable ASCII (`!` to `~`), without `"`, `'`,
/// `;`, `,`, `<`, `>` or `\`. These keep the value safe in a cookie, an HTML attribute, a
/// Stripe metadata value and an impact.com form field without further escaping.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClickId(String);

impl ClickId {
    /// The longest click id impact.com accepts (`ClickId` is limited to 64 characters).
    pub const MAX_LEN: usize = 64;

    /// The prefix of a `client_reference_id` that carries a click id.
    pub const CLIENT_REFERENCE_PREFIX: &'static str = "irc_";

    /// Validates an already-decoded value (a cookie value, a metadata value, a UTT callback's
    /// argument) and keeps it verbatim.
    pub fn new(value: &str) -> Result<Self, InvalidClickId> {
        validate(value.as_bytes())?;
        Ok(Self(String::from(value)))
    }

    /// Decodes a value read from a URL query or a form body exactly once (`%XX` and `+`), then
    /// validates it.
    pub fn from_url_encoded(raw: &str) -> Result<Self, InvalidClickId> {
        // A raw value longer than three times the limit cannot decode to a valid one.
        if raw.len() > Self::MAX_LEN * 3 {
            return Err(InvalidClickId::TooLong);
        }
        let bytes = percent::decode_once(raw)?;
        Self::from_bytes(bytes)
    }

    /// Decodes the click id carried by a Stripe `client_reference_id` made by
    /// [`to_client_reference_id`](Self::to_client_reference_id).
    pub fn from_client_reference_id(reference: &str) -> Result<Self, InvalidClientReference> {
        let encoded = reference
            .strip_prefix(Self::CLIENT_REFERENCE_PREFIX)
            .ok_or(InvalidClientReference::NotOurs)?;
        let bytes = codec::decode(encoded).ok_or(InvalidClientReference::BadEncoding)?;
        Self::from_bytes(bytes).map_err(InvalidClientReference::InvalidClickId)
    }

    /// Encodes the click id for Stripe's `client_reference_id`, which allows only
    /// `[A-Za-z0-9_-]` and at most 200 characters: `irc_` + base64url without padding.
    /// The longest click id gives 90 characters.
    pub fn to_client_reference_id(&self) -> String {
        let mut out = String::with_capacity(Self::CLIENT_REFERENCE_PREFIX.len() + 88);
        out.push_str(Self::CLIENT_REFERENCE_PREFIX);
        codec::encode_into(self.0.as_bytes(), &mut out);
        out
    }

    /// The click id, verbatim.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The click id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    fn from_bytes(bytes: alloc::vec::Vec<u8>) -> Result<Self, InvalidClickId> {
        validate(&bytes)?;
        // Validation admits only printable ASCII, so each byte is its own char. This avoids
        // `String::from_utf8`, whose UTF-8 checker costs the browser kit ~260 bytes gzipped.
        Ok(Self(bytes.into_iter().map(char::from).collect()))
    }
}

fn validate(bytes: &[u8]) -> Result<(), InvalidClickId> {
    if bytes.is_empty() {
        return Err(InvalidClickId::Empty);
    }
    if bytes.len() > ClickId::MAX_LEN {
        return Err(InvalidClickId::TooLong);
    }
    if bytes.iter().all(|&b| is_allowed(b)) {
        Ok(())
    } else {
        Err(InvalidClickId::ForbiddenCharacter)
    }
}

const fn is_allowed(b: u8) -> bool {
    matches!(b, b'!'..=b'~') && !matches!(b, b'"' | b'\'' | b';' | b',' | b'<' | b'>' | b'\\')
}

impl fmt::Debug for ClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClickId").field(&self.0).finish()
    }
}

impl fmt::Display for ClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ClickId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::str::FromStr for ClickId {
    type Err = InvalidClickId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl From<ClickId> for String {
    fn from(id: ClickId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes() {
        for value in [
            "impacttest",
            "Qx9WWQzUVxyNRYoyXQ0OHWEqUkCTrxS4u0ZL2Q0",
            "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30",
            "a",
            "!#$%&()*+-./:=?@[]^_`{|}~",
        ] {
            assert_eq!(ClickId::new(value).unwrap().as_str(), value);
        }
    }

    #[test]
    fn length_limits() {
        let max = "x".repeat(64);
        assert!(ClickId::new(&max).is_ok());
        assert_eq!(ClickId::new(&"x".repeat(65)), Err(InvalidClickId::TooLong));
        assert_eq!(ClickId::new(""), Err(InvalidClickId::Empty));
        assert_eq!(ClickId::from_url_encoded(""), Err(InvalidClickId::Empty));
        // 64 characters after decoding, 192 before.
        let encoded = "%41".repeat(64);
        assert_eq!(
            ClickId::from_url_encoded(&encoded).unwrap().as_str(),
            "A".repeat(64)
        );
        assert_eq!(
            ClickId::from_url_encoded(&"%41".repeat(65)),
            Err(InvalidClickId::TooLong)
        );
    }

    #[test]
    fn refuses_each_forbidden_character() {
        for bad in [
            " ", "\"", "'", ";", ",", "<", ">", "\\", "\t", "\n", "\u{7f}", "é", "\0",
        ] {
            let value = alloc::format!("ab{bad}cd");
            assert_eq!(
                ClickId::new(&value),
                Err(InvalidClickId::ForbiddenCharacter),
                "{value:?}"
            );
        }
    }

    #[test]
    fn url_decoding_happens_once() {
        assert_eq!(
            ClickId::from_url_encoded("abc%3A123").unwrap().as_str(),
            "abc:123"
        );
        // Double-encoded `%253A` decodes to `%3A`, which is a valid (if odd) click id verbatim.
        assert_eq!(
            ClickId::from_url_encoded("abc%253A").unwrap().as_str(),
            "abc%3A"
        );
        // `+` is a space in a query string, and spaces are refused.
        assert_eq!(
            ClickId::from_url_encoded("a+b"),
            Err(InvalidClickId::ForbiddenCharacter)
        );
        assert_eq!(
            ClickId::from_url_encoded("a%20b"),
            Err(InvalidClickId::ForbiddenCharacter)
        );
        assert_eq!(
            ClickId::from_url_encoded("a%3"),
            Err(InvalidClickId::BadPercentEncoding)
        );
        // Non-UTF-8 after decoding is refused as a forbidden character, not a panic.
        assert_eq!(
            ClickId::from_url_encoded("a%FFb"),
            Err(InvalidClickId::ForbiddenCharacter)
        );
    }

    #[test]
    fn client_reference_round_trip_and_alphabet() {
        let id = ClickId::new("VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30").unwrap();
        let reference = id.to_client_reference_id();
        assert!(reference.starts_with("irc_"));
        assert!(
            reference
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
        assert_eq!(ClickId::from_client_reference_id(&reference).unwrap(), id);

        let longest = ClickId::new(&"~".repeat(64)).unwrap();
        assert_eq!(longest.to_client_reference_id().len(), 90);
    }

    #[test]
    fn client_reference_rejections() {
        assert_eq!(
            ClickId::from_client_reference_id("user_42"),
            Err(InvalidClientReference::NotOurs)
        );
        assert_eq!(
            ClickId::from_client_reference_id("irc_a"),
            Err(InvalidClientReference::BadEncoding)
        );
        assert_eq!(
            ClickId::from_client_reference_id("irc_ab+c"),
            Err(InvalidClientReference::BadEncoding)
        );
        assert_eq!(
            ClickId::from_client_reference_id("irc_"),
            Err(InvalidClientReference::InvalidClickId(
                InvalidClickId::Empty
            ))
        );
        // "a b" encodes to YSBi: decodes fine, but a space is not allowed in a click id.
        assert_eq!(
            ClickId::from_client_reference_id("irc_YSBi"),
            Err(InvalidClientReference::InvalidClickId(
                InvalidClickId::ForbiddenCharacter
            ))
        );
    }
}
