//! `/v1/subscriptions`: creating one (with `items`, `metadata`, `trial_period_days`, `coupon` or
//! `discounts[n][coupon]`) bills its first period at once: an invoice with
//! `billing_reason = subscription_create`, finalized and paid ($0 and no charge while trialing).
//! Also retrieve, update (`metadata`, `description`), cancel (`DELETE`), list.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::billing;
use super::context::{Ctx, Origin};
use super::customers::previous_attributes;
use super::error::ApiError;
use super::expand;
use super::form::Params;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::{
    Discount, Invoice, InvoiceLine, Metadata, Store, Subscription, SubscriptionItem,
};
use crate::ids;

/// What a new subscription is made of.
#[derive(Debug, Clone, Default)]
pub struct NewSubscription {
    /// The customer.
    pub customer: String,
    /// (price id, quantity) per item.
    pub items: Vec<(String, i64)>,
    /// `metadata`
    pub metadata: Metadata,
    /// `trial_period_days`
    pub trial_period_days: Option<i64>,
    /// Coupon ids to apply.
    pub coupons: Vec<String>,
    /// `description`
    pub description: Option<String>,
    /// `payment_behavior=default_incomplete`: leave the first invoice open (subscription
    /// `incomplete`) until it is paid through `/_sandbox/invoices/{id}/pay`.
    pub default_incomplete: bool,
}

impl Store {
    /// Validates and creates a subscription, then bills its first period.
    pub fn create_subscription(
        &mut self,
        origin: &Origin,
        now: i64,
        new: NewSubscription,
    ) -> Result<String, ApiError> {
        if self.customers.get(&new.customer).is_none() {
            return Err(ApiError::no_such("customer", &new.customer, "customer"));
        }
        if new.items.is_empty() {
            return Err(ApiError::missing_param("items"));
        }
        let mut currency: Option<String> = None;
        let mut recurring = None;
        for (i, (price_id, quantity)) in new.items.iter().enumerate() {
            let param = format!("items[{i}][price]");
            let price = self
                .prices
                .get(price_id)
                .ok_or_else(|| ApiError::no_such("price", price_id, &param))?;
            let Some(r) = &price.recurring else {
                return Err(ApiError::invalid_request(
                    "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.".to_string(),
                    Some(param),
                ));
            };
            if *quantity < 1 {
                return Err(ApiError::invalid_request(
                    "Invalid quantity: must be at least 1",
                    Some(format!("items[{i}][quantity]")),
                ));
            }
            if currency.as_ref().is_some_and(|c| *c != price.currency)
                || recurring.as_ref().is_some_and(|x| x != r)
            {
                return Err(ApiError::invalid_request(
                    "All prices on a subscription must have the same `currency` and `recurring[interval]`.",
                    Some(param),
                ));
            }
            currency = Some(price.currency.clone());
            recurring = Some(r.clone());
        }
        for (i, coupon) in new.coupons.iter().enumerate() {
            if self.coupons.get(coupon).is_none() {
                let param = if new.coupons.len() == 1 {
                    "coupon".to_owned()
                } else {
                    format!("discounts[{i}][coupon]")
                };
                return Err(ApiError::no_such("coupon", coupon, &param));
            }
        }
        if let Some(days) = new.trial_period_days
            && !(1..=730).contains(&days)
        {
            return Err(ApiError::invalid_request(
                "Invalid trial_period_days: must be between 1 and 730",
                Some("trial_period_days".into()),
            ));
        }
        let (Some(recurring), Some(currency)) = (recurring, currency) else {
            return Err(ApiError::missing_param("items"));
        };

        let id = ids::stripe_id("sub");
        let trial_end = new.trial_period_days.map(|d| now + d * 86_400);
        let period_end = trial_end.unwrap_or_else(|| {
            billing::period_end(now, &recurring.interval, recurring.interval_count)
        });
        let items = new
            .items
            .iter()
            .map(|(price, quantity)| SubscriptionItem {
                id: ids::stripe_id("si"),
                created: now,
                price: price.clone(),
                quantity: *quantity,
                period_start: now,
                period_end,
                metadata: Metadata::new(),
            })
            .collect();
        let discounts = new
            .coupons
            .iter()
            .map(|coupon| Discount {
                id: ids::stripe_id("di"),
                coupon: coupon.clone(),
                customer: new.customer.clone(),
                subscription: Some(id.clone()),
                start: now,
                end: None,
            })
            .collect();
        for coupon in &new.coupons {
            if let Some(c) = self.coupons.get_mut(coupon) {
                c.times_redeemed += 1;
            }
        }
        let invoice_id = ids::stripe_id("in");
        let subscription = Subscription {
            id: id.clone(),
            created: now,
            customer: new.customer,
            status: if trial_end.is_some() {
                "trialing"
            } else {
                "active"
            }
            .into(),
            currency,
            items,
            metadata: new.metadata,
            description: new.description,
            discounts,
            latest_invoice: Some(invoice_id.clone()),
            trial_start: trial_end.map(|_| now),
            trial_end,
            start_date: now,
            billing_cycle_anchor: period_end,
            periods_billed: 0,
        };
        self.subscriptions.insert(id.clone(), subscription);
        self.emit(origin, now, "customer.subscription.created", &id);
        if let Some(invoice) = self.period_invoice(
            &id,
            &invoice_id,
            "subscription_create",
            now,
            trial_end.is_some(),
        ) {
            let defer = new.default_incomplete && invoice.amount_due() > 0;
            let invoice = self.bill(origin, now, invoice, !defer);
            if defer {
                self.defer_invoice(origin, now, &invoice);
                if let Some(sub) = self.subscriptions.get_mut(&id) {
                    sub.status = "incomplete".into();
                }
            }
        }
        if let Some(sub) = self.subscriptions.get_mut(&id) {
            sub.periods_billed = 1;
        }
        Ok(id)
    }

