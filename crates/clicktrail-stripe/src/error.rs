//! The crate's error types: [`Error`] for everything that can go wrong building or reading a value,
//! and [`VerifyError`] for the reasons a webhook delivery is refused.

/// Everything that can go wrong in this crate outside signature verification.
///
/// Messages never contain a secret. Event errors name the field that is wrong, with its path
/// inside the event (for example ``missing field `data.object.id` ``), so that a 400 answer or a
/// log line says exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A webhook secret was empty.
    #[error("webhook secret is empty")]
    EmptySecret,
    /// A webhook secret starts or ends with whitespace (usually a copy-paste or a trailing newline
    /// read from a file); Stripe's secrets never do, so it could never verify anything.
    #[error("webhook secret starts or ends with whitespace")]
    SecretWhitespace,
    /// A verifier was built without any secret.
    #[error("a verifier needs at least one webhook secret")]
    NoSecrets,
    /// A verifier was built with a zero tolerance, which would disable the timestamp check.
    #[error("the timestamp tolerance must be greater than zero")]
    ZeroTolerance,
    /// The body is not valid JSON.
    #[error("body is not valid JSON: {0}")]
    InvalidJson(String),
    /// A field the model needs is absent (or `null`).
    #[error("missing field `{field}`")]
    MissingField {
        /// Path of the field inside the parsed document, e.g. `data.object.id`.
        field: String,
    },
    /// A field holds a value of the wrong JSON type.
    #[error("field `{field}` is not {expected}")]
    WrongType {
        /// Path of the field inside the parsed document, e.g. `created`.
        field: String,
        /// What the field should have been, with its article: `an integer`, `a string`, ...
        expected: &'static str,
    },
    /// A currency code is not three ASCII letters.
    #[error("invalid currency code: expected three ASCII letters")]
    InvalidCurrency,
    /// A webhook delivery was refused (see [`VerifyError`]); lets one function verify and parse
    /// with `?`.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A typed view was asked of an object of another kind (e.g. `Invoice` from a `charge`).
    #[error("expected a `{expected}` object, found `{found}`")]
    WrongObject {
        /// The `object` value the view reads.
        expected: &'static str,
        /// The `object` value the document holds.
        found: String,
    },
}

/// Why a webhook delivery was refused by [`Verifier::verify`](crate::webhook::Verifier::verify).
///
/// Every message is safe to return in a `400` body: it never contains a secret, the expected
/// signature, or the signatures that were sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `Stripe-Signature` header is absent or empty.
    #[error("missing Stripe-Signature header")]
    MissingHeader,
    /// The header cannot be read (no timestamp, a bad timestamp, a duplicate timestamp, an item
    /// without `=`). The reason is a static description of the rule that failed.
    #[error("malformed Stripe-Signature header: {0}")]
    MalformedHeader(&'static str),
    /// The header holds no `v1` signature (only `v0`, or only unknown schemes).
    #[error("Stripe-Signature header has no v1 signature")]
    NoV1Signature,
    /// No `v1` signature matches the body under any configured secret.
    #[error("no signature matches the payload")]
    SignatureMismatch,
    /// The signature is valid but its timestamp is older than the tolerance.
    #[error("timestamp is {age_secs} s old, beyond the {tolerance_secs} s tolerance")]
    TimestampTooOld {
        /// How old the timestamp is, in seconds.
        age_secs: u64,
        /// The verifier's tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// The signature is valid but its timestamp is further in the future than the tolerance.
    #[error("timestamp is {ahead_secs} s in the future, beyond the {tolerance_secs} s tolerance")]
    TimestampInFuture {
        /// How far ahead of `now` the timestamp is, in seconds.
        ahead_secs: u64,
        /// The verifier's tolerance, in seconds.
        tolerance_secs: u64,
    },
}
