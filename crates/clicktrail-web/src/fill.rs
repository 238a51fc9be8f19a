//! The CSS selectors the kit fills and decorates.

use alloc::string::String;

/// Selects every field to fill: `input[name="<field>"],[id="<field>"]` (the attribute form of
/// `#<field>` needs no identifier escaping).
pub fn fields_selector(field_name: &str) -> String {
    let mut out = String::with_capacity(2 * field_name.len() + 22);
    out.push_str("input[name=\"");
    out.push_str(field_name);
    out.push_str("\"],[id=\"");
    out.push_str(field_name);
    out.push_str("\"]");
    out
}

/// Selects the field inside a form marked `data-clicktrail`: `input[name="<field>"]`.
pub fn form_field_selector(field_name: &str) -> String {
    let mut out = String::with_capacity(field_name.len() + 14);
    out.push_str("input[name=\"");
    out.push_str(field_name);
    out.push_str("\"]");
    out
}

/// Forms that get a hidden field created when they lack one.
pub const MARKED_FORMS: &str = "form[data-clicktrail]";

/// Stripe Payment Links.
pub const PAYMENT_LINKS: &str = "a[href^=\"https://buy.stripe.com/\"]";

/// Stripe's embeddable elements.
pub const STRIPE_ELEMENTS: &str = "stripe-pricing-table,stripe-buy-button";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(
            fields_selector("impact_ClickId"),
            r#"input[name="impact_ClickId"],[id="impact_ClickId"]"#
        );
        assert_eq!(form_field_selector("f"), r#"input[name="f"]"#);
        assert!(PAYMENT_LINKS.contains(crate::stripe::PAYMENT_LINK_PREFIX));
    }
}
