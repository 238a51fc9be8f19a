//! The click id field of a buffered request body, in each body format the capture layer reads.
//!
//! - `application/x-www-form-urlencoded`: the field's value, URL-decoded once;
//! - `multipart/form-data`: a text part (one without a `filename`) of that name, verbatim;
//! - `application/json` (and `application/*+json`): a top-level string member of that name,
//!   verbatim after JSON's own unescaping.
//!
//! Names are compared ASCII case-insensitively in every format, and the first valid value wins.
//! A body that is malformed in its format (a JSON syntax error anywhere, a multipart body whose
//! part is cut short) yields what was found before the fault in multipart, and nothing in JSON.
//! Nothing here does I/O: the body was buffered, within the layer's limit, by `body::Collect`.

use http::HeaderMap;
use http::header::{self, HeaderValue};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::ClickId;
use crate::source::{pairs, valid};

/// A body format the capture layer can read a field from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Format {
    UrlEncoded,
    /// With the boundary of the `Content-Type`.
    Multipart(String),
    Json,
}

impl Format {
    /// The format announced by the request's `Content-Type`, if it is one this crate reads.
    pub(crate) fn of(headers: &HeaderMap) -> Option<Self> {
        Self::parse(headers.get(header::CONTENT_TYPE)?)
    }

    fn parse(content_type: &HeaderValue) -> Option<Self> {
        let mut params = content_type.to_str().ok()?.split(';');
        let mime = params.next()?.trim();
        if mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Some(Self::UrlEncoded);
        }
        if mime.eq_ignore_ascii_case("multipart/form-data") {
            let boundary = params.find_map(|param| {
                let (key, value) = param.split_once('=')?;
                key.trim().eq_ignore_ascii_case("boundary").then(|| {
                    let value = value.trim();
                    value
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(value)
                })
            })?;
            // RFC 2046: 1 to 70 characters.
            return (1..=70)
                .contains(&boundary.len())
                .then(|| Self::Multipart(boundary.to_owned()));
        }
        let (kind, subtype) = mime.split_once('/')?;
        let json = kind.eq_ignore_ascii_case("application")
            && (subtype.eq_ignore_ascii_case("json")
                || subtype
                    .get(subtype.len().saturating_sub(5)..)
                    .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json")));
        json.then_some(Self::Json)
    }

    /// The first valid value of the field `name` in `body`.
    pub(crate) fn field(&self, body: &[u8], name: &str) -> Option<ClickId> {
        match self {
            Self::UrlEncoded => urlencoded_field(body, name),
            Self::Multipart(boundary) => multipart_field(body, boundary, name),
            Self::Json => json_field(body, name),
        }
    }
}

/// The first valid value of the field `name` in an `application/x-www-form-urlencoded` body.
pub(crate) fn urlencoded_field(body: &[u8], name: &str) -> Option<ClickId> {
    pairs(body, name).find_map(|raw| {
        let Ok(raw) = std::str::from_utf8(raw) else {
            tracing::debug!(field = name, "ignoring click id: form field is not UTF-8");
            return None;
        };
        valid(ClickId::from_url_encoded(raw), "form field", name)
    })
}

/// The first valid value of the text part `name` of a `multipart/form-data` body (RFC 7578).
///
/// Parts are read in order up to the first one that is malformed (no blank line after its
/// headers, or no closing delimiter): a truncated body still yields the fields before the cut,
/// never a value that might be cut itself.
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<ClickId> {
    // Every delimiter after the first is preceded by CRLF, which belongs to it.
    let delimiter = [b"\r\n--", boundary.as_bytes()].concat();
    let first = if body.starts_with(&delimiter[2..]) {
        0
    } else {
        find(body, &delimiter)? + 2
    };
    let mut rest = &body[first + delimiter.len() - 2..];
    loop {
        if rest.starts_with(b"--") {
            return None; // The closing delimiter.
        }
        // Transport padding, then the line break that ends the delimiter line.
        let line_end = find(rest, b"\r\n")?;
        if !rest[..line_end].iter().all(|&b| b == b' ' || b == b'\t') {
            return None;
        }
        let part = &rest[line_end + 2..];
        let (headers, content) = if let Some(content) = part.strip_prefix(b"\r\n") {
            (&b""[..], content)
        } else {
            let end = find(part, b"\r\n\r\n")?;
            (&part[..end], &part[end + 4..])
        };
        let value_end = find(content, &delimiter)?;
        if part_name(headers).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            let value = &content[..value_end];
            let found = match std::str::from_utf8(value) {
                Ok(value) => valid(ClickId::new(value), "multipart field", name),
                Err(_) => {
                    tracing::debug!(
                        field = name,
                        "ignoring click id: multipart field is not UTF-8"
                    );
                    None
                }
            };
            if found.is_some() {
                return found;
            }
        }
        rest = &content[value_end + delimiter.len()..];
    }
}

