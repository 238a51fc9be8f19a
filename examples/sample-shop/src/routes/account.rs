//! The "your account" page's data and actions: the visitor's subscriptions and payments, cancel,
//! refund (part or all), and, on the Stripe emulator, "bill the next period now".

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::response::{Json, Redirect};
use axum_extra::extract::CookieJar;
use clicktrail_stripe::client::{Form as StripeForm, NewRefund, RefundTarget};
use clicktrail_stripe::{Charge, Currency, Invoice, Subscription};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{AppState, ShopError, format_minor, parse_major, visitor};

/// `GET /api/account`: the customer, their subscriptions (also canceled ones) and their
/// payments, each payment with the invoice it paid, oldest first.
pub async fn show(State(state): State<AppState>, jar: CookieJar) -> Result<Json<Value>, ShopError> {
    let Some(customer_id) = visitor::customer_id(&jar) else {
        return Ok(Json(
            json!({ "customer": null, "sandbox": state.stripe_is_sandbox }),
        ));
    };
    let customer = state.stripe.customer(&customer_id).await?;
    let by_customer = || {
        StripeForm::new()
            .push("customer", &customer_id)
            .push("limit", "100")
    };
    let subscriptions = list(
        &state,
        "/v1/subscriptions",
        by_customer().push("status", "all"),
    )
    .await?
    .iter()
    .map(Subscription::from_value)
    .collect::<Result<Vec<_>, _>>()?;
    let invoices = list(&state, "/v1/invoices", by_customer())
        .await?
        .iter()
        .map(Invoice::from_value)
        .collect::<Result<Vec<_>, _>>()?;
    let charges = list(&state, "/v1/charges", by_customer())
        .await?
        .iter()
        .map(Charge::from_value)
        .collect::<Result<Vec<_>, _>>()?;

    // Which invoice each payment intent paid (basil+ keeps this link in invoice payments).
    let mut paid_by: HashMap<String, &Invoice> = HashMap::new();
    for invoice in invoices.iter().filter(|i| i.amount_paid.unwrap_or(0) > 0) {
        for payment in state
            .stripe
            .invoice_payments_for_invoice(&invoice.id)
            .await?
        {
            if let Some(pi) = payment.payment_intent {
                paid_by.insert(pi, invoice);
            }
        }
    }

    let subscriptions: Vec<Value> = subscriptions
        .iter()
        .rev()
        .map(|s| {
            let plan = s.metadata.get("shop_plan").cloned().or_else(|| {
                s.prices
                    .first()
                    .and_then(|p| state.catalog.plan_of_price(p))
                    .map(|p| p.id.as_str().to_owned())
            });
            json!({
                "id": s.id, "plan": plan, "status": s.status, "trial_end": s.trial_end,
                "created": s.created, "latest_invoice": s.latest_invoice,
                "click_id": s.metadata.get("impact_click_id"),
            })
        })
        .collect();
    let payments: Vec<Value> = charges
        .iter()
        .rev()
        .map(|c| {
            let invoice = c.payment_intent.as_deref().and_then(|pi| paid_by.get(pi));
            let currency = currency_of(c.currency);
            let amount = c.amount.unwrap_or(0);
            let refunded = c.amount_refunded.unwrap_or(0);
            json!({
                "charge": c.id, "created": c.created, "payment_intent": c.payment_intent,
                "amount": format_minor(amount, &currency),
                "refunded": format_minor(refunded, &currency),
                "remaining_minor": amount - refunded,
                "invoice": invoice.map(|i| &i.id),
                "billing_reason": invoice.and_then(|i| i.billing_reason.as_deref()),
                "subscription": invoice.and_then(|i| i.subscription.as_deref()),
            })
        })
        .collect();
    Ok(Json(json!({
        "customer": {
            "id": customer.id, "email": customer.email,
            "click_id": customer.metadata.get("impact_click_id"),
        },
        "sandbox": state.stripe_is_sandbox,
        "subscriptions": subscriptions,
        "payments": payments,
    })))
}

