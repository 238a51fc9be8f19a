//! How to reach impact.com: credentials, base URL and timeouts.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use crate::{AuthToken, Error};

/// impact.com's production API.
pub const DEFAULT_API_BASE: &str = "https://api.impact.com";

/// Default time allowed to open a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time allowed for a whole request, from connecting to the end of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an [`ImpactClient`](crate::ImpactClient). Its `Debug` shows no token.
///
/// ```
/// use clicktrail_impact::{AuthToken, ImpactConfig};
///
/// let config = ImpactConfig::new("IRabc123", AuthToken::new("s3cr3t"));
/// assert_eq!(config.api_base, "https://api.impact.com");
/// assert!(!format!("{config:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone)]
pub struct ImpactConfig {
    /// The Account SID (Basic-auth user name, and part of every path). ASCII letters and digits.
    pub account_sid: String,
    /// The Auth Token (Basic-auth password).
    pub auth_token: AuthToken,
    /// Where the API lives; `https://`, or `http://` to a loopback host only (the sandbox).
    pub api_base: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request.
    pub timeout: Duration,
}

impl ImpactConfig {
    /// Settings for the production API with default timeouts.
    pub fn new(account_sid: impl Into<String>, auth_token: AuthToken) -> Self {
        Self {
            account_sid: account_sid.into(),
            auth_token,
            api_base: DEFAULT_API_BASE.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets [`api_base`](Self::api_base).
    #[must_use]
    pub fn api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
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
}

/// Checks that an Account SID can be put in a path: non-empty ASCII letters and digits.
pub(crate) fn validate_account_sid(sid: &str) -> Result<(), Error> {
    if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::InvalidAccountSid);
    }
    Ok(())
}

/// Checks an API base and returns it without a trailing `/`, ready for paths to be appended.
///
/// Accepted: absolute `https://` URLs, and `http://` URLs whose host is loopback (`localhost`,
/// `127.0.0.0/8`, `::1`), with an optional path prefix. Refused: other schemes, plain `http://`
/// to any other host, credentials in the URL, a query or a fragment.
pub fn validate_api_base(api_base: &str) -> Result<String, Error> {
    let invalid = |reason| Error::InvalidBaseUrl {
        url: api_base.to_owned(),
        reason,
    };
    let url = Url::parse(api_base).map_err(|_| invalid("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo the URL: it holds a secret.
        return Err(Error::InvalidBaseUrl {
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
            return Err(Error::InsecureBaseUrl {
                url: api_base.to_owned(),
            });
        }
        _ => return Err(invalid("the scheme is neither https nor http")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether a (validated) API base points at this machine. Such a base is reached directly, never
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
            ("https://api.impact.com", "https://api.impact.com"),
            ("https://api.impact.com/", "https://api.impact.com"),
            (
                "https://proxy.example/impact/",
                "https://proxy.example/impact",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.1.2.3:1/", "http://127.1.2.3:1"),
            (
                "http://localhost:9000/sandbox/impact",
                "http://localhost:9000/sandbox/impact",
            ),
            ("http://LOCALHOST:9000", "http://localhost:9000"),
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
            "http://api.impact.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://0.0.0.0:80",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(
                validate_api_base(input),
                Err(Error::InsecureBaseUrl { url: input.into() }),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_malformed_bases_without_echoing_secrets() {
        for input in [
            "",
            "api.impact.com",
            "ftp://api.impact.com",
            "https://api.impact.com/?x=1",
            "https://api.impact.com/#f",
        ] {
            assert!(
                matches!(validate_api_base(input), Err(Error::InvalidBaseUrl { .. })),
                "{input}"
            );
        }
        let err = validate_api_base("https://IRsid:s3cr3t@api.impact.com").unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn knows_loopback_bases() {
        assert!(is_loopback_base("http://127.0.0.1:1"));
        assert!(is_loopback_base("https://localhost/x"));
        assert!(is_loopback_base("http://[::1]:1"));
        assert!(!is_loopback_base("https://api.impact.com"));
        assert!(!is_loopback_base("not a url"));
    }

    #[test]
    fn account_sid_must_be_path_safe() {
        assert!(validate_account_sid("IRabc123XYZ").is_ok());
        for bad in ["", "IR/../x", "IR abc", "IR%2F", "ÍR"] {
            assert_eq!(
                validate_account_sid(bad),
                Err(Error::InvalidAccountSid),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let config = ImpactConfig::new("IRabc", AuthToken::new("tok_very_secret"));
        let debug = format!("{config:?}");
        assert!(debug.contains("IRabc") && debug.contains("<redacted>"));
        assert!(!debug.contains("tok_very_secret"));
    }
}
