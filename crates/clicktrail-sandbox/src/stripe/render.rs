//! Stripe's JSON for each object, in the basil+ shape or the pre-basil shape.
//!
//! Every key rendered in the basil+ shape exists in Stripe's own fixture of that resource
//! (`fixtures/stripe-openapi/fixtures3.json`); the test `tests/stripe_shapes.rs` checks it. The
//! pre-basil shape (API versions before `2025-03-31.basil`) puts back what basil removed: invoice
//! `subscription`, `subscription_details`, `charge`, `payment_intent`, `paid` (and no `parent`),
//! invoice lines with `price`/`proration`/`subscription_item`, charge and payment intent `invoice`,
//! subscription `current_period_start`/`current_period_end`.

use serde_json::{Value, json};

use super::state::{
    Charge, CheckoutSession, Coupon, Customer, Discount, Dispute, Event, Invoice, InvoiceLine,
    InvoicePayment, PaymentIntent, Price, Product, PromotionCode, Refund, SessionLine, Store,
    Subscription, SubscriptionItem, WebhookEndpoint,
};

/// The first API version of the basil shape.
pub const BASIL: &str = "2025-03-31.basil";

/// Which shape to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `2025-03-31.basil` and later.
    Basil,
    /// Before basil.
    Legacy,
}

impl Shape {
    /// The shape of an API version, compared by its date prefix (`2024-06-20` < `2025-03-31`).
    pub fn of(version: &str) -> Self {
        if version_date(version) < version_date(BASIL) {
            Self::Legacy
        } else {
            Self::Basil
        }
    }
}

/// The `YYYY-MM-DD` prefix of an API version.
pub fn version_date(version: &str) -> &str {
    version.get(..10).unwrap_or(version)
}

/// Whether `version` looks like a Stripe API version (`2025-03-31.basil`, `2024-06-20`).
pub fn is_valid_version(version: &str) -> bool {
    let date = version_date(version).as_bytes();
    let date_ok = date.len() == 10
        && date.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let rest = &version[date.len().min(version.len())..];
    date_ok
        && (rest.is_empty()
            || (rest.starts_with('.')
                && rest.len() > 1
                && rest[1..].bytes().all(|b| b.is_ascii_lowercase())))
}

