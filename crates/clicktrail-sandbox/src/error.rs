//! The crate's one error type: what can go wrong when starting a sandbox or reading its configuration.

use std::net::SocketAddr;

/// Why a sandbox could not be configured or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listening socket could not be bound (port taken, address not local, ...).
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A `--restricted-key KEY=PERMS` value is malformed.
    #[error("invalid restricted key {spec:?}: {reason}")]
    RestrictedKey {
        /// The text as given (the key itself is not secret in a sandbox).
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another configuration value is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The HTTP client used for webhook delivery could not be built.
    #[error("cannot build the webhook delivery client: {0}")]
    Client(#[from] reqwest::Error),
}
