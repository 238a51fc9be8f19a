//! Filling the page: form fields, marked forms, and (when asked) Stripe links and elements.

use clicktrail_clickid::ClickId;

use super::report;
use super::sys::{DOCUMENT, Element, Node, NodeList};
use crate::{Warning, fill, stripe};

/// Writes `id` into every field named `field_name`, creates the missing field in forms marked
/// `data-clicktrail`, and decorates Stripe links and elements when `decorate_stripe` is on.
/// Runs again on every DOM change; it only touches what needs it.
pub fn fill_page(id: &ClickId, field_name: &str, decorate_stripe: bool) {
    DOCUMENT.with(|document| {
        let root: &Node = document;
        let field_in_form = fill::form_field_selector(field_name);
        for form in each(root, fill::MARKED_FORMS) {
            if query(&form, &field_in_form).is_some_and(|list| list.length() == 0) {
                let input = document.create_element("input");
                input.set_attribute("type", "hidden");
                input.set_attribute("name", field_name);
                if form.append_child(&input).is_err() {
                    report(Warning::Dom);
                }
            }
        }
        for field in each(root, &fill::fields_selector(field_name)) {
            field.set_value(id.as_str());
        }
        if decorate_stripe {
            let reference = id.to_client_reference_id();
            for link in each(root, fill::PAYMENT_LINKS) {
                let decorated = link
                    .get_attribute("href")
                    .and_then(|href| stripe::decorate_link(&href, &reference));
                if let Some(href) = decorated {
                    link.set_attribute("href", &href);
                }
            }
            for element in each(root, fill::STRIPE_ELEMENTS) {
                let existing = element.get_attribute(stripe::ELEMENT_ATTRIBUTE);
                if stripe::may_replace(existing.as_deref(), &reference) {
                    element.set_attribute(stripe::ELEMENT_ATTRIBUTE, &reference);
                }
            }
        }
    });
}

fn query(root: &Node, selectors: &str) -> Option<NodeList> {
    let list = root.query_all(selectors).ok();
    if list.is_none() {
        report(Warning::Dom);
    }
    list
}

/// The elements matching `selectors` under `root` (none when the selector is refused).
fn each(root: &Node, selectors: &str) -> impl Iterator<Item = Element> {
    let list = query(root, selectors);
    let len = list.as_ref().map_or(0, NodeList::length);
    (0..len).filter_map(move |i| list.as_ref().map(|list| list.get(i)))
}

