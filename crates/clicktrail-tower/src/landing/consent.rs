//! [`Consent`]: whether the landing cookie may be set in the answer to a request.
//!
//! The decision is a pure function of the request head, so the hook is a tiny trait implemented
//! for closures `Fn(&http::request::Parts) -> bool`, for `bool`, and by two ready-made types:
//! [`AlwaysConsent`] (the default) and [`ConsentCookie`] (a cookie your consent banner sets).
//!
//! Consent only governs the `Set-Cookie` of the landing capture. The click id of the request is
//! still read and put into the request extensions whatever the answer: it is the request's own
//! data, kept in memory for that request (a checkout posted in the same request still carries
//! it), and nothing is stored in the visitor's browser without consent.

use std::borrow::Cow;

use http::request::Parts;

use super::is_token_byte;
use crate::Error;
use crate::source;

/// Decides from the request whether the landing cookie may be set (the visitor's consent).
///
/// Implemented for closures `Fn(&http::request::Parts) -> bool`, for `bool`, and by
/// [`AlwaysConsent`] and [`ConsentCookie`]. Give one to
/// [`CaptureClickIdLayer::consent`](crate::CaptureClickIdLayer::consent).
///
/// ```
/// use clicktrail_tower::{CaptureClickIdLayer, ConsentCookie};
///
/// # fn main() -> Result<(), clicktrail_tower::Error> {
/// // Your banner sets `cookie_consent=granted` once the visitor accepts marketing cookies.
/// let layer = CaptureClickIdLayer::new().consent(ConsentCookie::new("cookie_consent", "granted")?);
///
/// // Or any rule of your own, read from the request head.
/// let layer = CaptureClickIdLayer::new().consent(|parts: &http::request::Parts| {
///     parts.headers.get("x-consent-marketing").is_some_and(|v| v == "1")
/// });
/// # let _ = layer;
/// # Ok(())
/// # }
/// ```
pub trait Consent {
    /// Whether a click id cookie may be set in the answer to this request.
    fn allows_cookie(&self, parts: &Parts) -> bool;
}

impl<F> Consent for F
where
    F: Fn(&Parts) -> bool,
{
    fn allows_cookie(&self, parts: &Parts) -> bool {
        self(parts)
    }
}

impl Consent for bool {
    fn allows_cookie(&self, _parts: &Parts) -> bool {
        *self
    }
}

/// The default [`Consent`]: always allows the cookie, as the layer did before consent existed.
///
/// This is the right choice only where you may set an affiliate cookie without asking (see the
/// [landing module docs](crate::landing#consent)); with a consent banner, plug in its decision
/// with [`CaptureClickIdLayer::consent`](crate::CaptureClickIdLayer::consent).
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysConsent;

impl Consent for AlwaysConsent {
    fn allows_cookie(&self, _parts: &Parts) -> bool {
        true
    }
}

/// Consent read from a cookie your consent banner sets: granted when the request carries the
/// cookie `name` with exactly the value `granted` (the name compared ASCII case-insensitively,
/// the value case-sensitively, quotes around it ignored).
///
/// A visitor who has not answered yet carries no such cookie, so no cookie is set: the safe
/// reading of silence. For a consent platform whose cookie packs several purposes into one value
/// (Cookiebot, OneTrust), write a closure that parses it instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentCookie {
    name: Cow<'static, str>,
    granted: Cow<'static, str>,
}

impl ConsentCookie {
    /// Consent given when the cookie `name` holds `granted`. Refuses a name that is not a
    /// cookie name (an HTTP token).
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        granted: impl Into<Cow<'static, str>>,
    ) -> Result<Self, Error> {
        let name = name.into();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(Error::InvalidCookieName(name.into_owned()));
        }
        Ok(Self {
            name,
            granted: granted.into(),
        })
    }
}

impl Consent for ConsentCookie {
    fn allows_cookie(&self, parts: &Parts) -> bool {
        source::cookie_values(parts, &self.name).any(|value| value == self.granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(cookies: &[&str]) -> Parts {
        let mut builder = http::Request::builder();
        for cookie in cookies {
            builder = builder.header(http::header::COOKIE, *cookie);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_consent_cookie_grants_only_its_value() {
        let consent = ConsentCookie::new("cookie_consent", "granted").unwrap();
        for yes in [
            &["cookie_consent=granted"][..],
            &["a=1; COOKIE_CONSENT=granted; b=2"],
            &["a=1", "cookie_consent=\"granted\""],
            &["cookie_consent=denied; cookie_consent=granted"],
        ] {
            assert!(consent.allows_cookie(&parts(yes)), "{yes:?}");
        }
        for no in [
            &[][..],
            &["cookie_consent=denied"],
            &["cookie_consent=GRANTED"],
            &["cookie_consent=granted_not"],
            &["other_consent=granted"],
            &["cookie_consent"],
        ] {
            assert!(!consent.allows_cookie(&parts(no)), "{no:?}");
        }
    }

    #[test]
    fn a_consent_cookie_needs_a_cookie_name() {
        for bad in ["", "a b", "a;b", "a=b"] {
            assert_eq!(
                ConsentCookie::new(bad, "yes"),
                Err(Error::InvalidCookieName(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn closures_and_bools_decide() {
        let p = parts(&["consent=yes"]);
        assert!(true.allows_cookie(&p));
        assert!(!false.allows_cookie(&p));
        assert!(AlwaysConsent.allows_cookie(&parts(&[])));
        let reads_the_cookie =
            |parts: &Parts| source::cookie_values(parts, "consent").any(|v| v == "yes");
        assert!(reads_the_cookie.allows_cookie(&p));
        assert!(!reads_the_cookie.allows_cookie(&parts(&["consent=no"])));
    }
}