    /// The invoice for the subscription's current period (its items at their current prices, with
    /// the discounts that still apply; every line at $0 during a trial).
    pub fn period_invoice(
        &self,
        sub_id: &str,
        invoice_id: &str,
        reason: &str,
        now: i64,
        trial: bool,
    ) -> Option<Invoice> {
        let sub = self.subscriptions.get(sub_id)?.clone();
        let lines: Vec<InvoiceLine> = sub
            .items
            .iter()
            .map(|item| {
                let price = self.prices.get(&item.price);
                let product = price.map(|p| p.product.clone()).unwrap_or_default();
                let name = self
                    .products
                    .get(&product)
                    .map_or("Product".to_owned(), |p| p.name.clone());
                let unit = price.map_or(0, |p| p.unit_amount);
                let interval = price
                    .and_then(|p| p.recurring.as_ref())
                    .map_or("month".to_owned(), |r| r.interval.clone());
                let description = if trial {
                    format!("Trial period for {name}")
                } else {
                    format!(
                        "{} × {name} (at {} {} / {interval})",
                        item.quantity,
                        billing::major_units(unit, &sub.currency),
                        sub.currency.to_uppercase()
                    )
                };
                InvoiceLine {
                    id: ids::stripe_id("il"),
                    amount: if trial { 0 } else { unit * item.quantity },
                    description,
                    quantity: item.quantity,
                    period_start: item.period_start,
                    period_end: item.period_end,
                    price: item.price.clone(),
                    product,
                    proration: false,
                    subscription_item: Some(item.id.clone()),
                    discount_amounts: Vec::new(),
                }
            })
            .collect();
        let mut invoice = self.new_invoice(&sub, invoice_id, reason, now, lines);
        self.apply_discounts(&sub, &mut invoice);
        Some(invoice)
    }

