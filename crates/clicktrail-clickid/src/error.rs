//! Why a value is not a click id.

use core::fmt;

/// Why a string was refused as a click id.
///
/// The messages are safe to log and to show: they name the rule that failed, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidClickId {
    /// The value is empty (after decoding).
    Empty,
    /// The value is longer than [`ClickId::MAX_LEN`](crate::ClickId::MAX_LEN) characters.
    TooLong,
    /// The value holds a character outside printable ASCII, or one of space, `"`, `'`, `;`, `,`,
    /// `<`, `>`, `\`.
    ForbiddenCharacter,
    /// A `%` is not followed by two hexadecimal digits.
    BadPercentEncoding,
}

impl InvalidClickId {
    /// A short, static description of the rule that failed.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "click id is empty",
            Self::TooLong => "click id is longer than 64 characters",
            Self::ForbiddenCharacter => {
                "click id holds a character outside printable ASCII, or a space, quote, ';', ',', '<', '>' or '\\'"
            }
            Self::BadPercentEncoding => "click id has a malformed percent-encoding",
        }
    }
}

impl fmt::Display for InvalidClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for InvalidClickId {}

/// Why a Stripe `client_reference_id` does not carry a click id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidClientReference {
    /// The value does not start with `irc_`: it was set by something else (for example the
    /// merchant's own user id), and is not ours to decode.
    NotOurs,
    /// The part after `irc_` is not base64url without padding.
    BadEncoding,
    /// It decodes, but not to a valid click id.
    InvalidClickId(InvalidClickId),
}

impl fmt::Display for InvalidClientReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOurs => f.write_str("client_reference_id does not start with irc_"),
            Self::BadEncoding => f.write_str("client_reference_id is not irc_ + base64url"),
            Self::InvalidClickId(e) => {
                f.write_str("client_reference_id decodes to an invalid click id: ")?;
                f.write_str(e.as_str())
            }
        }
    }
}

impl core::error::Error for InvalidClientReference {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidClickId(e) => Some(e),
            _ => None,
        }
    }
}
