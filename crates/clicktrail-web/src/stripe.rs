//! Stripe decoration: Payment Links and Stripe's embeddable elements carry the click id as a
//! `client_reference_id` in the `irc_` encoding, which the forwarder decodes.
//!
//! A `client_reference_id` the merchant set to something else (their own user id, say) is left
//! alone: only an absent value or one that is already `irc_...` is written.

use alloc::string::String;
use clicktrail_clickid::ClickId;

use crate::text;

/// Links whose `href` starts with this are Stripe Payment Links.
pub const PAYMENT_LINK_PREFIX: &str = "https://buy.stripe.com/";

/// The query parameter Payment Links read.
pub const LINK_PARAM: &str = "client_reference_id";

/// Selects Payment Links.
pub const PAYMENT_LINKS: &str = "a[href^=\"https://buy.stripe.com/\"]";

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
/// `href` is not a Payment Link or must not change (see [`may_replace`]). Other parameters and
/// the fragment are kept in place.
///
/// `reference` must come from [`ClickId::to_client_reference_id`], whose alphabet needs no URL
/// escaping.
pub fn decorate_link(href: &str, reference: &str) -> Option<String> {
    if !href.starts_with(PAYMENT_LINK_PREFIX) {
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
    fn leaves_other_links_alone() {
        for href in [
            "https://checkout.stripe.com/c/pay/cs_test",
            "http://buy.stripe.com/abc",
            "https://buy.stripe.com.evil.example/abc",
            "/pricing",
        ] {
            assert_eq!(decorate_link(href, REF), None, "{href}");
        }
    }

    #[test]
    fn the_link_selector_matches_the_prefix() {
        assert!(PAYMENT_LINKS.contains(PAYMENT_LINK_PREFIX));
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