    /// An invoice shell for a subscription with these lines.
    pub fn new_invoice(
        &self,
        sub: &Subscription,
        invoice_id: &str,
        reason: &str,
        now: i64,
        lines: Vec<InvoiceLine>,
    ) -> Invoice {
        let customer = self.customers.get(&sub.customer);
        let (start, end) = sub
            .items
            .first()
            .map_or((now, now), |i| (i.period_start, i.period_end));
        Invoice {
            id: invoice_id.to_owned(),
            created: now,
            customer: sub.customer.clone(),
            customer_email: customer.and_then(|c| c.email.clone()),
            customer_name: customer.and_then(|c| c.name.clone()),
            currency: sub.currency.clone(),
            subscription: Some(sub.id.clone()),
            subscription_metadata: None,
            billing_reason: reason.to_owned(),
            lines,
            discounts: Vec::new(),
            status: "draft".into(),
            number: None,
            finalized_at: None,
            paid_at: None,
            // Stripe's first invoice covers `created..created`; later ones the period just ended.
            period_start: if reason == "subscription_create" {
                now
            } else {
                start
            },
            period_end: if reason == "subscription_create" {
                now
            } else {
                end
            },
            payment_intent: None,
            charge: None,
            attempt_count: 0,
            metadata: Metadata::new(),
        }
    }

    /// Applies the subscription's discounts that still apply to this period.
    pub fn apply_discounts(&self, sub: &Subscription, invoice: &mut Invoice) {
        for discount in &sub.discounts {
            let Some(coupon) = self.coupons.get(&discount.coupon) else {
                continue;
            };
            if !billing::coupon_applies(coupon, sub.periods_billed) {
                continue;
            }
            if coupon
                .currency
                .as_ref()
                .is_some_and(|c| *c != invoice.currency)
            {
                continue;
            }
            let payable: Vec<i64> = invoice
                .lines
                .iter()
                .map(|l| l.amount - l.discount_amounts.iter().map(|(a, _)| a).sum::<i64>())
                .collect();
            let amounts = billing::discount_lines(coupon, &payable);
            if amounts.iter().all(|a| *a == 0) {
                continue;
            }
            for (line, amount) in invoice.lines.iter_mut().zip(amounts) {
                line.discount_amounts.push((amount, discount.id.clone()));
            }
            invoice.discounts.push(discount.id.clone());
        }
    }
}

fn parse_items(p: &Params) -> Result<Vec<(String, i64)>, ApiError> {
    p.hashes("items")?
        .iter()
        .map(|item| {
            item.allow(&["price", "quantity", "metadata"])?;
            Ok((
                item.required_str("price")?.to_owned(),
                item.int("quantity")?.unwrap_or(1),
            ))
        })
        .collect()
}

fn parse_coupons(p: &Params) -> Result<Vec<String>, ApiError> {
    let mut coupons: Vec<String> = p
        .str("coupon")?
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .into_iter()
        .collect();
    for d in p.hashes("discounts")? {
        d.allow(&["coupon", "promotion_code", "discount"])?;
        coupons.push(d.required_str("coupon")?.to_owned());
    }
    if p.has("coupon") && p.has("discounts") {
        return Err(ApiError::invalid_request(
            "You may only specify one of these parameters: coupon, discounts.",
            None,
        ));
    }
    Ok(coupons)
}

