//! Landing capture: the first-party cookie set from the server when a visitor arrives on a
//! partner's link.
//!
//! A partner's link lands the visitor on `https://shop.example/?irclickid=Qx9...`. When the
//! [`CaptureClickIdLayer`](crate::CaptureClickIdLayer) sees a valid click id in the query of a
//! `GET`, it answers with
//!
//! ```text
//! Set-Cookie: impact_click_id=Qx9...; SameSite=Lax; Secure; Path=/; Max-Age=2592000
//! ```
//!
//! so that the checkout, days later, still finds the click id in the cookie. A cookie set by the
//! site's own server is not capped by Safari's 7-day limit on cookies written by script. It is not
//! `HttpOnly`, because the browser kit reads it to fill the hidden `impact_ClickId` fields.
//!
//! `Secure` is added when the request came over https: the URI has the `https` scheme (an
//! absolute-form URI, as HTTP/2 servers see), or `X-Forwarded-Proto: https` came from a proxy
//! you told the layer to trust ([`LandingCookie::trust_forwarded_proto`]), or you force it
//! ([`LandingCookie::force_secure`]) because the server itself terminates TLS.
//!
//! No cookie is set when the request already carries the same value, when
//! [`Attribution::First`] keeps an existing valid cookie, when the [`Consent`] hook says no, or
//! when the response already sets a cookie of that name.
//!
//! # Consent
//!
//! **By default the cookie is set without asking** ([`AlwaysConsent`]), as it was before the
//! consent hook existed. That default is deliberate, and it is wrong for some shops: an affiliate
//! click id cookie is not "strictly necessary" in the sense of the EU ePrivacy Directive (art.
//! 5(3)) and the UK's PECR, so a shop serving visitors there needs their consent before setting
//! it, and must say so with [`CaptureClickIdLayer::consent`](crate::CaptureClickIdLayer::consent):
//!
//! - [`ConsentCookie`]: granted when a cookie your banner sets has a given value;
//! - a closure `Fn(&http::request::Parts) -> bool`, for any other rule (a consent platform's own
//!   cookie format, a header your edge adds, a region);
//! - `false`, to never set the cookie from the server and leave storing to the browser kit
//!   (which has its own `consent: "pending"`).
//!
//! The default stays "granted" because the layer cannot know the shop's banner or legal basis,
//! because shops outside those rules (or relying on another basis) would otherwise silently
//! lose every partner's landing, and because the browser kit's own default is `"granted"` too:
//! the two agree, and the choice is made once, by the merchant. See `docs/decisions.md`.
//!
//! Without consent only the `Set-Cookie` is left out. The click id of the request is still read
//! and put into its extensions (a landing that posts a checkout at once still carries it); it
//! lives for that request only and is not stored in the browser.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use clicktrail_tower::{Attribution, CaptureClickIdLayer, ConsentCookie, LandingCookie};
//!
//! # fn main() -> Result<(), clicktrail_tower::Error> {
//! let layer = CaptureClickIdLayer::new()
//!     .landing_cookie(
//!         LandingCookie::new()
//!             .max_age(Duration::from_secs(60 * 60 * 24 * 90))
//!             .domain("shop.example")?
//!             .attribution(Attribution::First)
//!             .trust_forwarded_proto(true),
//!     )
//!     // Only with the visitor's consent (here: a cookie set by the consent banner).
//!     .consent(ConsentCookie::new("consent", "marketing")?);
//! # let _ = layer;
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::header::{self, HeaderValue};
use http::request::Parts;
use http::uri::Scheme;
use http::{HeaderMap, Method};

use crate::source::{self, Source};
use crate::{ClickId, Error};

mod consent;

pub use consent::{AlwaysConsent, Consent, ConsentCookie};

/// Which partner click wins when a visitor arrives through several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attribution {
    /// The latest click replaces the stored one (impact.com's usual last-click model).
    #[default]
    Last,
    /// A stored valid click id is kept until it expires; later clicks do not replace it.
    First,
}

