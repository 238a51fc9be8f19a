//! `/v1/promotion_codes`: create (`coupon`, `code`, `active`, `metadata`) and retrieve. A
//! promotion code is the customer-facing code of a coupon; the forwarder reads one by id to send
//! its `code` as impact.com's `OrderPromoCode`.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::Ctx;
use super::error::ApiError;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::{PromotionCode, Store};
use crate::ids;

/// `POST /v1/promotion_codes`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::PromotionCodes, Access::Write)?;
    let p = &ctx.params;
    p.allow(&["coupon", "code", "active", "metadata"])?;
    let coupon = p.required_str("coupon")?.to_owned();
    let code = match p.str("code")? {
        Some(code) if !code.trim().is_empty() => code.trim().to_owned(),
        _ => ids::random_id("", 8).to_uppercase(),
    };
    let active = p.bool("active")?.unwrap_or(true);
    let meta = metadata::from_params(p, "metadata")?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        if store.coupons.get(&coupon).is_none() {
            return Err(ApiError::no_such("coupon", &coupon, "coupon"));
        }
        let taken = store
            .promotion_codes
            .newest_first()
            .any(|(_, other)| other.active && other.code.eq_ignore_ascii_case(&code));
        if active && taken {
            return Err(ApiError::invalid_request(
                format!("An active promotion code with `code: {code}` already exists."),
                Some("code".into()),
            ));
        }
        let id = ids::random_id("promo_", 24);
        let promotion = PromotionCode {
            id: id.clone(),
            created: now,
            code,
            coupon,
            active,
            metadata: meta,
        };
        let v = render::promotion_code(store, &promotion);
        store.promotion_codes.insert(id.clone(), promotion);
        store.emit(&origin, now, "promotion_code.created", &id);
        Ok(Json(v))
    })
}

/// `GET /v1/promotion_codes/{id}`, its coupon expanded.
pub const RETRIEVE: retrieve::One =
    retrieve::One::expanded(Resource::PromotionCodes, "promotion_code", find);

fn find(store: &Store, id: &str, _: &Ctx, _: &[String]) -> Option<Value> {
    let promotion = store.promotion_codes.get(id)?;
    Some(render::promotion_code(store, promotion))
}
