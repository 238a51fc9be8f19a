//! Stripe decoration: Payment Links and Stripe's embeddable elements carry the click id as a
//! `client_reference_id` in the `irc_` encoding, which the forwarder decodes.
//!
//! A `client_reference_id` the merchant set to something else (their own user id, say) is left
//! alone: only an absent value or one that is already `irc_...` is written.

use alloc::string::String;
use clicktrail_clickid::ClickId;

use crate::text;

/// The query parameter Payment Links read.
pub const LINK_PARAM: &str = "client_reference_id";

/// Selects Stripe's embeddable elements.
pub const ELEMENTS: &str = "stripe-pricing-table,stripe-buy-button";

/// The attribute `<stripe-pricing-table>` and `<stripe-buy-button>` read.
pub const ELEMENT_ATTRIBUTE: &str = "client-reference-id";

/// Selects Stripe's own Payment Links, on `buy.stripe.com`.
pub const PAYMENT_LINKS: &str = "a[href^=\"https://buy.stripe.com/\"]";

/// The CSS selector of Payment Links when they are also served from the custom domains of
/// `hosts` (comma-separated, blanks ignored; the `paymentLinkHosts` option):
/// `a[href^="https://buy.stripe.com/"],a[href^="https://pay.example.com/"]`. `None` when a
/// name is not a lower-case host (see [`is_link_host`]).
///
/// The `/` after the host keeps lookalike hosts (`pay.example.com.evil.example`) out.
pub fn payment_links(hosts: &str) -> Option<String> {
    let mut selector = String::from(PAYMENT_LINKS);
    for host in text::split(hosts, b',').map(str::trim_ascii) {
        if host.is_empty() {
            continue;
        }
        if !is_link_host(host) {
            return None;
        }
        selector.push_str(",a[href^=\"https://");
        selector.push_str(host);
        selector.push_str("/\"]");
    }
    Some(selector)
}

/// Whether `host` may name a Payment Link host: lower-case letters (as browsers write a URL's
/// host, and as `href` prefixes compare), digits, `-` and `.`, and a `:port`, at most 253
/// characters. It goes into a CSS selector between double quotes, so it can hold neither quotes
/// nor `/`.
pub fn is_link_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b':')
        })
}

/// Whether an existing `client_reference_id` (or `client-reference-id` attribute) may be set to
/// `reference`: when there is none, or it is an `irc_` value other than `reference`.
pub fn may_replace(existing: Option<&str>, reference: &str) -> bool {
    match existing {
        None | Some("") => true,
        Some(value) => value != reference && value.starts_with(ClickId::CLIENT_REFERENCE_PREFIX),
    }
}

/// The Payment Link `href` with `client_reference_id=<reference>` in its query, or `None` when
/// it must not change (see [`may_replace`]). Other parameters and the fragment are kept in place.
///
/// `href` must be a Payment Link: the kit only asks about the links [`payment_links`] selects,
/// so the browser's selector engine is what tells them from other links.
///
/// `reference` must come from [`ClickId::to_client_reference_id`], whose alphabet needs no URL
/// escaping.
pub fn decorate_link(href: &str, reference: &str) -> Option<String> {
    let (before_fragment, fragment) = text::split_once(href, b'#').unwrap_or((href, ""));
    let (base, query) = text::split_once(before_fragment, b'?').unwrap_or((before_fragment, ""));

    let mut out = String::with_capacity(href.len() + LINK_PARAM.len() + reference.len() + 2);
    out.push_str(base);
    let mut separator = "?";
    let mut written = false;
    for pair in text::split(query, b'&').filter(|pair| !pair.is_empty()) {
        out.push_str(separator);
        separator = "&";
        let (key, value) = text::split_once(pair, b'=').unwrap_or((pair, ""));
        if key == LINK_PARAM && !written {
            if !may_replace(Some(value), reference) {
                return None;
            }
            push_param(&mut out, reference);
            written = true;
        } else {
            out.push_str(pair);
        }
    }
    if !written {
        out.push_str(separator);
        push_param(&mut out, reference);
    }
    if href.len() > before_fragment.len() {
        out.push_str("#");
        out.push_str(fragment);
    }
    Some(out)
}

fn push_param(out: &mut String, reference: &str) {
    out.push_str(LINK_PARAM);
    out.push_str("=");
    out.push_str(reference);
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str = "irc_QWJjOjEyMw";

    #[test]
    fn adds_the_parameter() {
        assert_eq!(
            decorate_link("https://buy.stripe.com/test_abc", REF).unwrap(),
            "https://buy.stripe.com/test_abc?client_reference_id=irc_QWJjOjEyMw"
        );
        assert_eq!(
            decorate_link("https://buy.stripe.com/abc?prefilled_email=a%40b.c#x", REF).unwrap(),
            "https://buy.stripe.com/abc?prefilled_email=a%40b.c&client_reference_id=irc_QWJjOjEyMw#x"
        );
        assert_eq!(
            decorate_link("https://buy.stripe.com/abc?", REF).unwrap(),
            "https://buy.stripe.com/abc?client_reference_id=irc_QWJjOjEyMw"
        );
    }

    #[test]
    fn replaces_only_our_own_value() {
        assert_eq!(
            decorate_link(
                "https://buy.stripe.com/abc?client_reference_id=irc_T2xk&a=1",
                REF
            )
            .unwrap(),
            "https://buy.stripe.com/abc?client_reference_id=irc_QWJjOjEyMw&a=1"
        );
        assert_eq!(
            decorate_link(
                "https://buy.stripe.com/abc?client_reference_id=user_42",
                REF
            ),
            None
        );
        // Already decorated with this reference: nothing to do.
        let done = decorate_link("https://buy.stripe.com/abc", REF).unwrap();
        assert_eq!(decorate_link(&done, REF), None);
    }

    #[test]
    fn custom_domains_are_decorated_alike() {
        assert_eq!(
            decorate_link("https://pay.example.com/abc?x=1", REF).unwrap(),
            "https://pay.example.com/abc?x=1&client_reference_id=irc_QWJjOjEyMw"
        );
    }

    #[test]
    fn the_link_selector_names_each_host() {
        assert_eq!(
            payment_links("").as_deref(),
            Some("a[href^=\"https://buy.stripe.com/\"]")
        );
        assert_eq!(
            payment_links(" pay.example.com ,, links.shop.example:8443").as_deref(),
            Some(
                "a[href^=\"https://buy.stripe.com/\"],a[href^=\"https://pay.example.com/\"],\
                 a[href^=\"https://links.shop.example:8443/\"]"
            )
        );
        for bad in [
            "pay.example.com/checkout",
            "Pay.Example.com",
            "https://pay.example.com",
            "pay\"x",
            "a b",
            "é.example",
        ] {
            assert_eq!(payment_links(bad), None, "{bad}");
        }
    }

    #[test]
    fn element_attribute_rule() {
        assert!(may_replace(None, REF));
        assert!(may_replace(Some(""), REF));
        assert!(may_replace(Some("irc_T2xk"), REF));
        assert!(!may_replace(Some(REF), REF));
        assert!(!may_replace(Some("user_42"), REF));
    }

    #[test]
    fn the_reference_decodes_to_the_click_id() {
        let reference = ClickId::new("Abc:123").unwrap().to_client_reference_id();
        let href = decorate_link("https://buy.stripe.com/abc", &reference).unwrap();
        let (_, value) = href.split_once("client_reference_id=").unwrap();
        assert_eq!(
            ClickId::from_client_reference_id(value).unwrap().as_str(),
            "Abc:123"
        );
    }
}