/// How the landing cookie is written. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingCookie {
    name: Cow<'static, str>,
    max_age: Duration,
    domain: Option<Cow<'static, str>>,
    attribution: Attribution,
    trust_forwarded_proto: bool,
    force_secure: bool,
}

impl Default for LandingCookie {
    fn default() -> Self {
        Self::new()
    }
}

impl LandingCookie {
    /// The default lifetime: 30 days, impact.com's usual referral window.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

    /// The defaults: cookie `impact_click_id`, 30 days, host-only, last-click attribution,
    /// `Secure` only for requests with an `https` URI.
    pub fn new() -> Self {
        Self {
            name: Cow::Borrowed(Source::DEFAULT_COOKIE),
            max_age: Self::DEFAULT_MAX_AGE,
            domain: None,
            attribution: Attribution::Last,
            trust_forwarded_proto: false,
            force_secure: false,
        }
    }

    /// The cookie's name (default `impact_click_id`). Keep a [`Source::Cookie`] of the same
    /// name among the layer's sources so that later requests read it back.
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Result<Self, Error> {
        let name = name.into();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(Error::InvalidCookieName(name.into_owned()));
        }
        self.name = name;
        Ok(self)
    }

    /// How long the browser keeps the cookie (`Max-Age`, whole seconds; default 30 days).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The cookie's `Domain`, to share it with sibling hosts (`shop.example` covers
    /// `www.shop.example` and `checkout.shop.example`). By default the cookie is host-only.
    pub fn domain(mut self, domain: impl Into<Cow<'static, str>>) -> Result<Self, Error> {
        let domain = domain.into();
        let bare = domain.strip_prefix('.').unwrap_or(&domain);
        let valid = !bare.is_empty()
            && bare
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !valid {
            return Err(Error::InvalidCookieDomain(domain.into_owned()));
        }
        self.domain = Some(domain);
        Ok(self)
    }

    /// First-click or last-click attribution (default [`Attribution::Last`]).
    pub fn attribution(mut self, attribution: Attribution) -> Self {
        self.attribution = attribution;
        self
    }

    /// Treat `X-Forwarded-Proto: https` as proof that the visitor used https. Turn this on only
    /// behind a proxy that sets the header itself (default off: a client could send it).
    pub fn trust_forwarded_proto(mut self, trust: bool) -> Self {
        self.trust_forwarded_proto = trust;
        self
    }

    /// Always add `Secure`, for servers that terminate TLS themselves (their request URIs carry
    /// no scheme). Default off.
    pub fn force_secure(mut self, force: bool) -> Self {
        self.force_secure = force;
        self
    }

    /// The `Set-Cookie` value to answer this request with, if any.
    pub(crate) fn set_cookie<C: Consent>(
        &self,
        sources: &[Source],
        consent: &C,
        parts: &Parts,
    ) -> Option<HeaderValue> {
        if parts.method != Method::GET {
            return None;
        }
        let landed = sources.iter().find_map(|s| match s {
            Source::Query(_) => s.read(parts, None),
            _ => None,
        })?;
        match source::cookie(parts, &self.name) {
            Some(stored) if stored == landed => return None,
            Some(_) if self.attribution == Attribution::First => return None,
            _ => {}
        }
        if !consent.allows_cookie(parts) {
            tracing::debug!("not setting the click id cookie: no consent");
            return None;
        }
        self.render(&landed, self.is_secure(parts))
    }

    /// Whether the response already sets our cookie (the handler's choice wins).
    pub(crate) fn is_set_in(&self, headers: &HeaderMap) -> bool {
        headers.get_all(header::SET_COOKIE).iter().any(|value| {
            value
                .as_bytes()
                .split(|&b| b == b'=')
                .next()
                .is_some_and(|name| name.trim_ascii().eq_ignore_ascii_case(self.name.as_bytes()))
        })
    }

    fn is_secure(&self, parts: &Parts) -> bool {
        self.force_secure
            || parts.uri.scheme() == Some(&Scheme::HTTPS)
            || (self.trust_forwarded_proto
                && parts
                    .headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https")))
    }

    fn render(&self, click_id: &ClickId, secure: bool) -> Option<HeaderValue> {
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        let mut cookie = cookie::Cookie::build((self.name.as_ref(), click_id.as_str()))
            .path("/")
            .max_age(cookie::time::Duration::seconds(max_age))
            .same_site(cookie::SameSite::Lax)
            .secure(secure);
        if let Some(domain) = &self.domain {
            cookie = cookie.domain(domain.as_ref());
        }
        // Name, domain and click id are validated, so this conversion cannot fail; stay
        // panic-free anyway.
        HeaderValue::try_from(cookie.build().to_string()).ok()
    }
}

