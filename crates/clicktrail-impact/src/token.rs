//! The impact.com Auth Token, kept out of logs.

use std::fmt;

/// The Auth Token of an impact.com account (the Basic-auth password).
///
/// Its `Debug` prints `AuthToken(<redacted>)`, and it has no `Display`: the only way to read it
/// is [`AuthToken::expose_secret`], which the client calls once to build its `Authorization`
/// header.
///
/// ```
/// let token = clicktrail_impact::AuthToken::new("s3cr3t");
/// assert_eq!(format!("{token:?}"), "AuthToken(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself. Do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

impl From<String> for AuthToken {
    fn from(token: String) -> Self {
        Self(token)
    }
}
