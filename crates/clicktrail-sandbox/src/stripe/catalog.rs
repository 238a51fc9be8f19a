//! The catalogue: `/v1/products`, `/v1/prices` (with `product` or `product_data[name]`, optional
//! `recurring[interval]`), `/v1/coupons` (`percent_off` or `amount_off` + `currency`).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::expand;
use super::form::Params;
use super::list::Page;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::{Coupon, Price, Product, Recurring, Store};
use crate::ids;

fn currency(p: &Params) -> Result<String, ApiError> {
    let c = p.required_str("currency")?.to_ascii_lowercase();
    match clicktrail_stripe::Currency::new(&c) {
        Ok(currency) => Ok(currency.code_lower()),
        Err(_) => Err(ApiError::invalid_request(
            format!("Invalid currency: {c}"),
            Some(p.name("currency")),
        )),
    }
}

impl Store {
    fn new_product(&mut self, origin: &Origin, now: i64, p: &Params) -> Result<String, ApiError> {
        let name = p.required_str("name")?.to_owned();
        let id = match p.str("id")? {
            Some(id) if !id.is_empty() => {
                if self.products.get(id).is_some() {
                    return Err(ApiError::invalid_request(
                        "Product already exists.".to_string(),
                        Some("id".into()),
                    )
                    .with_code("resource_already_exists"));
                }
                id.to_owned()
            }
            _ => ids::stripe_id("prod"),
        };
        let product = Product {
            id: id.clone(),
            created: now,
            name,
            description: p
                .str("description")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            active: p.bool("active")?.unwrap_or(true),
            default_price: None,
            metadata: metadata::from_params(p, "metadata")?,
        };
        self.products.insert(id.clone(), product);
        self.emit(origin, now, "product.created", &id);
        Ok(id)
    }
}

/// `POST /v1/products`
pub async fn create_product(
    State(app): State<StripeApp>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Products, Access::Write)?;
    ctx.params.allow(&[
        "id",
        "name",
        "description",
        "active",
        "metadata",
        "default_price_data",
    ])?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let id = store.new_product(&origin, now, &ctx.params)?;
        if let Some(dp) = ctx.params.hash("default_price_data")? {
            let price = store.new_price(&origin, now, &dp, Some(id.clone()))?;
            if let Some(prod) = store.products.get_mut(&id) {
                prod.default_price = Some(price);
            }
        }
        Ok(Json(
            store
                .products
                .get(&id)
                .map(render::product)
                .unwrap_or_default(),
        ))
    })
}

/// `GET /v1/products/{id}`
pub const RETRIEVE_PRODUCT: retrieve::One =
    retrieve::One::plain(Resource::Products, "product", |store, id, _, _| {
        store.products.get(id).map(render::product)
    });

/// `POST /v1/products/{id}`: `name`, `description`, `active`, `metadata`, `default_price`.
pub async fn update_product(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Products, Access::Write)?;
    let p = &ctx.params;
    p.allow(&["name", "description", "active", "metadata", "default_price"])?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        if let Some(price) = p.str("default_price")?
            && store.prices.get(price).is_none_or(|pr| pr.product != id)
        {
            return Err(ApiError::no_such("price", price, "default_price"));
        }
        let product = store
            .products
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("product", &id, "id"))?;
        if let Some(name) = p.str("name")? {
            product.name = name.to_owned();
        }
        if let Some(d) = p.str("description")? {
            product.description = (!d.is_empty()).then(|| d.to_owned());
        }
        if let Some(a) = p.bool("active")? {
            product.active = a;
        }
        if let Some(price) = p.str("default_price")? {
            product.default_price = Some(price.to_owned());
        }
        metadata::apply(p, "metadata", &mut product.metadata)?;
        let v = render::product(product);
        store.emit(&origin, now, "product.updated", &id);
        Ok(Json(v))
    })
}

