//! `OrderPromoCode`: the promotion code a payment's discount names.
//!
//! Stripe names a promotion code by id unless the object was expanded; the customer-facing code
//! (`SUMMER25`, what partners' deals are keyed on) is on the promotion code itself. The first
//! promotion code in Stripe's order is sent (Checkout allows one per session); an id alone is
//! looked up ([`Need::PromotionCode`]), and one Stripe will not show is passed over: the
//! conversion goes out without it rather than not at all.

use clicktrail_stripe::PromotionCode;

use super::{Cx, Need};
use crate::knowledge::Knowledge;

/// The code to send as `OrderPromoCode`, `None` when no discount names one; `Err` asks for a
/// promotion code named only by id.
pub(super) fn order_promo_code<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    named: &[PromotionCode],
) -> Result<Option<String>, Need> {
    for promotion in named {
        if let Some(code) = promotion.code.as_deref().filter(|c| !c.trim().is_empty()) {
            return Ok(Some(code.to_owned()));
        }
        let Some(id) = &promotion.id else { continue };
        match cx.fetched.get_promotion_code(id) {
            None => return Err(Need::PromotionCode { id: id.clone() }),
            Some(Some(code)) if !code.trim().is_empty() => return Ok(Some(code.to_owned())),
            Some(_) => {}
        }
    }
    Ok(None)
}
