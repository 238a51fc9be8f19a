//! The first-party cookie: the `document.cookie` string that sets it, and reading it back.

use alloc::string::String;

use crate::decimal::push_u64;
use crate::text;

/// How the click id cookie is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieAttributes<'a> {
    /// Lifetime in seconds (`Max-Age`).
    pub max_age: u32,
    /// `Domain`, to share the cookie across subdomains; `None` keeps it on the current host.
    pub domain: Option<&'a str>,
    /// `Secure`: set when the page was served over https.
    pub secure: bool,
}

/// The string to assign to `document.cookie` to store `value` under `name`:
/// `name=value; Max-Age=N; Path=/; SameSite=Lax`, then `; Domain=d` and `; Secure` when they
/// apply.
///
/// `name` and `value` are written verbatim: the kit only passes a validated cookie name and a
/// validated click id, neither of which can hold `;`, `,`, quotes or whitespace.
pub fn set_cookie_string(name: &str, value: &str, attributes: CookieAttributes<'_>) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 64);
    out.push_str(name);
    out.push_str("=");
    out.push_str(value);
    out.push_str("; Max-Age=");
    push_u64(&mut out, u64::from(attributes.max_age));
    out.push_str("; Path=/; SameSite=Lax");
    if let Some(domain) = attributes.domain {
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    if attributes.secure {
        out.push_str("; Secure");
    }
    out
}

/// The value of the first cookie called `name` in a `document.cookie` string
/// (`a=1; b=2`), verbatim.
pub fn find_cookie<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    text::split(cookies, b';').find_map(|pair| {
        let (key, value) = text::split_once(pair.trim_ascii_start(), b'=')?;
        (key == name).then_some(value.trim_ascii_end())
    })
}

/// Whether `name` is a cookie name browsers accept and that needs no escaping: an RFC 6265
/// token (printable ASCII without separators), 1 to 64 characters.
pub fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'(' | b')'
                        | b'<'
                        | b'>'
                        | b'@'
                        | b','
                        | b';'
                        | b':'
                        | b'\\'
                        | b'"'
                        | b'/'
                        | b'['
                        | b']'
                        | b'?'
                        | b'='
                        | b'{'
                        | b'}'
                )
        })
}

/// Whether `domain` can be written as a cookie's `Domain` attribute: a host name (letters,
/// digits, `-`, `.`), 1 to 253 characters.
pub fn is_cookie_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const THIRTY_DAYS: u32 = 30 * 86_400;

    #[test]
    fn set_string_on_http_without_domain() {
        let attributes = CookieAttributes {
            max_age: THIRTY_DAYS,
            domain: None,
            secure: false,
        };
        assert_eq!(
            set_cookie_string("impact_click_id", "Abc:123", attributes),
            "impact_click_id=Abc:123; Max-Age=2592000; Path=/; SameSite=Lax"
        );
    }

    #[test]
    fn set_string_on_https_with_domain() {
        let attributes = CookieAttributes {
            max_age: 86_400,
            domain: Some(".shop.example"),
            secure: true,
        };
        assert_eq!(
            set_cookie_string("ct", "Abc", attributes),
            "ct=Abc; Max-Age=86400; Path=/; SameSite=Lax; Domain=.shop.example; Secure"
        );
    }

    #[test]
    fn finds_a_cookie_among_others() {
        let jar = "a=1; impact_click_id=Abc:123; impact_click_id_old=x; b=";
        assert_eq!(find_cookie(jar, "impact_click_id"), Some("Abc:123"));
        assert_eq!(find_cookie(jar, "a"), Some("1"));
        assert_eq!(find_cookie(jar, "b"), Some(""));
        assert_eq!(find_cookie(jar, "impact"), None);
        assert_eq!(find_cookie("", "a"), None);
        assert_eq!(find_cookie("noequals; a=2", "noequals"), None);
        // The first of two same-named cookies (the one with the longest path comes first).
        assert_eq!(find_cookie("a=1;a=2", "a"), Some("1"));
    }

    #[test]
    fn cookie_names_and_domains() {
        assert!(is_cookie_name("impact_click_id"));
        assert!(is_cookie_name("__Host-ct"));
        for bad in ["", "a b", "a;b", "a=b", "é", "a\"b", &"x".repeat(65)] {
            assert!(!is_cookie_name(bad), "{bad:?}");
        }
        assert!(is_cookie_domain("shop.example"));
        assert!(is_cookie_domain(".shop.example"));
        for bad in ["", "shop.example; Secure", "a b", "shop_example"] {
            assert!(!is_cookie_domain(bad), "{bad:?}");
        }
    }
}
