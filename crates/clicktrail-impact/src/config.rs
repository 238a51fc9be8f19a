//! How to reach impact.com: credentials, base URL and timeouts.

use std::time::Duration;

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
/// to any other host, credentials in the URL, a query or a fragment. The rule is
/// [`clicktrail_http::validate_api_base`], shared with the Stripe client, and so is its error
/// ([`Error::BaseUrl`]).
pub fn validate_api_base(api_base: &str) -> Result<String, Error> {
    Ok(clicktrail_http::validate_api_base(api_base)?)
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