/// The `data` of one list page of up to 100 (a sample shop's customer has fewer).
async fn list(state: &AppState, path: &str, query: StripeForm) -> Result<Vec<Value>, ShopError> {
    let mut page = state.stripe.get(path, &query).await?;
    Ok(match page["data"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

fn currency_of(currency: Option<Currency>) -> String {
    currency.map_or_else(|| "usd".to_owned(), |c| c.code_lower())
}

/// A form naming one subscription.
#[derive(Debug, Deserialize)]
pub struct SubscriptionForm {
    subscription: String,
}

/// `POST /account/cancel`: cancels the subscription now (`DELETE /v1/subscriptions/{id}`).
pub async fn cancel(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SubscriptionForm>,
) -> Result<Redirect, ShopError> {
    let subscription = own_subscription(&state, &jar, &form.subscription).await?;
    state
        .stripe
        .delete(&format!("/v1/subscriptions/{}", subscription.id))
        .await?;
    tracing::info!(subscription = %subscription.id, "canceled");
    Ok(Redirect::to("/account.html?notice=canceled"))
}

/// `POST /account/advance`: the Stripe emulator bills the subscription's next period now
/// (`/_sandbox/subscriptions/{id}/advance`). Refused against real Stripe.
pub async fn advance(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SubscriptionForm>,
) -> Result<Redirect, ShopError> {
    if !state.stripe_is_sandbox {
        return Err(ShopError::BadRequest(
            "billing a period on demand is a helper of the Stripe emulator; real Stripe bills on its own schedule (use a test clock)".into(),
        ));
    }
    let subscription = own_subscription(&state, &jar, &form.subscription).await?;
    let url = format!(
        "{}/_sandbox/subscriptions/{}/advance",
        state.stripe.api_base(),
        subscription.id
    );
    let answer = state
        .http
        .post(&url)
        .send()
        .await
        .map_err(|e| ShopError::Upstream(format!("the Stripe emulator: {e}")))?;
    if !answer.status().is_success() {
        return Err(ShopError::Upstream(format!(
            "the Stripe emulator answered {} to {url}",
            answer.status()
        )));
    }
    tracing::info!(subscription = %subscription.id, "billed the next period");
    Ok(Redirect::to("/account.html?notice=billed"))
}

/// The refund form: which payment, and how much (empty: everything not yet refunded).
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    charge: String,
    #[serde(default)]
    amount: String,
}

/// `POST /account/refund`: refunds part or all of a payment (`POST /v1/refunds`).
pub async fn refund(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<RefundForm>,
) -> Result<Redirect, ShopError> {
    let customer =
        visitor::customer_id(&jar).ok_or(ShopError::NotYours("you have no account yet"))?;
    let id = checked_id(&form.charge, &["ch_", "py_"])?;
    let charge = Charge::from_value(
        &state
            .stripe
            .get(&format!("/v1/charges/{id}"), &StripeForm::new())
            .await?,
    )?;
    if charge.customer.as_deref() != Some(customer.as_str()) {
        return Err(ShopError::NotYours("this payment is not yours"));
    }
    let remaining = charge.amount.unwrap_or(0) - charge.amount_refunded.unwrap_or(0);
    let amount = if form.amount.trim().is_empty() {
        None
    } else {
        // A partial amount is read with the currency's own decimals, never assumed to be two.
        let exponent = charge.currency.and_then(|c| c.exponent()).ok_or_else(|| {
            ShopError::BadRequest(
                "the decimals of this payment's currency are not known: leave the amount empty to refund the rest"
                    .to_owned(),
            )
        })?;
        let amount = parse_major(&form.amount, exponent).ok_or_else(|| {
            ShopError::BadRequest(format!("{:?} is not an amount (e.g. 10.00)", form.amount))
        })?;
        if amount > remaining {
            return Err(ShopError::BadRequest(format!(
                "only {} can still be refunded",
                format_minor(remaining, &currency_of(charge.currency))
            )));
        }
        Some(amount)
    };
    let refund = state
        .stripe
        .create_refund(&NewRefund {
            target: RefundTarget::Charge(charge.id.clone()),
            amount,
            metadata: Default::default(),
        })
        .await?;
    tracing::info!(refund = %refund.id, charge = %charge.id, amount = ?refund.amount, "refunded");
    Ok(Redirect::to("/account.html?notice=refunded"))
}

/// The subscription `id`, when it belongs to this browser's customer.
async fn own_subscription(
    state: &AppState,
    jar: &CookieJar,
    id: &str,
) -> Result<Subscription, ShopError> {
    let customer =
        visitor::customer_id(jar).ok_or(ShopError::NotYours("you have no account yet"))?;
    let subscription = state
        .stripe
        .subscription(checked_id(id, &["sub_"])?)
        .await?;
    if subscription.customer.as_deref() != Some(customer.as_str()) {
        return Err(ShopError::NotYours("this subscription is not yours"));
    }
    Ok(subscription)
}

/// A Stripe id with one of `prefixes` and only letters, digits and `_` (safe in a path).
fn checked_id<'a>(id: &'a str, prefixes: &[&str]) -> Result<&'a str, ShopError> {
    let ok = prefixes.iter().any(|p| id.starts_with(p))
        && id.len() < 100
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(ShopError::BadRequest(format!(
            "{id:?} is not a valid id here"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_reach_a_path() {
        assert_eq!(checked_id("sub_1Ab", &["sub_"]).unwrap(), "sub_1Ab");
        for bad in ["", "cus_1", "sub_1/../../x", "sub_1?expand[]=x", "sub 1"] {
            assert!(checked_id(bad, &["sub_"]).is_err(), "{bad:?}");
        }
    }
}