/// The `name` of a text part from its headers: `Content-Disposition: form-data; name="..."`
/// without a `filename` (a file upload is not a field).
fn part_name(headers: &[u8]) -> Option<&str> {
    let headers = std::str::from_utf8(headers).ok()?;
    let disposition = headers.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let mut params = split_params(disposition);
    if !params.next()?.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let mut name = None;
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.eq_ignore_ascii_case("filename") || key.eq_ignore_ascii_case("filename*") {
            return None;
        }
        if key.eq_ignore_ascii_case("name") && name.is_none() {
            let value = value.trim();
            name = Some(
                value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value),
            );
        }
    }
    name
}

/// Splits header parameters on `;`, except inside double quotes.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    value.split(move |c| {
        if c == '"' {
            quoted = !quoted;
        }
        c == ';' && !quoted
    })
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let mut from = 0;
    while let Some(at) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let start = from + at;
        if haystack.get(start + 1..start + needle.len()) == Some(tail) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// The first valid top-level string member `name` of a JSON object body. Anything but a
/// well-formed JSON object yields nothing.
fn json_field(body: &[u8], name: &str) -> Option<ClickId> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let seed = TopLevel { name };
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found));
    match result {
        Ok(found) => found,
        Err(error) => {
            // The position only: a JSON error message can quote the body.
            tracing::debug!(
                line = error.line(),
                column = error.column(),
                "not reading the click id: the JSON body is malformed"
            );
            None
        }
    }
}

