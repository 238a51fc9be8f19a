//! Who may use the console, decided once per request ([`guard`]), and the session and CSRF
//! tokens that carry that decision between requests.
//!
//! - With `[admin] token`: `Authorization: Bearer <token>` (scripts), or the session cookie the
//!   login form sets (browsers). Tokens are compared in constant time, as SHA-256 digests so that
//!   their lengths do not leak either.
//! - Without a token: only a loopback peer asking for a loopback `Host` (the latter stops DNS
//!   rebinding: a page on `evil.example` resolving to 127.0.0.1 still sends its own `Host`).
//! - Never: a token in the query string (it would end up in proxy logs and browser history).
//!
//! A session cookie is `v1.<nonce>.<expires>.<mac>`, the MAC an HMAC-SHA256 under a key derived
//! from the token: it survives restarts, works on every replica, and changing the token ends
//! every session. State-changing requests are POSTs carrying `csrf` = HMAC of the session's
//! nonce (a page renders it into its forms), and an `Origin` that, when sent, names this host.
//! The cookie is `HttpOnly` and `SameSite=Strict`; `Secure` when the request came over TLS
//! (`X-Forwarded-Proto: https` from the reverse proxy).

use std::net::SocketAddr;

use axum::http::{HeaderMap, header};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Secret;

/// The session cookie's name.
pub const COOKIE: &str = "clicktrail_console";

/// How long a session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;

/// The console's keys, derived from the token (or, without one, from a random value per process:
/// loopback sessions end with the process).
#[derive(Clone)]
pub struct Keys {
    token_digest: Option<[u8; 32]>,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("token", &self.token_digest.map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// Who is asking, once [`guard`] let the request through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `Authorization: Bearer` with the token: no cookie, no CSRF (nothing ambient to forge).
    Bearer,
    /// A browser with a valid session; its nonce makes the CSRF token.
    Session {
        /// The session's nonce.
        nonce: String,
    },
    /// No token configured, from loopback; `session` when the browser already has one.
    Loopback {
        /// The session's nonce, when a cookie came with the request.
        nonce: Option<String>,
    },
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: a token in the URL.
    TokenInQuery,
    /// 401: no valid credentials (pages send the login form instead).
    Unauthenticated,
    /// 403: no token configured, and the request is not loopback to loopback.
    NotLoopback,
    /// 403: a POST without a valid CSRF token, or from another origin.
    Csrf,
}

impl Refusal {
    /// The message shown.
    pub fn message(&self) -> &'static str {
        match self {
            Self::TokenInQuery => {
                "tokens are not accepted in URLs (they end up in logs and browser history): send Authorization: Bearer, or log in"
            }
            Self::Unauthenticated => "log in with the console token ([admin] token)",
            Self::NotLoopback => {
                "no [admin] token is configured, so the console answers only on loopback (127.0.0.1 / ::1, Host localhost): set CLICKTRAIL_ADMIN__TOKEN to reach it through a proxy"
            }
            Self::Csrf => {
                "this form is stale or came from another site: reload the page and try again"
            }
        }
    }
}

impl Keys {
    /// Keys for `token` (`None`: loopback only, with a random session key).
    pub fn new(token: Option<&Secret>) -> Self {
        match token {
            Some(token) => {
                let token_digest: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
                let mut mac = Sha256::new();
                mac.update(b"clicktrail console session key\0");
                mac.update(token.expose().as_bytes());
                Self {
                    token_digest: Some(token_digest),
                    mac_key: mac.finalize().into(),
                }
            }
            None => Self {
                token_digest: None,
                mac_key: rand::random(),
            },
        }
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token_digest.is_some()
    }

    /// Whether `given` is the token, in constant time.
    pub fn token_matches(&self, given: &str) -> bool {
        let Some(expected) = &self.token_digest else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        given.ct_eq(expected).into()
    }

    fn mac(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.mac_key)
            .expect("HMAC takes any key length");
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new session cookie value expiring `SESSION_SECS` after `now` (unix seconds), and its
    /// nonce.
    pub fn new_session(&self, now: i64) -> (String, String) {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let expires = (now + SESSION_SECS).to_string();
        let mac = self.mac(&["v1", &nonce, &expires]);
        (format!("v1.{nonce}.{expires}.{mac}"), nonce)
    }

