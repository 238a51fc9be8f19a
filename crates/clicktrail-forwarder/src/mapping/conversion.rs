//! Building the impact.com conversion shared by invoices and one-time Checkout payments.

use clicktrail_clickid::ClickId;
use clicktrail_impact::{Conversion, ImpactRequest, Item};
use clicktrail_stripe::Currency;

use super::Settings;
use super::amounts::Precision;
use super::items::{self, Line};
use crate::config::NumericId;

/// Everything a conversion is made of, in Stripe's terms (minor units).
pub(super) struct Draft<'a> {
    pub(super) tracker: &'a NumericId,
    pub(super) order_id: &'a str,
    /// Unix seconds of the payment.
    pub(super) event_date: i64,
    pub(super) currency: Currency,
    pub(super) click_id: &'a ClickId,
    pub(super) customer_id: Option<&'a str>,
    pub(super) email: Option<&'a str>,
    pub(super) lines: Vec<Line>,
    /// The amount credited, minor units.
    pub(super) credited: i64,
    /// `OrderPromoCode`: the promotion code the customer used ([`promo`](super::promo)).
    pub(super) promo_code: Option<String>,
}

/// Renders `draft` as a conversion request; `Err` holds a skip reason.
///
/// Amounts go out with at most two decimals: a 3-decimal currency's credit is rounded half-up to
/// hundredths and the items are adjusted so that impact.com's sale amount equals it
/// ([`Itemised::to_wire`](super::items::Itemised::to_wire)).
pub(super) fn build(settings: &Settings, draft: Draft<'_>) -> Result<ImpactRequest, String> {
    let precision = Precision::of(draft.currency)?;
    let summary = format!("Order {}", draft.order_id);
    let itemised =
        items::itemise(&draft.lines, draft.credited, &summary).to_wire(precision, draft.credited);

    let mut builder = Conversion::builder(
        settings.campaign_id.as_str(),
        draft.tracker.as_str(),
        draft.order_id,
        draft.event_date,
        draft.currency.code_upper(),
    )
    .click_id(draft.click_id.as_str());
    if let Some(customer) = draft.customer_id {
        builder = builder.customer_id(customer);
    }
    if settings.rules.hash_customer_email
        && let Some(email) = draft.email.filter(|e| !e.trim().is_empty())
    {
        builder = builder.customer_email(clicktrail_impact::hash_email(email));
    }
    for item in itemised.items {
        let sku = clip(non_blank(item.sku).unwrap_or_else(|| draft.order_id.to_owned()));
        let name = clip(non_blank(item.name).unwrap_or_else(|| sku.clone()));
        let quantity = u32::try_from(item.quantity).unwrap_or(u32::MAX);
        builder = builder.item(Item::new(
            sku,
            name,
            quantity,
            precision.amount(item.subtotal),
        ));
    }
    if let Some(code) = draft.promo_code {
        builder = builder.order_promo_code(clip(code));
    }
    if itemised.discount > 0 {
        builder = builder.order_discount(precision.amount(itemised.discount));
    }
    builder
        .build()
        .map(ImpactRequest::from)
        .map_err(|e| format!("cannot build the conversion: {e}"))
}

/// `None` for absent, empty or whitespace-only text.
fn non_blank(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// impact.com takes strings of at most 255 characters; longer descriptions are cut (on a
/// character boundary) rather than failing the conversion.
fn clip(mut text: String) -> String {
    const MAX: usize = 255;
    if let Some((cut, _)) = text.char_indices().nth(MAX) {
        text.truncate(cut);
    }
    text
}