/// Walks the members of the top-level object, keeping the first valid string value of `name`
/// and skipping everything else without building it.
struct TopLevel<'n> {
    name: &'n str,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = Option<ClickId>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Option<ClickId>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if found.is_none() && key.eq_ignore_ascii_case(self.name) {
                match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(value) => {
                        found = valid(ClickId::new(&value), "JSON member", self.name);
                    }
                    _ => tracing::debug!(
                        field = self.name,
                        "ignoring click id: JSON member is not a string"
                    ),
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(content_type: &'static str) -> Option<Format> {
        Format::parse(&HeaderValue::from_static(content_type))
    }

    #[test]
    fn recognises_the_content_types() {
        for urlencoded in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
        ] {
            assert_eq!(format(urlencoded), Some(Format::UrlEncoded), "{urlencoded}");
        }
        assert_eq!(
            format("multipart/form-data; boundary=----WebKitFormBoundaryX"),
            Some(Format::Multipart("----WebKitFormBoundaryX".into()))
        );
        assert_eq!(
            format("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b\""),
            Some(Format::Multipart("a b".into()))
        );
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.api+json",
        ] {
            assert_eq!(format(json), Some(Format::Json), "{json}");
        }
        for no in [
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/mixed; boundary=x",
            "text/plain",
            "text/json",
            "application/jsonx",
            "application/octet-stream",
            "",
        ] {
            assert_eq!(format(no), None, "{no}");
        }
        let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
        assert_eq!(Format::parse(&HeaderValue::try_from(long).unwrap()), None);
    }

    #[test]
    fn urlencoded_fields_ignore_non_utf8_and_bad_values() {
        let field = |body: &[u8]| urlencoded_field(body, "impact_ClickId").map(|id| id.to_string());
        assert_eq!(field(b"x=\xff&impact_ClickId=abc").as_deref(), Some("abc"));
        assert_eq!(field(b"impact_ClickId=\xff"), None);
        assert_eq!(field(b"impact_ClickId=a+b"), None);
        assert_eq!(field(b""), None);
    }

    fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut body = String::from("preamble\r\n");
        for (headers, value) in parts {
            body.push_str(&format!("--XyZ\r\n{headers}\r\n\r\n{value}\r\n"));
        }
        body.push_str("--XyZ--\r\nepilogue");
        body.into_bytes()
    }

    fn mp(body: &[u8]) -> Option<String> {
        multipart_field(body, "XyZ", "impact_ClickId").map(|id| id.to_string())
    }

    #[test]
    fn multipart_reads_the_text_part_verbatim() {
        let body = multipart(&[
            ("Content-Disposition: form-data; name=\"plan\"", "pro"),
            (
                "content-disposition: form-data; name=\"IMPACT_CLICKID\"\r\nContent-Type: text/plain",
                "Qx9:abc%3A",
            ),
        ]);
        assert_eq!(mp(&body).as_deref(), Some("Qx9:abc%3A"));
        // Without a preamble, and with an unquoted name.
        let body =
            b"--XyZ\r\nContent-Disposition: form-data; name=impact_ClickId\r\n\r\nabc\r\n--XyZ--";
        assert_eq!(mp(body).as_deref(), Some("abc"));
    }

    #[test]
    fn multipart_skips_files_invalid_values_and_lookalikes() {
        let body = multipart(&[
            (
                "Content-Disposition: form-data; name=\"impact_ClickId\"; filename=\"id.txt\"",
                "FromFile",
            ),
            (
                "Content-Disposition: form-data; name=\"impact_ClickId\"",
                "not valid",
            ),
            ("Content-Disposition: form-data; name=\"x\"", "--XyZ inside"),
            (
                "Content-Disposition: form-data; name=\"note; name=impact_ClickId\"",
                "Quoted",
            ),
            (
                "Content-Disposition: form-data; name=\"impact_ClickId\"",
                "Second",
            ),
        ]);
        assert_eq!(mp(&body).as_deref(), Some("Second"));
        let body = multipart(&[(
            "Content-Disposition: form-data; name=\"impact_ClickId\"",
            "",
        )]);
        assert_eq!(mp(&body), None);
        let body = multipart(&[("Content-Disposition: form-data; name=\"other\"", "abc")]);
        assert_eq!(mp(&body), None);
        let body = multipart(&[(
            "Content-Disposition: form-data; name=\"impact_ClickId\"",
            "\u{e9}",
        )]);
        assert_eq!(mp(&body), None);
        let mut body =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\n\r\n".to_vec();
        body.extend_from_slice(b"\xffabc\r\n--XyZ--");
        assert_eq!(mp(&body), None);
    }

    #[test]
    fn malformed_multipart_yields_only_what_came_before_the_fault() {
        let good = "--XyZ\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\n\r\n";
        // Cut before the closing delimiter: the value may be cut too, so it is not read.
        assert_eq!(mp(format!("{good}abc").as_bytes()), None);
        assert_eq!(mp(format!("{good}abc\r\n--Xy").as_bytes()), None);
        // No blank line after the headers.
        assert_eq!(
            mp(b"--XyZ\r\nContent-Disposition: form-data; name=\"impact_ClickId\"\r\nabc\r\n--XyZ--"),
            None
        );
        // Junk after a delimiter.
        assert_eq!(mp(format!("--XyZjunk\r\n{}", &good[7..]).as_bytes()), None);
        // No delimiter at all, or another boundary.
        assert_eq!(mp(b"impact_ClickId=abc"), None);
        assert_eq!(
            multipart_field(
                format!("{good}abc\r\n--XyZ--").as_bytes(),
                "Other",
                "impact_ClickId"
            ),
            None
        );
        // A good field before a broken part is still found.
        let body = format!("{good}First\r\n--XyZ\r\nbroken");
        assert_eq!(mp(body.as_bytes()).as_deref(), Some("First"));
        assert_eq!(mp(b""), None);
    }

    fn js(body: &str) -> Option<String> {
        json_field(body.as_bytes(), "impact_ClickId").map(|id| id.to_string())
    }

    #[test]
    fn json_reads_a_top_level_string_member() {
        assert_eq!(
            js(r#"{"plan":"pro","impact_ClickId":"Qx9:abc%3A","n":[1,{"a":null}]}"#).as_deref(),
            Some("Qx9:abc%3A")
        );
        assert_eq!(js(r#"{"IMPACT_CLICKID":"abc"}"#).as_deref(), Some("abc"));
        assert_eq!(
            js(r#"{"impact_ClickId":"a\u003Ab"}"#).as_deref(),
            Some("a:b")
        );
        assert_eq!(
            js(r#"{"impact_ClickId":"not valid","impact_ClickId":"second"}"#).as_deref(),
            Some("second")
        );
        assert_eq!(
            js(r#"{"impact_ClickId":"first","impact_ClickId":"second"}"#).as_deref(),
            Some("first")
        );
    }

    #[test]
    fn json_ignores_nested_non_string_and_malformed() {
        for none in [
            r#"{"nested":{"impact_ClickId":"abc"}}"#,
            r#"[{"impact_ClickId":"abc"}]"#,
            r#"{"impact_ClickId":123}"#,
            r#"{"impact_ClickId":["abc"]}"#,
            r#"{"impact_ClickId":null}"#,
            r#"{"impact_ClickId":""}"#,
            r#"{"impact_ClickId":"abc""#,
            r#"{"impact_ClickId":"abc"} trailing"#,
            r#"{"impact_ClickId":"abc",}"#,
            "impact_ClickId=abc",
            "",
            "\"abc\"",
        ] {
            assert_eq!(js(none), None, "{none}");
        }
        // Deep nesting neither overflows the stack nor hides the member: a skipped value is
        // walked without recursion, and the member itself is refused by serde_json's depth limit.
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            js(&format!(r#"{{"x":{deep},"impact_ClickId":"abc"}}"#)).as_deref(),
            Some("abc")
        );
        assert_eq!(js(&format!(r#"{{"impact_ClickId":{deep}}}"#)), None);
    }
}