/// `GET /v1/products`: `active`, pagination.
pub async fn list_products(
    State(app): State<StripeApp>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::Products, &["active"])?;
    let p = &ctx.params;
    let active = p.bool("active")?;
    app.read(|store| {
        let items = store
            .products
            .newest_first()
            .filter(|(_, x)| active.is_none_or(|a| a == x.active))
            .map(|(r, x)| (r, render::product(x)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.products.rank(id),
            "product",
            "/v1/products",
        )?))
    })
}

impl Store {
    /// Creates a price from `currency`, `unit_amount`, `product` or `product_data`, `recurring`.
    fn new_price(
        &mut self,
        origin: &Origin,
        now: i64,
        p: &Params,
        product: Option<String>,
    ) -> Result<String, ApiError> {
        let currency = currency(p)?;
        let unit_amount = p
            .int("unit_amount")?
            .ok_or_else(|| ApiError::missing_param(&p.name("unit_amount")))?;
        if unit_amount < 0 {
            return Err(ApiError::invalid_request(
                "Invalid unit_amount: must be at least 0",
                Some(p.name("unit_amount")),
            ));
        }
        let recurring = match p.hash("recurring")? {
            None => None,
            Some(r) => {
                let interval = r.required_str("interval")?;
                if !["day", "week", "month", "year"].contains(&interval) {
                    return Err(ApiError::invalid_request(
                        "Invalid recurring[interval]: must be one of day, week, month, or year"
                            .to_string(),
                        Some(r.name("interval")),
                    ));
                }
                let interval_count = r.int("interval_count")?.unwrap_or(1);
                if !(1..=36).contains(&interval_count) {
                    return Err(ApiError::invalid_request(
                        "Invalid interval_count",
                        Some(r.name("interval_count")),
                    ));
                }
                Some(Recurring {
                    interval: interval.to_owned(),
                    interval_count,
                })
            }
        };
        let product = match (product, p.str("product")?, p.hash("product_data")?) {
            (Some(id), _, _) => id,
            (None, Some(id), None) => {
                if self.products.get(id).is_none() {
                    return Err(ApiError::no_such("product", id, "product"));
                }
                id.to_owned()
            }
            (None, None, Some(data)) => self.new_product(origin, now, &data)?,
            (None, Some(_), Some(_)) => {
                return Err(ApiError::invalid_request(
                    "You may only specify one of these parameters: product, product_data.",
                    None,
                ));
            }
            (None, None, None) => return Err(ApiError::missing_param("product")),
        };
        let id = ids::stripe_id("price");
        let price = Price {
            id: id.clone(),
            created: now,
            product,
            currency,
            unit_amount,
            recurring,
            active: p.bool("active")?.unwrap_or(true),
            nickname: p
                .str("nickname")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            lookup_key: p
                .str("lookup_key")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            metadata: metadata::from_params(p, "metadata")?,
        };
        self.prices.insert(id.clone(), price);
        self.emit(origin, now, "price.created", &id);
        Ok(id)
    }
}

