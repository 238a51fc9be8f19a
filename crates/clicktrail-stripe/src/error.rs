//! The crate's error types: [`Error`] for everything that can go wrong building or reading a value
//! or calling Stripe, and [`VerifyError`] for the reasons a webhook delivery is refused.

/// Everything that can go wrong in this crate outside signature verification: building a secret,
/// reading an event or an object, and (cargo feature `client`) calling Stripe's REST API.
///
/// Messages never contain a secret (nor the API key: Stripe's own messages show keys redacted,
/// `sk_test_******1234`, and transport errors name the URL, which holds no secret). Event errors name the field that is wrong, with its path
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
    // The REST client's errors (cargo feature `client`).
    #[cfg(feature = "client")]
    /// The API key is not a usable secret or restricted key.
    #[error("invalid Stripe API key: {0}")]
    InvalidKey(&'static str),
    #[cfg(feature = "client")]
    /// `api_base` is refused by the shared outbound policy (not an absolute `http(s)` URL, or
    /// plain `http://` to a host that is not loopback); see
    /// [`clicktrail_http::validate_api_base`].
    #[error(transparent)]
    BaseUrl(#[from] clicktrail_http::BaseUrlError),
    #[cfg(feature = "client")]
    /// The pinned API version does not look like `2025-03-31.basil`.
    #[error("{0:?} is not a Stripe API version (expected YYYY-MM-DD or YYYY-MM-DD.name)")]
    InvalidApiVersion(String),
    #[cfg(feature = "client")]
    /// A parameter cannot be sent (a metadata key holding a bracket, an empty id in a path).
    #[error("invalid parameter `{0}`")]
    InvalidParam(String),
    #[cfg(feature = "client")]
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[cfg(feature = "client")]
    /// 401: the key is wrong, expired or revoked.
    #[error("Stripe refused the API key: {message}")]
    Authentication {
        /// Stripe's message.
        message: String,
        /// The `Request-Id` of the answer.
        request_id: Option<String>,
    },
    #[cfg(feature = "client")]
    /// 403: the (restricted) key lacks a permission.
    #[error("{}", permission_message(permission.as_deref(), message))]
    PermissionDenied {
        /// The missing permission, as Stripe names it (`rak_subscription_read`), when its message
        /// says.
        permission: Option<String>,
        /// Stripe's message.
        message: String,
        /// The `Request-Id` of the answer.
        request_id: Option<String>,
    },
    #[cfg(feature = "client")]
    /// 429 after every retry: too many requests.
    #[error("Stripe rate limit: {message}")]
    RateLimited {
        /// Stripe's message.
        message: String,
        /// The `Request-Id` of the answer.
        request_id: Option<String>,
    },
    #[cfg(feature = "client")]
    /// Any other error answer (400, 402, 404, 409, 5xx...).
    #[error("Stripe answered {status} ({kind}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Api {
        /// The HTTP status.
        status: u16,
        /// `error.type`: `invalid_request_error`, `card_error`, `api_error`, `idempotency_error`.
        kind: String,
        /// `error.code`, e.g. `resource_missing`, `lock_timeout`.
        code: Option<String>,
        /// `error.message`, or an excerpt of the body when it is not Stripe's envelope.
        message: String,
        /// `error.param`: the parameter at fault, e.g. `items[0][price]`.
        param: Option<String>,
        /// The `Request-Id` of the answer.
        request_id: Option<String>,
    },
    #[cfg(feature = "client")]
    /// No answer: the connection failed, dropped or timed out (after every retry).
    #[error("cannot reach Stripe: {0}")]
    Transport(String),
    #[cfg(feature = "client")]
    /// A 2xx answer is not the JSON expected (or not the object a typed view reads).
    #[error("cannot read Stripe's answer: {0}")]
    Decode(String),
    #[cfg(feature = "client")]
    /// A listing went beyond the page cap the caller set.
    #[error("the list has more than {pages} pages; narrow the query or raise the cap")]
    TooManyPages {
        /// The cap.
        pages: usize,
    },
}

#[cfg(feature = "client")]
fn permission_message(permission: Option<&str>, message: &str) -> String {
    match permission {
        Some(p) => format!("the Stripe key lacks the `{p}` permission: {message}"),
        None => format!("the Stripe key lacks a permission: {message}"),
    }
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