fn address() -> Value {
    json!({"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null})
}

/// A list object.
pub fn list(data: Vec<Value>, has_more: bool, url: &str) -> Value {
    json!({"object": "list", "data": data, "has_more": has_more, "url": url})
}

/// A deleted object.
pub fn deleted(object: &str, id: &str) -> Value {
    json!({"id": id, "object": object, "deleted": true})
}

/// `customer`
pub fn customer(c: &Customer) -> Value {
    json!({
        "id": c.id, "object": "customer", "address": null, "balance": 0, "created": c.created,
        "currency": null, "default_source": null, "delinquent": false, "description": c.description,
        "discount": null, "email": c.email,
        "invoice_prefix": c.id.get(4..11).unwrap_or("SANDBOX").to_uppercase(),
        "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false, "metadata": c.metadata, "name": c.name, "next_invoice_sequence": 1,
        "phone": null, "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null,
    })
}

/// `product`
pub fn product(p: &Product) -> Value {
    json!({
        "id": p.id, "object": "product", "active": p.active, "created": p.created,
        "default_price": p.default_price, "description": p.description, "images": [], "livemode": false,
        "marketing_features": [], "metadata": p.metadata, "name": p.name, "package_dimensions": null,
        "shippable": null, "statement_descriptor": null, "tax_code": null, "type": "service",
        "unit_label": null, "updated": p.created, "url": null,
    })
}

/// `price`
pub fn price(p: &Price) -> Value {
    json!({
        "id": p.id, "object": "price", "active": p.active, "billing_scheme": "per_unit", "created": p.created,
        "currency": p.currency, "custom_unit_amount": null, "livemode": false, "lookup_key": p.lookup_key,
        "metadata": p.metadata, "nickname": p.nickname, "product": p.product,
        "recurring": p.recurring.as_ref().map(|r| json!({
            "interval": r.interval, "interval_count": r.interval_count, "meter": null,
            "trial_period_days": null, "usage_type": "licensed",
        })),
        "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null,
        "type": if p.recurring.is_some() { "recurring" } else { "one_time" },
        "unit_amount": p.unit_amount, "unit_amount_decimal": p.unit_amount.to_string(),
    })
}

/// `coupon`
pub fn coupon(c: &Coupon) -> Value {
    json!({
        "id": c.id, "object": "coupon", "amount_off": c.amount_off, "created": c.created, "currency": c.currency,
        "duration": c.duration, "duration_in_months": c.duration_in_months, "livemode": false,
        "max_redemptions": null, "metadata": c.metadata, "name": c.name, "percent_off": c.percent_off,
        "redeem_by": null, "times_redeemed": c.times_redeemed, "valid": true,
    })
}

/// `promotion_code`, its coupon expanded (as Stripe renders it).
pub fn promotion_code(store: &Store, p: &PromotionCode) -> Value {
    json!({
        "id": p.id, "object": "promotion_code", "active": p.active, "code": p.code,
        "coupon": store.coupons.get(&p.coupon).map(coupon), "created": p.created, "customer": null,
        "expires_at": null, "livemode": false, "max_redemptions": null, "metadata": p.metadata,
        "restrictions": {"first_time_transaction": false, "minimum_amount": null,
                         "minimum_amount_currency": null}, "times_redeemed": 0,
    })
}

/// `discount`
pub fn discount(d: &Discount) -> Value {
    json!({
        "id": d.id, "object": "discount", "checkout_session": null, "customer": d.customer, "end": d.end,
        "invoice": null, "invoice_item": null, "promotion_code": null, "start": d.start,
        "source": {"coupon": d.coupon, "type": "coupon"},
        "subscription": d.subscription, "subscription_item": null,
    })
}

fn price_or_id(store: &Store, id: &str) -> Value {
    store.prices.get(id).map_or_else(|| json!(id), price)
}

/// `subscription_item`
pub fn subscription_item(store: &Store, subscription: &str, item: &SubscriptionItem) -> Value {
    json!({
        "id": item.id, "object": "subscription_item", "created": item.created,
        "current_period_end": item.period_end, "current_period_start": item.period_start,
        "discounts": [], "metadata": item.metadata, "price": price_or_id(store, &item.price),
        "quantity": item.quantity, "subscription": subscription, "tax_rates": [],
    })
}

/// `subscription`
pub fn subscription(store: &Store, s: &Subscription, shape: Shape) -> Value {
    let items: Vec<Value> = s
        .items
        .iter()
        .map(|i| subscription_item(store, &s.id, i))
        .collect();
    let mut v = json!({
        "id": s.id, "object": "subscription", "application": null, "application_fee_percent": null,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
        "billing_cycle_anchor": s.billing_cycle_anchor, "billing_cycle_anchor_config": null,
        "cancel_at": null, "cancel_at_period_end": false, "canceled_at": null,
        "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically", "created": s.created, "currency": s.currency,
        "customer": s.customer, "days_until_due": null, "default_payment_method": null, "default_source": null,
        "default_tax_rates": [], "description": s.description,
        "discounts": s.discounts.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        "ended_at": null,
        "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
        "items": list(items, false, &format!("/v1/subscription_items?subscription={}", s.id)),
        "latest_invoice": s.latest_invoice, "livemode": false, "metadata": s.metadata,
        "next_pending_invoice_item_invoice": null, "on_behalf_of": null, "pause_collection": null,
        "pending_invoice_item_interval": null, "pending_setup_intent": null, "pending_update": null,
        "schedule": null, "start_date": s.start_date, "status": s.status, "test_clock": null,
        "transfer_data": null, "trial_end": s.trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": s.trial_start,
    });
    if shape == Shape::Legacy
        && let Some(first) = s.items.first()
    {
        v["current_period_start"] = json!(first.period_start);
        v["current_period_end"] = json!(first.period_end);
    }
    v
}

fn line(store: &Store, invoice: &Invoice, l: &InvoiceLine, shape: Shape) -> Value {
    let discount_amounts: Vec<Value> = l
        .discount_amounts
        .iter()
        .map(|(a, d)| json!({"amount": a, "discount": d}))
        .collect();
    let mut v = json!({
        "id": l.id, "object": "line_item", "amount": l.amount, "currency": invoice.currency,
        "description": l.description, "discount_amounts": discount_amounts, "discountable": true,
        "discounts": l.discount_amounts.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>(),
        "invoice": invoice.id, "livemode": false, "metadata": {},
        "period": {"end": l.period_end, "start": l.period_start},
        "quantity": l.quantity, "subscription": invoice.subscription, "subtotal": l.amount,
    });
    match shape {
        Shape::Basil => {
            v["parent"] = json!({
                "invoice_item_details": null,
                "subscription_item_details": {
                    "invoice_item": null, "proration": l.proration, "proration_details": {"credited_items": null},
                    "subscription": invoice.subscription, "subscription_item": l.subscription_item,
                },
                "type": "subscription_item_details",
            });
            let unit = if l.quantity != 0 {
                l.amount / l.quantity
            } else {
                l.amount
            };
            v["pricing"] = json!({
                "price_details": {"price": l.price, "product": l.product},
                "type": "price_details", "unit_amount_decimal": unit.to_string(),
            });
            v["pretax_credit_amounts"] = json!([]);
            v["taxes"] = json!([]);
        }
        Shape::Legacy => {
            v["price"] = price_or_id(store, &l.price);
            v["proration"] = json!(l.proration);
            v["subscription_item"] = json!(l.subscription_item);
            v["type"] = json!("subscription");
        }
    }
    v
}

/// `invoice`
pub fn invoice(store: &Store, i: &Invoice, shape: Shape) -> Value {
    let lines: Vec<Value> = i.lines.iter().map(|l| line(store, i, l, shape)).collect();
    let total = i.total();
    let due = i.amount_due();
    let paid = i.amount_paid();
    let discounts: Vec<Value> = i
        .discount_totals()
        .into_iter()
        .map(|(a, d)| json!({"amount": a, "discount": d}))
        .collect();
    let mut v = json!({
        "id": i.id, "object": "invoice", "account_country": "US", "account_name": "clicktrail sandbox",
        "account_tax_ids": null, "amount_due": due, "amount_overpaid": 0, "amount_paid": paid,
        "amount_remaining": due - paid, "amount_shipping": 0, "application": null,
        "attempt_count": i.attempt_count,
        "attempted": i.attempt_count > 0 || i.status == "paid", "auto_advance": i.status != "paid",
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null, "provider": null, "status": null},
        "automatically_finalizes_at": null, "billing_reason": i.billing_reason,
        "collection_method": "charge_automatically", "created": i.created, "currency": i.currency,
        "custom_fields": null, "customer": i.customer, "customer_address": null, "customer_email": i.customer_email,
        "customer_name": i.customer_name, "customer_phone": null, "customer_shipping": null,
        "customer_tax_exempt": "none", "customer_tax_ids": [], "default_payment_method": null,
        "default_source": null, "default_tax_rates": [], "description": null, "discounts": i.discounts,
        "due_date": null, "effective_at": i.finalized_at, "ending_balance": if i.finalized_at.is_some() { Some(0) } else { None },
        "footer": null, "from_invoice": null,
        "hosted_invoice_url": i.number.as_ref().map(|_| format!("https://invoice.stripe.com/i/{}", i.id)),
        "invoice_pdf": i.number.as_ref().map(|_| format!("https://pay.stripe.com/invoice/{}/pdf", i.id)),
        "issuer": {"type": "self"}, "last_finalization_error": null, "latest_revision": null,
        "lines": list(lines, false, &format!("/v1/invoices/{}/lines", i.id)),
        "livemode": false, "metadata": i.metadata, "next_payment_attempt": null, "number": i.number,
        "on_behalf_of": null, "period_end": i.period_end, "period_start": i.period_start,
        "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0, "receipt_number": null,
        "rendering": null, "shipping_cost": null, "shipping_details": null, "starting_balance": 0,
        "statement_descriptor": null, "status": i.status,
        "status_transitions": {"finalized_at": i.finalized_at, "marked_uncollectible_at": null, "paid_at": i.paid_at, "voided_at": null},
        "subtotal": i.subtotal(), "subtotal_excluding_tax": i.subtotal(), "test_clock": null, "total": total,
        "total_discount_amounts": discounts, "total_excluding_tax": total, "total_pretax_credit_amounts": [],
        "total_taxes": [], "webhooks_delivered_at": i.finalized_at,
    });
    match shape {
        Shape::Basil => {
            v["parent"] = match &i.subscription {
                Some(sub) => json!({
                    "quote_details": null,
                    "subscription_details": {"metadata": i.subscription_metadata, "subscription": sub},
                    "type": "subscription_details",
                }),
                None => Value::Null,
            };
        }
        Shape::Legacy => {
            v["subscription"] = json!(i.subscription);
            v["subscription_details"] = json!({"metadata": i.subscription_metadata});
            v["charge"] = json!(i.charge);
            v["payment_intent"] = json!(i.payment_intent);
            v["paid"] = json!(i.status == "paid");
            v["paid_out_of_band"] = json!(false);
        }
    }
    v
}

/// `invoice_payment`
pub fn invoice_payment(p: &InvoicePayment) -> Value {
    json!({
        "id": p.id, "object": "invoice_payment", "amount_paid": p.amount, "amount_requested": p.amount,
        "created": p.created, "currency": p.currency, "invoice": p.invoice, "is_default": true, "livemode": false,
        "payment": {"payment_intent": p.payment_intent, "type": "payment_intent"},
        "status": "paid", "status_transitions": {"canceled_at": null, "paid_at": p.paid_at},
    })
}

/// `payment_intent`
pub fn payment_intent(p: &PaymentIntent, shape: Shape) -> Value {
    let received = if p.status == "succeeded" { p.amount } else { 0 };
    let mut v = json!({
        "id": p.id, "object": "payment_intent", "amount": p.amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": received, "application": null,
        "application_fee_amount": null, "automatic_payment_methods": null, "canceled_at": null,
        "cancellation_reason": null, "capture_method": "automatic",
        "client_secret": format!("{}_secret_sandbox", p.id), "confirmation_method": "automatic",
        "created": p.created, "currency": p.currency, "customer": p.customer, "description": p.description,
        "last_payment_error": null, "latest_charge": p.latest_charge, "livemode": false, "metadata": p.metadata,
        "next_action": null, "on_behalf_of": null, "payment_method": "pm_card_visa",
        "payment_method_configuration_details": null, "payment_method_options": {},
        "payment_method_types": ["card"], "processing": null, "receipt_email": null, "review": null,
        "setup_future_usage": null, "shipping": null, "statement_descriptor": null,
        "statement_descriptor_suffix": null, "status": p.status, "transfer_data": null, "transfer_group": null,
    });
    if shape == Shape::Legacy {
        v["invoice"] = json!(p.invoice);
    }
    v
}

/// `charge`
pub fn charge(c: &Charge, shape: Shape) -> Value {
    let mut v = json!({
        "id": c.id, "object": "charge", "amount": c.amount, "amount_captured": c.amount,
        "amount_refunded": c.amount_refunded, "application": null, "application_fee": null,
        "application_fee_amount": null, "balance_transaction": null,
        "billing_details": {"address": address(), "email": c.email, "name": null, "phone": null, "tax_id": null},
        "calculated_statement_descriptor": "CLICKTRAIL SANDBOX", "captured": true, "created": c.created,
        "currency": c.currency, "customer": c.customer, "description": c.description, "disputed": c.disputed,
        "failure_balance_transaction": null, "failure_code": null, "failure_message": null, "fraud_details": {},
        "livemode": false, "metadata": c.metadata, "on_behalf_of": null,
        "outcome": {"advice_code": null, "network_advice_code": null, "network_decline_code": null,
            "network_status": "approved_by_network", "reason": null, "seller_message": "Payment complete.", "type": "authorized"},
        "paid": true, "payment_intent": c.payment_intent, "payment_method": "pm_card_visa",
        "payment_method_details": {"card": {"brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2034,
            "funding": "credit", "last4": "4242", "network": "visa"}, "type": "card"},
        "receipt_email": null, "receipt_number": null,
        "receipt_url": format!("https://pay.stripe.com/receipts/payment/{}", c.id),
        "refunded": c.amount_refunded >= c.amount && c.amount > 0, "review": null, "shipping": null,
        "source_transfer": null, "statement_descriptor": null, "statement_descriptor_suffix": null,
        "status": "succeeded", "transfer_data": null, "transfer_group": null,
    });
    if shape == Shape::Legacy {
        v["invoice"] = json!(c.invoice);
    }
    v
}

/// `checkout.session`
pub fn checkout_session(
    s: &CheckoutSession,
    customer_email: Option<&str>,
    base_url: &str,
) -> Value {
    let details = (s.status == "complete").then(|| {
        json!({
            "address": null, "email": customer_email.or(s.customer_email.as_deref()), "name": null,
            "phone": null, "tax_exempt": "none", "tax_ids": [],
        })
    });
    json!({
        "id": s.id, "object": "checkout.session", "after_expiration": null, "allow_promotion_codes": null,
        "amount_subtotal": s.amount_total, "amount_total": s.amount_total,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null, "cancel_url": s.cancel_url,
        "client_reference_id": s.client_reference_id, "client_secret": null, "consent": null,
        "consent_collection": null, "created": s.created, "currency": s.currency, "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
        "customer": s.customer,
        "customer_creation": if s.mode == "payment" { json!("if_required") } else { json!("always") },
        "customer_details": details, "customer_email": s.customer_email, "discounts": [],
        "expires_at": s.expires_at, "invoice": s.invoice, "invoice_creation": null, "livemode": false,
        "locale": null, "metadata": s.metadata, "mode": s.mode, "payment_intent": s.payment_intent,
        "payment_link": null, "payment_method_collection": "always",
        "payment_method_configuration_details": null, "payment_method_options": {},
        "payment_method_types": ["card"], "payment_status": s.payment_status,
        "phone_number_collection": {"enabled": false}, "recovered_from": null,
        "saved_payment_method_options": null, "setup_intent": null, "shipping_address_collection": null,
        "shipping_cost": null, "shipping_options": [], "status": s.status, "submit_type": null,
        "subscription": s.subscription, "success_url": s.success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": (s.status == "open").then(|| format!("{base_url}/_sandbox/checkout/sessions/{}/page", s.id)),
    })
}

/// `item`: a line of a checkout session.
pub fn session_item(store: &Store, s: &CheckoutSession, line: &SessionLine) -> Value {
    let price = store.prices.get(&line.price);
    let unit = price.map_or(0, |p| p.unit_amount);
    let description = price
        .and_then(|p| store.products.get(&p.product))
        .map(|p| p.name.clone());
    json!({
        "id": line.id, "object": "item", "amount_discount": 0, "amount_subtotal": unit * line.quantity,
        "amount_tax": 0, "amount_total": unit * line.quantity, "currency": s.currency,
        "description": description, "price": price_or_id(store, &line.price), "quantity": line.quantity,
    })
}

/// `refund`
pub fn refund(r: &Refund) -> Value {
    json!({
        "id": r.id, "object": "refund", "amount": r.amount, "balance_transaction": null, "charge": r.charge,
        "created": r.created, "currency": r.currency,
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": r.metadata, "payment_intent": r.payment_intent, "reason": r.reason,
        "receipt_number": null, "source_transfer_reversal": null, "status": "succeeded", "transfer_reversal": null,
    })
}

/// `dispute`: no evidence submitted, no balance transactions, not refundable.
pub fn dispute(d: &Dispute) -> Value {
    json!({
        "id": d.id, "object": "dispute", "amount": d.amount, "balance_transactions": [], "charge": d.charge,
        "created": d.created, "currency": d.currency, "evidence": {}, "is_charge_refundable": false,
        "livemode": false, "metadata": d.metadata, "payment_intent": d.payment_intent, "reason": d.reason,
        "status": d.status,
    })
}

/// `webhook_endpoint`; `secret` only when `with_secret` (the creation answer).
pub fn webhook_endpoint(w: &WebhookEndpoint, with_secret: bool) -> Value {
    let mut v = json!({
        "id": w.id, "object": "webhook_endpoint", "api_version": w.api_version, "application": null,
        "created": w.created, "description": w.description, "enabled_events": w.enabled_events,
        "livemode": false, "metadata": w.metadata, "status": w.status, "url": w.url,
    });
    if with_secret {
        v["secret"] = json!(w.secret);
    }
    v
}

/// `event`, with `data.object` in `shape` and `api_version` as given.
pub fn event(e: &Event, shape: Shape, api_version: &str) -> Value {
    let object = match shape {
        Shape::Basil => &e.object_basil,
        Shape::Legacy => &e.object_legacy,
    };
    let mut data = json!({ "object": object });
    if let Some(previous) = &e.previous_attributes {
        data["previous_attributes"] = previous.clone();
    }
    json!({
        "id": e.id, "object": "event", "api_version": api_version, "created": e.created, "data": data,
        "livemode": false, "pending_webhooks": e.pending_webhooks(),
        "request": {"id": e.request_id, "idempotency_key": e.idempotency_key}, "type": e.kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_date() {
        assert_eq!(Shape::of("2025-03-31.basil"), Shape::Basil);
        assert_eq!(Shape::of("2026-10-28.endive"), Shape::Basil);
        assert_eq!(Shape::of("2025-02-24.acacia"), Shape::Legacy);
        assert_eq!(Shape::of("2020-08-27"), Shape::Legacy);
    }

    #[test]
    fn version_syntax() {
        assert!(is_valid_version("2025-03-31.basil"));
        assert!(is_valid_version("2020-08-27"));
        assert!(!is_valid_version("2025-3-31"));
        assert!(!is_valid_version("2025-03-31."));
        assert!(!is_valid_version("latest"));
    }
}
