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
    /// The database failed (connection, query, migration).
    #[error("database: {0}")]
    Database(String),
    /// A stored value could not be read back (a corrupt row or a newer schema).
    #[error("stored data: {0}")]
    Corrupt(String),
    /// A Stripe look-up failed (the job is retried).
    #[error("Stripe: {0}")]
    Stripe(String),
    /// The service could not start or stop cleanly.
    #[error("service: {0}")]
    Service(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e.to_string())
    }
}