/// A `token` byte of RFC 9110, the characters a cookie name may hold.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn attributes(value: &HeaderValue) -> Vec<String> {
        let mut attrs: Vec<String> = value
            .to_str()
            .unwrap()
            .split("; ")
            .map(str::to_owned)
            .collect();
        attrs.sort();
        attrs
    }

    #[test]
    fn renders_the_attributes() {
        let cookie = LandingCookie::new()
            .max_age(Duration::from_secs(3600))
            .domain("shop.example")
            .unwrap();
        let p = parts("GET", "/?im_ref=abc%3A1", &[]);
        let value = cookie
            .set_cookie(&Source::defaults(), &AlwaysConsent, &p)
            .unwrap();
        assert_eq!(
            attributes(&value),
            [
                "Domain=shop.example",
                "Max-Age=3600",
                "Path=/",
                "SameSite=Lax",
                "impact_click_id=abc:1"
            ]
        );
    }

    #[test]
    fn secure_only_when_https_is_known() {
        let cookie = LandingCookie::new();
        let sources = Source::defaults();
        let secure = |c: &LandingCookie, p: &Parts| {
            attributes(&c.set_cookie(&sources, &AlwaysConsent, p).unwrap())
                .contains(&"Secure".into())
        };
        let forwarded = parts(
            "GET",
            "/?irclickid=a",
            &[("x-forwarded-proto", "https, http")],
        );
        assert!(secure(
            &cookie,
            &parts("GET", "https://shop.example/?irclickid=a", &[])
        ));
        assert!(!secure(&cookie, &parts("GET", "/?irclickid=a", &[])));
        assert!(!secure(&cookie, &forwarded));
        assert!(secure(
            &cookie.clone().trust_forwarded_proto(true),
            &forwarded
        ));
        assert!(secure(
            &cookie.clone().force_secure(true),
            &parts("GET", "/?irclickid=a", &[])
        ));
    }

    #[test]
    fn only_for_a_get_with_a_valid_query_click_id() {
        let cookie = LandingCookie::new();
        let sources = Source::defaults();
        for p in [
            parts("POST", "/?irclickid=abc", &[]),
            parts("GET", "/?irclickid=a%3", &[]),
            parts("GET", "/", &[("x-impact-click-id", "abc")]),
        ] {
            assert_eq!(
                cookie.set_cookie(&sources, &AlwaysConsent, &p),
                None,
                "{p:?}"
            );
        }
    }

    #[test]
    fn validates_names_and_domains() {
        assert!(matches!(
            LandingCookie::new().name("a b"),
            Err(Error::InvalidCookieName(_))
        ));
        assert!(matches!(
            LandingCookie::new().name(""),
            Err(Error::InvalidCookieName(_))
        ));
        assert!(matches!(
            LandingCookie::new().domain("a;b"),
            Err(Error::InvalidCookieDomain(_))
        ));
        assert!(matches!(
            LandingCookie::new().domain("."),
            Err(Error::InvalidCookieDomain(_))
        ));
        assert!(LandingCookie::new().domain(".shop.example").is_ok());
    }

    #[test]
    fn recognises_a_cookie_set_by_the_handler() {
        let cookie = LandingCookie::new();
        let mut headers = HeaderMap::new();
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("session=1; Path=/"),
        );
        assert!(!cookie.is_set_in(&headers));
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("impact_click_id=x; Path=/"),
        );
        assert!(cookie.is_set_in(&headers));
    }
}
