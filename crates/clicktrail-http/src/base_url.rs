//! Which API bases a client may talk to.

use std::net::IpAddr;

use reqwest::Url;

/// Why an API base was refused. Messages never contain credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUrlError {
    /// Not a usable URL; `url` is what was given (or `<hidden>` when it held credentials).
    Invalid {
        /// The URL as given, or `<hidden>`.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain `http://` to a host that is not this machine.
    Insecure {
        /// The URL as given.
        url: String,
    },
}

impl std::fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid { url, reason } => write!(f, "API base {url:?} is unusable: {reason}"),
            Self::Insecure { url } => write!(
                f,
                "API base {url:?} is plain http:// to another host; use https:// \
                 (plain http:// is allowed only to 127.0.0.0/8, [::1] or localhost)"
            ),
        }
    }
}

impl std::error::Error for BaseUrlError {}

/// Checks an API base and returns it without a trailing `/`, ready for paths to be appended.
///
/// Accepted: absolute `https://` URLs, and `http://` URLs whose host is loopback (`localhost`,
/// `127.0.0.0/8`, `::1`), with an optional path prefix. Refused: other schemes, plain `http://`
/// to any other host, credentials in the URL, a query or a fragment.
pub fn validate_api_base(api_base: &str) -> Result<String, BaseUrlError> {
    let invalid = |reason| BaseUrlError::Invalid {
        url: api_base.to_owned(),
        reason,
    };
    let url = Url::parse(api_base).map_err(|_| invalid("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo the URL: it holds a secret.
        return Err(BaseUrlError::Invalid {
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
        "http" if is_loopback_host(host) => {}
        "http" => {
            return Err(BaseUrlError::Insecure {
                url: api_base.to_owned(),
            });
        }
        _ => return Err(invalid("the scheme is neither https nor http")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether a URL's host is this machine: `localhost` (any case), `127.0.0.0/8` or `::1`
/// (bracketed or not).
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Whether a (validated) API base points at this machine.
pub fn is_loopback_base(api_base: &str) -> bool {
    Url::parse(api_base)
        .ok()
        .and_then(|u| u.host_str().map(is_loopback_host))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http_normalised() {
        for (input, normalised) in [
            ("https://api.impact.com", "https://api.impact.com"),
            ("https://api.stripe.com/", "https://api.stripe.com"),
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
    fn refuses_clear_text_to_other_hosts_and_odd_urls() {
        for input in [
            "http://api.impact.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            assert_eq!(
                validate_api_base(input),
                Err(BaseUrlError::Insecure {
                    url: input.to_owned()
                }),
                "{input}"
            );
        }
        for (input, reason) in [
            ("api.impact.com", "not an absolute URL"),
            (
                "ftp://api.impact.com",
                "the scheme is neither https nor http",
            ),
            ("https://api.impact.com?x=1", "it has a query or fragment"),
            ("https://api.impact.com#top", "it has a query or fragment"),
        ] {
            assert_eq!(
                validate_api_base(input),
                Err(BaseUrlError::Invalid {
                    url: input.to_owned(),
                    reason
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn credentials_are_never_echoed() {
        let err = validate_api_base("https://user:s3cret@api.impact.com").unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
        assert!(!format!("{err:?}").contains("s3cret"));
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "[::1]",
            "localhost",
            "LocalHost",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "10.0.0.1",
            "192.168.1.1",
            "example.com",
            "localhost.example",
            "::2",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        assert!(is_loopback_base("http://127.0.0.1:1"));
        assert!(!is_loopback_base("https://api.stripe.com"));
    }
}
