//! Where a click id can be read from, and the pure functions that read it.
//!
//! Nothing here does I/O: the functions take the request head (and, for the form field, the
//! already-buffered body) and return the first valid click id they find.

use std::borrow::Cow;

use http::header::{self, HeaderName};
use http::request::Parts;

use crate::ClickId;
use crate::form::Format;

/// One place the capture layer looks for a click id.
///
/// The layer tries its sources in order and keeps the first valid value. Query, form and cookie
/// names are compared ASCII case-insensitively (`irclickid` also matches `IRCLICKID`).
///
/// Values from the query and a url-encoded form body are URL-decoded exactly once; header,
/// cookie, multipart and JSON values are taken verbatim (the browser kit writes the cookie verbatim: every character a
/// click id may hold is legal in a cookie value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A field of a `POST` body, such as the hidden field `impact_ClickId` the browser kit
    /// fills: a field of an `application/x-www-form-urlencoded` form (URL-decoded once), a text
    /// part of a `multipart/form-data` form (not a file; verbatim), or a top-level string member
    /// of an `application/json` object (verbatim). Reading it buffers the body up to the layer's
    /// limit and hands it on unchanged.
    FormField(Cow<'static, str>),
    /// A request header, such as `X-Impact-Click-Id` sent by a single-page app.
    Header(HeaderName),
    /// A query parameter, such as `irclickid` or `im_ref` on a partner's landing link.
    Query(Cow<'static, str>),
    /// A cookie, such as `impact_click_id` set by the browser kit or by the landing capture.
    Cookie(Cow<'static, str>),
}

impl Source {
    /// The hidden form field the browser kit fills: `impact_ClickId`.
    pub const DEFAULT_FORM_FIELD: &'static str = "impact_ClickId";
    /// The header: `X-Impact-Click-Id`.
    pub const DEFAULT_HEADER: &'static str = "x-impact-click-id";
    /// The query parameters of landing links: `irclickid` (older accounts) and `im_ref` (newer).
    pub const DEFAULT_QUERY_PARAMS: [&'static str; 2] = ["irclickid", "im_ref"];
    /// The first-party cookie: `impact_click_id`.
    pub const DEFAULT_COOKIE: &'static str = "impact_click_id";

    /// The default sources, in the default order: the form field `impact_ClickId`, the header
    /// `X-Impact-Click-Id`, the query parameters `irclickid` and `im_ref`, the cookie
    /// `impact_click_id`.
    ///
    /// What the visitor submits or the page sends explicitly comes first; the landing link comes
    /// before the cookie so that a new partner click replaces an older one (last-click
    /// attribution).
    pub fn defaults() -> Vec<Source> {
        vec![
            Source::form_field(Self::DEFAULT_FORM_FIELD),
            Source::Header(HeaderName::from_static(Self::DEFAULT_HEADER)),
            Source::query(Self::DEFAULT_QUERY_PARAMS[0]),
            Source::query(Self::DEFAULT_QUERY_PARAMS[1]),
            Source::cookie(Self::DEFAULT_COOKIE),
        ]
    }

    /// A form field source.
    pub fn form_field(name: impl Into<Cow<'static, str>>) -> Self {
        Source::FormField(name.into())
    }

    /// A header source.
    pub fn header(name: HeaderName) -> Self {
        Source::Header(name)
    }

    /// A query parameter source.
    pub fn query(name: impl Into<Cow<'static, str>>) -> Self {
        Source::Query(name.into())
    }

    /// A cookie source.
    pub fn cookie(name: impl Into<Cow<'static, str>>) -> Self {
        Source::Cookie(name.into())
    }

    /// Reads this source from the request head. A form field source reads `form`, the buffered
    /// body, and finds nothing when it is `None`.
    pub(crate) fn read(&self, parts: &Parts, form: Option<&[u8]>) -> Option<ClickId> {
        match self {
            Source::FormField(name) => {
                let body = form?;
                Format::of(&parts.headers)?.field(body, name)
            }
            Source::Header(name) => header(parts, name),
            Source::Query(name) => parts.uri.query().and_then(|q| query_param(q, name)),
            Source::Cookie(name) => cookie(parts, name),
        }
    }
}

/// Reads the sources in order and returns the first valid click id.
pub(crate) fn first_valid(
    sources: &[Source],
    parts: &Parts,
    form: Option<&[u8]>,
) -> Option<ClickId> {
    sources.iter().find_map(|source| source.read(parts, form))
}

/// The first valid value of the query parameter `name` in a raw query string.
pub(crate) fn query_param(query: &str, name: &str) -> Option<ClickId> {
    pairs(query.as_bytes(), name).find_map(|raw| {
        let raw = std::str::from_utf8(raw).ok()?;
        valid(ClickId::from_url_encoded(raw), "query parameter", name)
    })
}

/// The first valid value of the header `name`.
fn header(parts: &Parts, name: &HeaderName) -> Option<ClickId> {
    parts.headers.get_all(name).iter().find_map(|value| {
        let Ok(value) = value.to_str() else {
            tracing::debug!(header = %name, "ignoring click id: header is not visible ASCII");
            return None;
        };
        valid(ClickId::new(value.trim()), "header", name.as_str())
    })
}

/// The first valid value of the cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(parts: &Parts, name: &str) -> Option<ClickId> {
    cookie_values(parts, name).find_map(|value| valid(ClickId::new(value), "cookie", name))
}

/// Every value of the cookie `name`, in order. HTTP/2 may split cookies over several headers.
///
/// A `Cookie` request header is only `name=value` pairs separated by `;` (RFC 6265, 5.4), so a
/// split is all the parsing it needs; the `cookie` crate's full parser (attributes, dates) cost
/// about a microsecond per request here, the whole budget of this path.
pub(crate) fn cookie_values<'a>(
    parts: &'a Parts,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
        .map(|raw| {
            // RFC 6265 allows a value in double quotes; the quotes are not part of it.
            raw.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(raw)
        })
}

/// The raw values of the `name=value` pairs named `name` in a `&`-separated list.
pub(crate) fn pairs<'a>(input: &'a [u8], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    input.split(|&b| b == b'&').filter_map(move |pair| {
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (key, value) = (&pair[..eq], &pair[eq + 1..]);
        key.eq_ignore_ascii_case(name.as_bytes()).then_some(value)
    })
}

