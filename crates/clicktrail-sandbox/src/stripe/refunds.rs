//! `/v1/refunds`: create (full or partial, by `charge` or `payment_intent`; the charge's
//! `amount_refunded` accumulates and `refunded` turns true when nothing is left; emits
//! `refund.created` and `charge.refunded`), retrieve, list.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::billing;
use super::context::Ctx;
use super::error::ApiError;
use super::list;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::Refund;
use crate::ids;

/// `POST /v1/refunds`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Refunds, Access::Write)?;
    let p = &ctx.params;
    p.allow(&["charge", "payment_intent", "amount", "reason", "metadata"])?;
    let amount = p.int("amount")?;
    if amount.is_some_and(|a| a < 1) {
        return Err(ApiError::invalid_request(
            "Invalid positive integer",
            Some("amount".into()),
        ));
    }
    let reason = p
        .str("reason")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(r) = &reason
        && !["duplicate", "fraudulent", "requested_by_customer"].contains(&r.as_str())
    {
        return Err(ApiError::invalid_request(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"
                .to_string(),
            Some("reason".into()),
        ));
    }
    let meta = metadata::from_params(p, "metadata")?;
    let charge_param = p
        .str("charge")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let pi_param = p
        .str("payment_intent")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let charge_id = match (&charge_param, &pi_param) {
            (Some(ch), None) => {
                store.charges.get(ch).ok_or_else(|| ApiError::no_such("charge", ch, "charge"))?;
                ch.clone()
            }
            (None, Some(pi)) => {
                let intent = store.payment_intents.get(pi).ok_or_else(|| ApiError::no_such("payment_intent", pi, "payment_intent"))?;
                intent.latest_charge.clone().ok_or_else(|| {
                    ApiError::invalid_request(
                        format!("This PaymentIntent ({pi}) does not have a successful charge to refund."),
                        Some("payment_intent".into()),
                    )
                })?
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_request("You may only specify one of these parameters: charge, payment_intent.", None));
            }
            (None, None) => {
                return Err(ApiError::invalid_request("One of the following params should be provided for this request: charge or payment_intent.", None));
            }
        };
        let charge = store.charges.get(&charge_id).cloned().ok_or_else(|| ApiError::no_such("charge", &charge_id, "charge"))?;
        let remaining = charge.amount - charge.amount_refunded;
        if remaining <= 0 {
            return Err(ApiError::invalid_request(format!("Charge {charge_id} has already been refunded."), None)
                .with_code("charge_already_refunded"));
        }
        let amount = amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(ApiError::invalid_request(
                format!(
                    "Refund amount ({} {}) is greater than unrefunded amount on charge ({} {})",
                    billing::major_units(amount, &charge.currency),
                    charge.currency.to_uppercase(),
                    billing::major_units(remaining, &charge.currency),
                    charge.currency.to_uppercase()
                ),
                Some("amount".into()),
            )
            .with_code("amount_too_large"));
        }
        let id = ids::stripe_id("re");
        let refund = Refund {
            id: id.clone(),
            created: now,
            amount,
            charge: charge_id.clone(),
            payment_intent: charge.payment_intent.clone(),
            currency: charge.currency.clone(),
            reason,
            metadata: meta,
        };
        let v = render::refund(&refund);
        store.refunds.insert(id.clone(), refund);
        if let Some(c) = store.charges.get_mut(&charge_id) {
            c.amount_refunded += amount;
        }
        store.emit(&origin, now, "refund.created", &id);
        store.emit_with_previous(
            &origin,
            now,
            "charge.refunded",
            &charge_id,
            Some(serde_json::json!({"amount_refunded": charge.amount_refunded, "refunded": false})),
        );
        Ok(Json(v))
    })
}

/// `GET /v1/refunds/{id}`
pub const RETRIEVE: retrieve::One =
    retrieve::One::plain(Resource::Refunds, "refund", |store, id, _, _| {
        store.refunds.get(id).map(render::refund)
    });

/// `GET /v1/refunds`: `charge`, `payment_intent`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::Refunds, &["charge", "payment_intent", "created"])?;
    let p = &ctx.params;
    let charge = p.str("charge")?.map(str::to_owned);
    let pi = p.str("payment_intent")?.map(str::to_owned);
    app.read(|store| {
        let items = store
            .refunds
            .newest_first()
            .filter(|(_, r)| charge.as_deref().is_none_or(|c| r.charge == c))
            .filter(|(_, r)| list::keeps(pi.as_deref(), r.payment_intent.as_deref()))
            .map(|(rank, r)| (rank, render::refund(r)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.refunds.rank(id),
            "refund",
            "/v1/refunds",
        )?))
    })
}