    /// The nonce of a valid, unexpired session cookie.
    pub fn session_nonce(&self, cookie: &str, now: i64) -> Option<String> {
        let mut parts = cookie.split('.');
        let (Some("v1"), Some(nonce), Some(expires), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let expected = self.mac(&["v1", nonce, expires]);
        let valid: bool = expected.as_bytes().ct_eq(mac.as_bytes()).into();
        let unexpired = expires.parse::<i64>().is_ok_and(|e| e > now);
        (valid && unexpired).then(|| nonce.to_owned())
    }

    /// The CSRF token of a session's forms.
    pub fn csrf(&self, nonce: &str) -> String {
        self.mac(&["csrf", nonce])
    }

    /// Whether `given` is the CSRF token of `nonce`, in constant time.
    pub fn csrf_matches(&self, nonce: &str, given: &str) -> bool {
        self.csrf(nonce).as_bytes().ct_eq(given.as_bytes()).into()
    }
}

/// What [`guard`] reads from a request.
#[derive(Debug)]
pub struct Request<'a> {
    /// The query string, if any.
    pub query: Option<&'a str>,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The peer's address.
    pub peer: SocketAddr,
    /// Now, unix seconds.
    pub now: i64,
}

/// Decides whether `request` may use the console, and as whom.
pub fn guard(keys: &Keys, request: &Request<'_>) -> Result<Caller, Refusal> {
    if request.query.is_some_and(query_has_token) {
        return Err(Refusal::TokenInQuery);
    }
    let nonce = cookie(request.headers, COOKIE).and_then(|c| keys.session_nonce(c, request.now));
    if !keys.has_token() {
        if !request.peer.ip().is_loopback() || !host_is_loopback(request.headers) {
            return Err(Refusal::NotLoopback);
        }
        return Ok(Caller::Loopback { nonce });
    }
    if let Some(token) = bearer(request.headers) {
        return if keys.token_matches(token) {
            Ok(Caller::Bearer)
        } else {
            Err(Refusal::Unauthenticated)
        };
    }
    match nonce {
        Some(nonce) => Ok(Caller::Session { nonce }),
        None => Err(Refusal::Unauthenticated),
    }
}

