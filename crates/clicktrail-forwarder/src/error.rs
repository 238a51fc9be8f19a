//! The crate's error type, and [`Report`], which prints an error with its causes.
//!
//! A variant's message says what the forwarder was doing; the error that made it fail is kept as
//! its [`source`](std::error::Error::source), not flattened into a string, so a caller can walk
//! the chain and a person sees every cause ([`Error::chain`] for logs, [`Report`] for the
//! command line).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use clicktrail_stripe::Error as StripeError;

/// A cause kept as it came: any error, boxed.
pub type Cause = Box<dyn StdError + Send + Sync>;

/// What can go wrong in the forwarder's library code.
///
/// Messages are safe to print: they never contain a secret. A message names what failed; what
/// caused it is the error's source (see [`Error::chain`]).
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
    #[error("database: {context}")]
    Database {
        /// What the forwarder was doing (`cannot connect to sqlite://...`, `a statement failed`).
        context: String,
        /// The database driver's (or the intake's) error.
        #[source]
        source: Cause,
    },
    /// A stored value could not be read back (a corrupt row or a newer schema).
    #[error("stored data: {context}")]
    Corrupt {
        /// Which value, and what is wrong with it.
        context: String,
        /// The parser's error, when one failed.
        #[source]
        source: Option<Cause>,
    },
    /// A Stripe look-up or call failed (a worker's job is retried).
    #[error("Stripe: {context}")]
    Stripe {
        /// The call (`GET /v1/subscriptions/sub_1`) or what was expected of it.
        context: String,
        /// The client's error ([`StripeError`]), when the call was made; boxed, since it is
        /// large.
        #[source]
        source: Option<Cause>,
    },
    /// The service could not start or stop cleanly.
    #[error("service: {context}")]
    Service {
        /// What failed (`the batch task stopped`, `HTTP server`).
        context: String,
        /// The I/O error behind it, when there is one.
        #[source]
        source: Option<std::io::Error>,
    },
    /// A group commit failed: every request of the batch gets the same error, shared.
    #[error(transparent)]
    Batch(Arc<Error>),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::database("a statement failed", e)
    }
}

impl Error {
    /// [`Error::Database`] with `context` and its cause.
    pub fn database(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Database {
            context: context.into(),
            source: source.into(),
        }
    }

    /// [`Error::Corrupt`] with `context` and the parser's error.
    pub fn corrupt(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Corrupt {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// [`Error::Stripe`]: the call in `context` failed with `source`.
    pub fn stripe(context: impl Into<String>, source: StripeError) -> Self {
        Self::Stripe {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// [`Error::Service`] without an underlying I/O error.
    pub fn service(context: impl Into<String>) -> Self {
        Self::Service {
            context: context.into(),
            source: None,
        }
    }

    /// The message followed by each cause, `: `-separated (`database: a statement failed:
    /// error returned from database: ...`), for logs and the outcome stored with a job.
    pub fn chain(&self) -> String {
        clicktrail_http::error_chain(self)
    }
}

/// An error and its causes as the command line prints them:
/// `what failed: caused by: why: caused by: ...`.
///
/// A cause whose message the text already holds is not repeated (some errors quote their
/// source).
pub struct Report<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let next = cause.to_string();
            if !text.contains(&next) {
                text.push_str(": caused by: ");
                text.push_str(&next);
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(message: &str) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionReset, message.to_owned())
    }

    #[test]
    fn the_source_is_kept_not_flattened() {
        let e = Error::database("cannot connect to sqlite://x.db", io("reset by peer"));
        assert_eq!(e.to_string(), "database: cannot connect to sqlite://x.db");
        let source = e.source().expect("the cause is kept");
        assert_eq!(source.to_string(), "reset by peer");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(
            e.chain(),
            "database: cannot connect to sqlite://x.db: reset by peer"
        );
        assert_eq!(
            Report(&e).to_string(),
            "database: cannot connect to sqlite://x.db: caused by: reset by peer"
        );
    }

    #[test]
    fn a_stripe_error_stays_typed_under_its_context() {
        let e = Error::stripe(
            "GET /v1/subscriptions/sub_1",
            StripeError::RateLimited {
                message: "Too many requests".into(),
                request_id: None,
            },
        );
        let source = e.source().unwrap().downcast_ref::<StripeError>().unwrap();
        assert_eq!(source.status(), Some(429));
        assert_eq!(
            Report(&e).to_string(),
            "Stripe: GET /v1/subscriptions/sub_1: caused by: Stripe rate limit: Too many requests"
        );
    }

    #[test]
    fn a_shared_batch_error_shows_the_inner_error_and_its_chain() {
        let inner = Arc::new(Error::database("a statement failed", io("disk full")));
        let e = Error::Batch(Arc::clone(&inner));
        assert_eq!(e.to_string(), "database: a statement failed");
        assert_eq!(e.chain(), "database: a statement failed: disk full");
    }

    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer: {0}")]
        struct Quoting(#[source] std::io::Error);
        let e = Quoting(io("inner"));
        assert_eq!(Report(&e).to_string(), "outer: inner");
    }
}