/// `POST /v1/prices`
pub async fn create_price(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Prices, Access::Write)?;
    ctx.params.allow(&[
        "currency",
        "unit_amount",
        "product",
        "product_data",
        "recurring",
        "active",
        "nickname",
        "lookup_key",
        "metadata",
    ])?;
    let now = app.clock().now();
    let origin = ctx.origin();
    let expand = ctx.expand()?;
    app.write(|store| {
        let id = store.new_price(&origin, now, &ctx.params, None)?;
        let mut v = store.prices.get(&id).map(render::price).unwrap_or_default();
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/prices/{id}`
pub const RETRIEVE_PRICE: retrieve::One =
    retrieve::One::expanded(Resource::Prices, "price", |store, id, _, _| {
        store.prices.get(id).map(render::price)
    });

/// `GET /v1/prices`: `product`, `active`, `lookup_keys[]`, pagination.
pub async fn list_prices(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::Prices,
        &["product", "active", "lookup_keys", "type", "currency"],
    )?;
    let p = &ctx.params;
    let product = p.str("product")?.map(str::to_owned);
    let active = p.bool("active")?;
    let lookup_keys = p.strings("lookup_keys")?;
    app.read(|store| {
        let items = store
            .prices
            .newest_first()
            .filter(|(_, x)| product.as_deref().is_none_or(|pr| x.product == pr))
            .filter(|(_, x)| active.is_none_or(|a| a == x.active))
            .filter(|(_, x)| {
                lookup_keys
                    .as_ref()
                    .is_none_or(|ks| x.lookup_key.as_ref().is_some_and(|k| ks.contains(k)))
            })
            .map(|(r, x)| (r, render::price(x)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.prices.rank(id),
            "price",
            "/v1/prices",
        )?))
    })
}

/// `POST /v1/coupons`
pub async fn create_coupon(
    State(app): State<StripeApp>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Coupons, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "id",
        "percent_off",
        "amount_off",
        "currency",
        "duration",
        "duration_in_months",
        "name",
        "metadata",
    ])?;
    let percent_off = p.float("percent_off")?;
    let amount_off = p.int("amount_off")?;
    let currency = match (percent_off, amount_off) {
        (Some(pct), None) => {
            if !(pct > 0.0 && pct <= 100.0) {
                return Err(ApiError::invalid_request(
                    "Invalid percent_off: must be greater than 0 and at most 100",
                    Some("percent_off".into()),
                ));
            }
            None
        }
        (None, Some(amount)) => {
            if amount <= 0 {
                return Err(ApiError::invalid_request(
                    "Invalid amount_off: must be positive",
                    Some("amount_off".into()),
                ));
            }
            Some(currency(p)?)
        }
        _ => {
            return Err(ApiError::invalid_request(
                "You must pass exactly one of percent_off or amount_off.",
                None,
            ));
        }
    };
    let duration = p.str("duration")?.unwrap_or("once").to_owned();
    let duration_in_months = p.int("duration_in_months")?;
    match (duration.as_str(), duration_in_months) {
        ("once" | "forever", None) => {}
        ("repeating", Some(n)) if n > 0 => {}
        ("repeating", _) => return Err(ApiError::missing_param("duration_in_months")),
        _ => {
            return Err(ApiError::invalid_request(
                "Invalid duration: must be one of once, repeating, or forever",
                Some("duration".into()),
            ));
        }
    }
    let now = app.clock().now();
    let origin = ctx.origin();
    let meta = metadata::from_params(p, "metadata")?;
    app.write(|store| {
        let id = match p.str("id")? {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => ids::random_id("", 8),
        };
        if store.coupons.get(&id).is_some() {
            return Err(
                ApiError::invalid_request("Coupon already exists.", Some("id".into()))
                    .with_code("resource_already_exists"),
            );
        }
        let coupon = Coupon {
            id: id.clone(),
            created: now,
            percent_off,
            amount_off,
            currency,
            duration,
            duration_in_months,
            name: p.str("name")?.map(str::to_owned),
            metadata: meta,
            times_redeemed: 0,
        };
        let v = render::coupon(&coupon);
        store.coupons.insert(id.clone(), coupon);
        store.emit(&origin, now, "coupon.created", &id);
        Ok(Json(v))
    })
}

/// `GET /v1/coupons/{id}`
pub const RETRIEVE_COUPON: retrieve::One =
    retrieve::One::plain(Resource::Coupons, "coupon", |store, id, _, _| {
        store.coupons.get(id).map(render::coupon)
    });

/// `GET /v1/coupons`
pub async fn list_coupons(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Coupons, Access::Read)?;
    ctx.params
        .allow(&["limit", "starting_after", "ending_before"])?;
    let page = Page::from_params(&ctx.params)?;
    app.read(|store| {
        let items = store
            .coupons
            .newest_first()
            .map(|(r, c)| (r, render::coupon(c)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.coupons.rank(id),
            "coupon",
            "/v1/coupons",
        )?))
    })
}