/// Whether a state-changing request from `caller` may go on: bearer callers need nothing more;
/// browsers need the CSRF token of their session and, when the browser names one, an `Origin`
/// on this host.
pub fn check_post(
    keys: &Keys,
    caller: &Caller,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(), Refusal> {
    let nonce = match caller {
        Caller::Bearer => return Ok(()),
        Caller::Session { nonce } => Some(nonce),
        Caller::Loopback { nonce } => nonce.as_ref(),
    };
    if !same_origin(headers) {
        return Err(Refusal::Csrf);
    }
    match (nonce, csrf) {
        (Some(nonce), Some(given)) if keys.csrf_matches(nonce, given) => Ok(()),
        _ => Err(Refusal::Csrf),
    }
}

/// `Set-Cookie` for a session, `Secure` when the request came over TLS.
pub fn set_cookie(value: &str, headers: &HeaderMap) -> String {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that ends the session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

fn query_has_token(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(k, _)| {
        let k = k.to_ascii_lowercase();
        k == "token" || k == "access_token" || k == "auth" || k == "bearer"
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An `Origin` header, when present, must be this `Host`'s (any scheme: TLS ends at the proxy).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ask(keys: &Keys, peer: &str, query: Option<&str>, h: &HeaderMap) -> Result<Caller, Refusal> {
        guard(
            keys,
            &Request {
                query,
                headers: h,
                peer: peer.parse().unwrap(),
                now: NOW,
            },
        )
    }

    #[test]
    fn without_a_token_only_loopback_to_a_loopback_host_is_let_in() {
        let keys = Keys::new(None);
        let local = headers(&[("host", "127.0.0.1:8089")]);
        assert!(ask(&keys, "127.0.0.1:5000", None, &local).is_ok());
        assert!(
            ask(
                &keys,
                "[::1]:5000",
                None,
                &headers(&[("host", "[::1]:8089")])
            )
            .is_ok()
        );
        assert!(
            ask(
                &keys,
                "127.0.0.1:5000",
                None,
                &headers(&[("host", "localhost:8089")])
            )
            .is_ok()
        );
        assert_eq!(
            ask(&keys, "10.0.0.7:5000", None, &local),
            Err(Refusal::NotLoopback)
        );
        let rebound = headers(&[("host", "evil.example:8089")]);
        assert_eq!(
            ask(&keys, "127.0.0.1:5000", None, &rebound),
            Err(Refusal::NotLoopback)
        );
    }

    #[test]
    fn with_a_token_bearer_or_session_and_never_the_query() {
        let keys = Keys::new(Some(&Secret::new("0123456789abcdef-token")));
        let h = headers(&[("host", "console.example")]);
        assert_eq!(
            ask(&keys, "127.0.0.1:1", None, &h),
            Err(Refusal::Unauthenticated)
        );
        let good = headers(&[("authorization", "Bearer 0123456789abcdef-token")]);
        assert_eq!(ask(&keys, "10.0.0.1:1", None, &good), Ok(Caller::Bearer));
        let wrong = headers(&[("authorization", "Bearer 0123456789abcdef-tokeN")]);
        assert_eq!(
            ask(&keys, "10.0.0.1:1", None, &wrong),
            Err(Refusal::Unauthenticated)
        );
        assert_eq!(
            ask(
                &keys,
                "10.0.0.1:1",
                Some("a=1&token=0123456789abcdef-token"),
                &good
            ),
            Err(Refusal::TokenInQuery)
        );
        let (cookie, nonce) = keys.new_session(NOW);
        let with = headers(&[("cookie", &format!("other=1; {COOKIE}={cookie}"))]);
        assert_eq!(
            ask(&keys, "10.0.0.1:1", None, &with),
            Ok(Caller::Session { nonce })
        );
    }

    #[test]
    fn sessions_expire_and_cannot_be_forged_or_moved_to_another_token() {
        let keys = Keys::new(Some(&Secret::new("0123456789abcdef-token")));
        let (cookie, nonce) = keys.new_session(NOW);
        assert_eq!(keys.session_nonce(&cookie, NOW + 10), Some(nonce.clone()));
        assert_eq!(keys.session_nonce(&cookie, NOW + SESSION_SECS + 1), None);
        let longer = cookie.replace(
            &(NOW + SESSION_SECS).to_string(),
            &(NOW + 10 * SESSION_SECS).to_string(),
        );
        assert_eq!(keys.session_nonce(&longer, NOW), None);
        let other = Keys::new(Some(&Secret::new("another-token-of-16+")));
        assert_eq!(other.session_nonce(&cookie, NOW), None);
        // The same token gives the same keys: a restart or another replica keeps the session.
        let again = Keys::new(Some(&Secret::new("0123456789abcdef-token")));
        assert_eq!(again.session_nonce(&cookie, NOW), Some(nonce));
    }

    #[test]
    fn posts_need_the_sessions_csrf_token_and_this_origin() {
        let keys = Keys::new(Some(&Secret::new("0123456789abcdef-token")));
        let (_, nonce) = keys.new_session(NOW);
        let caller = Caller::Session {
            nonce: nonce.clone(),
        };
        let csrf = keys.csrf(&nonce);
        let same = headers(&[
            ("host", "console.example"),
            ("origin", "https://console.example"),
        ]);
        assert_eq!(check_post(&keys, &caller, &same, Some(&csrf)), Ok(()));
        assert_eq!(check_post(&keys, &caller, &same, None), Err(Refusal::Csrf));
        assert_eq!(
            check_post(&keys, &caller, &same, Some("00")),
            Err(Refusal::Csrf)
        );
        let cross = headers(&[
            ("host", "console.example"),
            ("origin", "https://evil.example"),
        ]);
        assert_eq!(
            check_post(&keys, &caller, &cross, Some(&csrf)),
            Err(Refusal::Csrf)
        );
        assert_eq!(check_post(&keys, &Caller::Bearer, &cross, None), Ok(()));
        let stranger = Caller::Loopback { nonce: None };
        assert_eq!(
            check_post(&keys, &stranger, &same, Some(&csrf)),
            Err(Refusal::Csrf)
        );
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_tls() {
        let plain = set_cookie("v", &HeaderMap::new());
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Strict")
                && !plain.contains("Secure")
        );
        let tls = set_cookie("v", &headers(&[("x-forwarded-proto", "https")]));
        assert!(tls.ends_with("; Secure"));
        assert!(
            format!(
                "{:?}",
                Keys::new(Some(&Secret::new("0123456789abcdef-token")))
            )
            .contains("redacted")
        );
    }
}
