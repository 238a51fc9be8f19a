//! The crate's error type.

/// A configuration value this crate refuses.
///
/// Request handling never fails with this type: invalid click ids are ignored (with a debug
/// log), and bodies that cannot be read are handed on as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cookie name must be a non-empty HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``).
    #[error("invalid cookie name {0:?}: use letters, digits and !#$%&'*+-.^_`|~")]
    InvalidCookieName(String),
    /// A cookie domain must be a host name (letters, digits, `-` and `.`).
    #[error("invalid cookie domain {0:?}: use a host name such as shop.example")]
    InvalidCookieDomain(String),
}
