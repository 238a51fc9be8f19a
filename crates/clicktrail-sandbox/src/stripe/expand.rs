//! Rendering any object by id, and `expand[]`: replacing an id in an answer with the object it
//! names (`expand[]=latest_invoice`, `expand[]=data.customer` on lists,
//! `expand[]=latest_invoice.payment_intent` through several levels).

use serde_json::Value;

use super::render::{self, Shape};
use super::state::Store;

/// Renders the object with this id, whatever its type (chosen by the id's prefix).
pub fn object(store: &Store, id: &str, shape: Shape) -> Option<Value> {
    let prefix = id.split('_').next().unwrap_or("");
    match prefix {
        "cus" => store.customers.get(id).map(render::customer),
        "prod" => store.products.get(id).map(render::product),
        "price" => store.prices.get(id).map(render::price),
        "sub" => store
            .subscriptions
            .get(id)
            .map(|s| render::subscription(store, s, shape)),
        "in" => store
            .invoices
            .get(id)
            .map(|i| render::invoice(store, i, shape)),
        "inpay" => store.invoice_payments.get(id).map(render::invoice_payment),
        "pi" => store
            .payment_intents
            .get(id)
            .map(|p| render::payment_intent(p, shape)),
        "ch" => store.charges.get(id).map(|c| render::charge(c, shape)),
        "cs" => store.checkout_sessions.get(id).map(|s| {
            let email = s
                .customer
                .as_deref()
                .and_then(|c| store.customers.get(c))
                .and_then(|c| c.email.as_deref());
            render::checkout_session(s, email, &store.base_url)
        }),
        "re" => store.refunds.get(id).map(render::refund),
        "dp" => store.disputes.get(id).map(render::dispute),
        "di" => store
            .subscriptions
            .newest_first()
            .flat_map(|(_, s)| &s.discounts)
            .find(|d| d.id == id)
            .map(render::discount),
        "promo" => store
            .promotion_codes
            .get(id)
            .map(|p| render::promotion_code(store, p)),
        _ => store.coupons.get(id).map(render::coupon),
    }
}

/// Applies `expand` paths to a rendered answer (ids that resolve to nothing are left as they are).
pub fn apply(store: &Store, value: &mut Value, paths: &[String], shape: Shape) {
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        expand_at(store, value, &segments, shape);
    }
}

fn expand_at(store: &Store, value: &mut Value, path: &[&str], shape: Shape) {
    let Some((head, rest)) = path.split_first() else {
        return;
    };
    if *head == "data"
        && let Some(items) = value.get_mut("data").and_then(Value::as_array_mut)
    {
        for item in items {
            expand_at(store, item, rest, shape);
        }
        return;
    }
    let Some(slot) = value.get_mut(*head) else {
        return;
    };
    // An array of ids (`discounts`): expand each.
    if let Some(items) = slot.as_array_mut() {
        for item in items {
            if let Some(object) = item.as_str().and_then(|id| object(store, id, shape)) {
                *item = object;
            }
            if !rest.is_empty() {
                expand_at(store, item, rest, shape);
            }
        }
        return;
    }
    if let Some(id) = slot.as_str()
        && let Some(object) = object(store, id, shape)
    {
        *slot = object;
    }
    if !rest.is_empty() {
        expand_at(store, slot, rest, shape);
    }
}
