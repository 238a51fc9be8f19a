//! Filling the page: form fields, marked forms, and (when asked) Stripe links and elements.

use clicktrail_clickid::ClickId;
use wasm_bindgen::JsValue;

use super::{report, sys};
use crate::{Options, Warning, stripe};

/// Writes `id` into every field named `fieldName` (creating the missing field in forms marked
/// `data-clicktrail`), and decorates Stripe links (on every `paymentLinkHosts`) and elements
/// when `decorateStripe` is on. Runs again on every DOM change; it only changes what needs it.
pub fn fill_page(id: &ClickId, options: &Options) {
    let mut ok = sys::fill(&options.field_name, id.as_str());
    if options.decorate_stripe {
        let reference = id.to_client_reference_id();
        ok &= sys::rewrite(&options.payment_links, "href", &mut |href| {
            let decorated = href
                .as_string()
                .and_then(|href| stripe::decorate_link(&href, &reference));
            decorated.map_or(JsValue::UNDEFINED, |href| JsValue::from_str(&href))
        });
        ok &= sys::rewrite(
            stripe::ELEMENTS,
            stripe::ELEMENT_ATTRIBUTE,
            &mut |current| {
                if stripe::may_replace(current.as_string().as_deref(), &reference) {
                    JsValue::from_str(&reference)
                } else {
                    JsValue::UNDEFINED
                }
            },
        );
    }
    if !ok {
        report(Warning::Dom);
    }
}
