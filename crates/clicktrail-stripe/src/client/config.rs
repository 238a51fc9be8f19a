//! How to reach Stripe: key, base URL, pinned API version, timeouts and retries.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::{ApiKey, RetryPolicy, StripeError};

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
/// query or a fragment.
pub fn validate_api_base(api_base: &str) -> Result<String, StripeError> {
    let invalid = |reason| StripeError::InvalidBaseUrl {
        url: api_base.to_owned(),
        reason,
    };
    let url = Url::parse(api_base).map_err(|_| invalid("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(StripeError::InvalidBaseUrl {
            url: "<hidden>".to_owned(),
            reason: "it holds credentials",
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    let host = url.host_str().ok_or_else(|| invalid("it has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(StripeError::InsecureBaseUrl {
                url: api_base.to_owned(),
            });
        }
        _ => return Err(invalid("the scheme is neither https nor http")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Checks an API version: `YYYY-MM-DD` optionally followed by `.name` (ASCII letters), as in
/// `2025-03-31.basil`.
pub(crate) fn validate_api_version(version: &str) -> Result<(), StripeError> {
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
        Err(StripeError::InvalidApiVersion(version.to_owned()))
    }
}

/// Whether a (validated) API base points at this machine; such a base is reached directly, never
/// through a proxy from the environment.
pub(crate) fn is_loopback_base(api_base: &str) -> bool {
    Url::parse(api_base)
        .ok()
        .and_then(|u| u.host_str().map(is_loopback))
        .unwrap_or(false)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for (input, normalised) in [
            ("https://api.stripe.com", "https://api.stripe.com"),
            ("https://api.stripe.com/", "https://api.stripe.com"),
            (
                "https://proxy.example/stripe/",
                "https://proxy.example/stripe",
            ),
            ("http://127.0.0.1:12111", "http://127.0.0.1:12111"),
            ("http://127.9.9.9:1/", "http://127.9.9.9:1"),
            ("http://localhost:12111", "http://localhost:12111"),
            ("http://[::1]:4000", "http://[::1]:4000"),
        ] {
            assert_eq!(
                validate_api_base(input).as_deref(),
                Ok(normalised),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_plain_http_beyond_loopback() {
        for input in [
            "http://api.stripe.com",
            "http://10.0.0.1:12111",
            "http://0.0.0.0:12111",
            "http://[::2]",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(
                validate_api_base(input),
                Err(StripeError::InsecureBaseUrl { url: input.into() }),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_malformed_bases_without_echoing_credentials() {
        for input in [
            "",
            "api.stripe.com",
            "ftp://api.stripe.com",
            "https://api.stripe.com/?a=1",
            "https://api.stripe.com/#x",
        ] {
            assert!(
                matches!(
                    validate_api_base(input),
                    Err(StripeError::InvalidBaseUrl { .. })
                ),
                "{input}"
            );
        }
        let err = validate_api_base("https://sk_test_secret@api.stripe.com").unwrap_err();
        assert!(!err.to_string().contains("sk_test_secret"), "{err}");
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
