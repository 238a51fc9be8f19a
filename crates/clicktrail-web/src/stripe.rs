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

/// The CSS selector of links to `https://<host>/` for each of `hosts` (comma-separated, as in
/// [`Options::payment_link_hosts`](crate::Options::payment_link_hosts), whose validation keeps
/// quotes out): `a[href^="https://buy.stripe.com/"],a[href^="https://pay.example.com/"]`.
pub fn payment_links(hosts: &str) -> String {
    let mut selector = String::new();
    for host in text::split(hosts, b',') {
        if !selector.is_empty() {
            selector.push(',');
        }
        selector.push_str("a[href^=\"https://");
        selector.push_str(host);
        selector.push_str("/\"]");
    }
    selector
}

/// Whether `href` is a link to `https://<host>/` for one of `hosts` (comma-separated).
pub fn is_payment_link(href: &str, hosts: &str) -> bool {
    href.strip_prefix("https://").is_some_and(|rest| {
        text::split(hosts, b',').any(|host| {
            rest.strip_prefix(host)
                .is_some_and(|path| path.starts_with('/'))
        })
    })
}

/// Selects Stripe's embeddable elements.
pub const ELEMENTS: &str = "stripe-pricing-table,stripe-buy-button";

/// The attribute `<stripe-pricing-table>` and `<stripe-buy-button>` read.
pub const ELEMENT_ATTRIBUTE: &str = "client-reference-id";

/// Whether an existing `client_reference_id` (or `client-reference-id` attribute) may be set to
/// `reference`: when there is none, or it is an `irc_` value other than `reference`.
pub fn may_replace(existing: Option<&str>, reference: &str) -> bool {
    match existing {
        None | Some("") => true,
        Some(value) => value != reference && value.starts_with(ClickId::CLIENT_REFERENCE_PREFIX),
    }
}

/// The Payment Link `href` with `client_reference_id=<reference>` in its query, or `None` when
/// `href` is not a Payment Link on one of `hosts` (see [`is_payment_link`]) or must not change
/// (see [`may_replace`]). Other parameters and the fragment are kept in place.
///
/// `reference` must come from [`ClickId::to_client_reference_id`], whose alphabet needs no URL
/// escaping.
pub fn decorate_link(href: &str, reference: &str, hosts: &str) -> Option<String> {
    if !is_payment_link(href, hosts) {
        return None;
    }
    let (before_fragment, fragment) = text::split_once(href, b'#').unwrap_or((href, ""));
    let (base, query) = text::split_once(before_fragment, b'?').unwrap_or((before_fragment, ""));

    let mut out = String::with_capacity(href.len() + LINK_PARAM.len() + reference.len() + 2);
    out.push_str(base);
    let mut separator = '?';
    let mut written = false;
    for pair in text::split(query, b'&').filter(|pair| !pair.is_empty()) {
        out.push(separator);
        separator = '&';
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
        out.push(separator);
        push_param(&mut out, reference);
    }
    if href.len() > before_fragment.len() {
        out.push('#');
        out.push_str(fragment);
    }
    Some(out)
}

fn push_param(out: &mut String, reference: &str) {
    out.push_str(LINK_PARAM);
    out.push('=');
    out.push_str(reference);
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str = "irc_QWJjOjEyMw";
    const HOSTS: &str = "buy.stripe.com";

    #[test]
    fn adds_the_parameter() {
        assert_eq!(
            decorate_link("https://buy.stripe.com/test_abc", REF, HOSTS).unwrap(),
            "https://buy.stripe.com/test_abc?client_reference_id=irc_QWJjOjEyMw"
        );
        assert_eq!(
            decorate_link(
                "https://buy.stripe.com/abc?prefilled_email=a%40b.c#x",
                REF,
                HOSTS
            )
            .unwrap(),
            "https://buy.stripe.com/abc?prefilled_email=a%40b.c&client_reference_id=irc_QWJjOjEyMw#x"
        );
        assert_eq!(
            decorate_link("https://buy.stripe.com/abc?", REF, HOSTS).unwrap(),
            "https://buy.stripe.com/abc?client_reference_id=irc_QWJjOjEyMw"
        );
    }

    #[test]
    fn replaces_only_our_own_value() {
        assert_eq!(
            decorate_link(
                "https://buy.stripe.com/abc?client_reference_id=irc_T2xk&a=1",
                REF,
                HOSTS
            )
            .unwrap(),
            "https://buy.stripe.com/abc?client_reference_id=irc_QWJjOjEyMw&a=1"
        );
        assert_eq!(
            decorate_link(
                "https://buy.stripe.com/abc?client_reference_id=user_42",
                REF,
                HOSTS
            ),
            None
        );
        // Already decorated with this reference: nothing to do.
        let done = decorate_link("https://buy.stripe.com/abc", REF, HOSTS).unwrap();
        assert_eq!(decorate_link(&done, REF, HOSTS), None);
    }

    #[test]
    fn leaves_other_links_alone() {
        for href in [
            "https://checkout.stripe.com/c/pay/cs_test",
            "http://buy.stripe.com/abc",
            "https://buy.stripe.com.evil.example/abc",
            "/pricing",
        ] {
            assert_eq!(decorate_link(href, REF, HOSTS), None, "{href}");
        }
    }

    #[test]
    fn custom_domains_are_payment_links_too() {
        let hosts = "buy.stripe.com,pay.example.com,links.shop.example:8443";
        assert_eq!(
            decorate_link("https://pay.example.com/abc?x=1", REF, hosts).unwrap(),
            "https://pay.example.com/abc?x=1&client_reference_id=irc_QWJjOjEyMw"
        );
        assert!(decorate_link("https://links.shop.example:8443/abc", REF, hosts).is_some());
        assert!(decorate_link("https://buy.stripe.com/abc", REF, hosts).is_some());
        for href in [
            "https://pay.example.com.evil.example/abc",
            "https://pay.example.company/abc",
            "http://pay.example.com/abc",
            "https://pay.example.com",
            "https://links.shop.example/abc",
        ] {
            assert_eq!(decorate_link(href, REF, hosts), None, "{href}");
        }
        // Without the option, a custom domain is an ordinary link.
        assert_eq!(
            decorate_link("https://pay.example.com/abc", REF, HOSTS),
            None
        );
    }

    #[test]
    fn the_link_selector_names_each_host() {
        assert_eq!(
            payment_links("buy.stripe.com"),
            "a[href^=\"https://buy.stripe.com/\"]"
        );
        assert_eq!(
            payment_links("buy.stripe.com,pay.example.com"),
            "a[href^=\"https://buy.stripe.com/\"],a[href^=\"https://pay.example.com/\"]"
        );
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
        let href = decorate_link("https://buy.stripe.com/abc", &reference, HOSTS).unwrap();
        let (_, value) = href.split_once("client_reference_id=").unwrap();
        assert_eq!(
            ClickId::from_client_reference_id(value).unwrap().as_str(),
            "Abc:123"
        );
    }
}
