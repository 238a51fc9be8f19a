//! How to reach Stripe: key, base URL, pinned API version, timeouts and retries.

use std::time::Duration;

use super::{ApiKey, RetryPolicy};
use crate::Error;

/// Stripe's production API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// The API version every request pins with `Stripe-Version`, and the version `setup` pins new
/// webhook endpoints to.
///
/// It is the newest version whose shapes the event model is tested against: the basil+ shapes of
/// the fixtures (`invoice.payment_failed__subscription_cycle_basil__pay.json`, Stripe's own
/// `fixtures3.json`) and of the sandbox, which renders `2025-03-31.basil` by default. The official
/// SDKs installed as test peers pin a later version (`2026-10-28.endive`), but no payload of that
/// version is among the fixtures, so nothing shows the model reads it; raise this constant together
/// with a fixture of the new version.
pub const API_VERSION: &str = "2025-03-31.basil";

/// Default time allowed to open a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time allowed for one attempt, from connecting to the end of the body. Stripe's SDKs
/// use 80 s; list pages and look-ups answer in well under a second, so 30 s leaves room without
/// letting a stuck request hold a worker for long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of a [`StripeClient`](super::StripeClient). Its `Debug` shows the key redacted.
///
/// ```
/// use clicktrail_stripe::client::{ApiKey, StripeConfig, API_VERSION};
///
/// let config = StripeConfig::new(ApiKey::new("sk_test_0123456789abcdef").unwrap())
///     .api_base("http://127.0.0.1:12111");
/// assert_eq!(config.api_version, API_VERSION);
/// assert!(format!("{config:?}").contains("sk_test_…cdef"));
/// assert!(!format!("{config:?}").contains("0123456789"));
/// ```
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// The secret or restricted key sent as `Authorization: Bearer`.
    pub api_key: ApiKey,
    /// Where the API lives: `https://`, or `http://` to a loopback host only (the sandbox).
    pub api_base: String,
    /// The `Stripe-Version` sent with every request, so answers have the shape the model reads
    /// whatever the account's default version is.
    pub api_version: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt (retries each get this much again).
    pub timeout: Duration,
    /// When and how long to wait before trying again.
    pub retry: RetryPolicy,
}

impl StripeConfig {
    /// Settings for the production API: [`API_VERSION`], default timeouts and retries.
    pub fn new(api_key: ApiKey) -> Self {
        Self {
            api_key,
            api_base: DEFAULT_API_BASE.to_owned(),
            api_version: API_VERSION.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }

    /// Sets [`api_base`](Self::api_base).
    #[must_use]
    pub fn api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }

    /// Sets [`api_version`](Self::api_version).
    #[must_use]
    pub fn api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = api_version.into();
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`timeout`](Self::timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`retry`](Self::retry).
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// Checks an API base and returns it without a trailing `/`, ready for `/v1/...` to be appended.
///
/// Accepted: absolute `https://` URLs, and `http://` URLs whose host is loopback (`localhost`,
/// `127.0.0.0/8`, `::1`), with an optional path prefix. Refused: other schemes, plain `http://`
/// to any other host (the key would cross the network in clear text), credentials in the URL, a
/// query or a fragment. The rule is [`clicktrail_http::validate_api_base`], shared with the
/// impact.com client, and so is its error ([`Error::BaseUrl`]).
pub fn validate_api_base(api_base: &str) -> Result<String, Error> {
    Ok(clicktrail_http::validate_api_base(api_base)?)
}

/// Checks an API version: `YYYY-MM-DD` optionally followed by `.name` (ASCII letters), as in
/// `2025-03-31.basil`.
pub(crate) fn validate_api_version(version: &str) -> Result<(), Error> {
    let bytes = version.as_bytes();
    let date_ok = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    let rest = version.get(10..).unwrap_or("");
    let rest_ok = rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()));
    if date_ok && rest_ok {
        Ok(())
    } else {
        Err(Error::InvalidApiVersion(version.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use clicktrail_http::BaseUrlError;

    use super::*;

    #[test]
    fn the_shared_rule_and_its_error_are_reused() {
        assert_eq!(
            validate_api_base("http://127.0.0.1:1/").as_deref(),
            Ok("http://127.0.0.1:1")
        );
        assert_eq!(
            validate_api_base("http://api.example.com"),
            Err(Error::BaseUrl(BaseUrlError::Insecure {
                url: "http://api.example.com".into()
            }))
        );
        assert!(matches!(
            validate_api_base("ftp://api.example.com"),
            Err(Error::BaseUrl(BaseUrlError::Invalid { .. }))
        ));
    }

    #[test]
    fn api_versions_are_dated_and_named() {
        for ok in [API_VERSION, "2020-08-27", "2026-10-28.endive"] {
            assert_eq!(validate_api_version(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "latest",
            "2025-3-31",
            "2025-03-31.",
            "2025-03-31 basil",
            "2025-03-31.Basil",
        ] {
            assert!(validate_api_version(bad).is_err(), "{bad}");
        }
    }
}