pub(crate) fn valid(
    result: Result<ClickId, clicktrail_clickid::InvalidClickId>,
    kind: &'static str,
    name: &str,
) -> Option<ClickId> {
    match result {
        Ok(id) => Some(id),
        Err(reason) => {
            tracing::debug!(source = kind, name, %reason, "ignoring invalid click id");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn query_takes_the_first_valid_value_and_decodes_once() {
        assert_eq!(
            query_param("a=1&irclickid=Qx9%3Ab", "irclickid")
                .unwrap()
                .as_str(),
            "Qx9:b"
        );
        assert_eq!(
            query_param("IRCLICKID=abc", "irclickid").unwrap().as_str(),
            "abc"
        );
        assert_eq!(
            query_param("irclickid=a%3&irclickid=good", "irclickid")
                .unwrap()
                .as_str(),
            "good"
        );
        assert_eq!(query_param("irclickid=&x=1", "irclickid"), None);
        assert_eq!(query_param("irclickid", "irclickid"), None);
        assert_eq!(query_param("xirclickid=abc", "irclickid"), None);
        assert_eq!(
            query_param("irclickid=a%253A", "irclickid")
                .unwrap()
                .as_str(),
            "a%3A"
        );
    }

    #[test]
    fn cookies_are_verbatim_and_span_headers() {
        let p = parts(
            "/",
            &[
                ("cookie", "a=1; impact_click_id=abc:def"),
                ("cookie", "b=2"),
            ],
        );
        assert_eq!(cookie(&p, "impact_click_id").unwrap().as_str(), "abc:def");
        let p = parts(
            "/",
            &[("cookie", "a=1"), ("cookie", "impact_click_id=second")],
        );
        assert_eq!(cookie(&p, "impact_click_id").unwrap().as_str(), "second");
        let p = parts("/", &[("cookie", "impact_click_id=; impact_click_id=ok")]);
        assert_eq!(cookie(&p, "impact_click_id").unwrap().as_str(), "ok");
        let p = parts("/", &[("cookie", "impact_click_id=\"quoted\"")]);
        assert_eq!(cookie(&p, "impact_click_id").unwrap().as_str(), "quoted");
        let p = parts("/", &[("cookie", "other=abc")]);
        assert_eq!(cookie(&p, "impact_click_id"), None);
    }

    #[test]
    fn first_valid_follows_the_order() {
        let p = parts(
            "/?irclickid=fromquery",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-impact-click-id", "fromheader"),
                ("cookie", "impact_click_id=fromcookie"),
            ],
        );
        let defaults = Source::defaults();
        assert_eq!(
            first_valid(&defaults, &p, Some(b"impact_ClickId=fromform"))
                .unwrap()
                .as_str(),
            "fromform"
        );
        assert_eq!(
            first_valid(&defaults, &p, None).unwrap().as_str(),
            "fromheader"
        );
        let reversed: Vec<_> = defaults.into_iter().rev().collect();
        assert_eq!(
            first_valid(&reversed, &p, None).unwrap().as_str(),
            "fromcookie"
        );
    }
}