/// `POST /v1/subscriptions`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Subscriptions, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "customer",
        "items",
        "metadata",
        "trial_period_days",
        "coupon",
        "discounts",
        "description",
        "payment_behavior",
        "default_payment_method",
        "collection_method",
        "off_session",
        "proration_behavior",
        "payment_settings",
    ])?;
    let new = NewSubscription {
        customer: p.required_str("customer")?.to_owned(),
        items: parse_items(p)?,
        metadata: metadata::from_params(p, "metadata")?,
        trial_period_days: p.int("trial_period_days")?,
        coupons: parse_coupons(p)?,
        description: p
            .str("description")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        default_incomplete: match p.str("payment_behavior")? {
            None | Some("allow_incomplete" | "error_if_incomplete" | "pending_if_incomplete") => {
                false
            }
            Some("default_incomplete") => true,
            Some(other) => {
                return Err(ApiError::invalid_request(
                    format!("Invalid payment_behavior: {other}"),
                    Some("payment_behavior".into()),
                ));
            }
        },
    };
    let now = app.clock().now();
    let origin = ctx.origin();
    let expand = ctx.expand()?;
    app.write(|store| {
        let id = store.create_subscription(&origin, now, new)?;
        let mut v = expand::object(store, &id, ctx.shape).unwrap_or_default();
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/subscriptions/{id}`
pub const RETRIEVE: retrieve::One = retrieve::One::expanded(
    Resource::Subscriptions,
    "subscription",
    |store, id, ctx, _| {
        store
            .subscriptions
            .get(id)
            .map(|s| render::subscription(store, s, ctx.shape))
    },
);

/// `POST /v1/subscriptions/{id}`: `metadata`, `description` (emits `customer.subscription.updated`).
/// Price changes go through `/_sandbox/subscriptions/{id}/change_price`.
pub async fn update(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Subscriptions, Access::Write)?;
    let p = &ctx.params;
    p.allow(&["metadata", "description"])?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let before = store
            .subscriptions
            .get(&id)
            .map(|s| render::subscription(store, s, render::Shape::Basil))
            .ok_or_else(|| ApiError::no_such("subscription", &id, "id"))?;
        let sub = store
            .subscriptions
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("subscription", &id, "id"))?;
        metadata::apply(p, "metadata", &mut sub.metadata)?;
        if let Some(d) = p.str("description")? {
            sub.description = (!d.is_empty()).then(|| d.to_owned());
        }
        let after = store
            .subscriptions
            .get(&id)
            .map(|s| render::subscription(store, s, render::Shape::Basil))
            .unwrap_or_default();
        store.emit_with_previous(
            &origin,
            now,
            "customer.subscription.updated",
            &id,
            Some(previous_attributes(&before, &after)),
        );
        Ok(Json(
            store
                .subscriptions
                .get(&id)
                .map(|s| render::subscription(store, s, ctx.shape))
                .unwrap_or_default(),
        ))
    })
}

/// `DELETE /v1/subscriptions/{id}`: cancels at once (emits `customer.subscription.deleted`).
pub async fn cancel(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Subscriptions, Access::Write)?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let sub = store
            .subscriptions
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("subscription", &id, "id"))?;
        if sub.status == "canceled" {
            return Err(ApiError::invalid_request(
                "A canceled subscription can only update its cancellation_details and metadata."
                    .to_string(),
                None,
            ));
        }
        sub.status = "canceled".into();
        store.emit(&origin, now, "customer.subscription.deleted", &id);
        Ok(Json(
            store
                .subscriptions
                .get(&id)
                .map(|s| render::subscription(store, s, ctx.shape))
                .unwrap_or_default(),
        ))
    })
}

/// `GET /v1/subscriptions`: `customer`, `status` (default: every status but `canceled`), `price`,
/// pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::Subscriptions,
        &["customer", "status", "price", "created"],
    )?;
    let p = &ctx.params;
    let customer = p.str("customer")?.map(str::to_owned);
    let status = p.str("status")?.map(str::to_owned);
    let price = p.str("price")?.map(str::to_owned);
    let expand = ctx.expand()?;
    app.read(|store| {
        let items = store
            .subscriptions
            .newest_first()
            .filter(|(_, s)| customer.as_deref().is_none_or(|c| s.customer == c))
            .filter(|(_, s)| match status.as_deref() {
                None => s.status != "canceled",
                Some("all") => true,
                Some(x) => s.status == x,
            })
            .filter(|(_, s)| {
                price
                    .as_deref()
                    .is_none_or(|pr| s.items.iter().any(|i| i.price == pr))
            })
            .map(|(r, s)| (r, render::subscription(store, s, ctx.shape)))
            .collect();
        let mut v = page.apply(
            items,
            |id| store.subscriptions.rank(id),
            "subscription",
            "/v1/subscriptions",
        )?;
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/subscription_items?subscription=sub_...`
pub async fn list_items(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::Subscriptions, &["subscription"])?;
    let p = &ctx.params;
    let id = p.required_str("subscription")?.to_owned();
    app.read(|store| {
        let sub = store
            .subscriptions
            .get(&id)
            .ok_or_else(|| ApiError::no_such("subscription", &id, "subscription"))?;
        let items = sub
            .items
            .iter()
            .map(|i| render::subscription_item(store, &sub.id, i))
            .collect();
        Ok(Json(super::list::ordered(
            &page,
            items,
            "subscription_item",
            &format!("/v1/subscription_items?subscription={id}"),
        )?))
    })
}
