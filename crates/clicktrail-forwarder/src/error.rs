//! The crate's error type.

/// What can go wrong in the forwarder's library code.
///
/// Messages are safe to print: they never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {path}: {reason}")]
    ConfigFile {
        /// The path given.
        path: String,
        /// Why it could not be read.
        reason: String,
    },
    /// A configuration key is missing, unknown or holds a bad value.
    #[error("configuration key `{key}`{}: {problem}", origin.as_ref().map(|o| format!(" from {o}")).unwrap_or_default())]
    Config {
        /// The key, dotted (`rules.refund_delay`).
        key: String,
        /// Where the value came from (file, environment variable), when known.
        origin: Option<String>,
        /// What was found and what is allowed.
        problem: String,
    },
}
