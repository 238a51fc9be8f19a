//! `/v1/checkout/sessions`: create in `payment` or `subscription` mode (`line_items`, `metadata`,
//! `client_reference_id`, `customer` / `customer_email`, `subscription_data[metadata]`,
//! `subscription_data[trial_period_days]`, `payment_intent_data[metadata]`), retrieve, list (by
//! `payment_intent`, `subscription`, `customer`). Sessions are completed by the sandbox helpers
//! (there is no buyer): paid at once, or — for a delayed payment method — completed unpaid
//! (payment mode: a processing payment intent; subscription mode: an `incomplete` subscription
//! with its first invoice open) and paid later.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::expand;
use super::list::{self, Page};
use super::metadata;
use super::payments::NewPayment;
use super::render;
use super::state::{CheckoutSession, SessionLine, Store};
use super::subscriptions::NewSubscription;

/// Whether Stripe keeps a `client_reference_id`: 1 to 200 characters of `[A-Za-z0-9_-]`.
/// Anything else is dropped silently, as Stripe does.
pub fn valid_client_reference_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Store {
    /// Completes an open session: `delayed` leaves it unpaid (a processing payment intent, or an
    /// `incomplete` subscription with an open first invoice) until [`Store::pay_checkout`]. Emits the payment or subscription events, then
    /// `checkout.session.completed`.
    pub fn complete_checkout(
        &mut self,
        origin: &Origin,
        now: i64,
        id: &str,
        delayed: bool,
    ) -> Result<(), ApiError> {
        let session = self
            .checkout_sessions
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("checkout.session", id, "id"))?;
        if session.status != "open" {
            return Err(ApiError::invalid_request(
                format!("This Checkout Session is already {}.", session.status),
                None,
            ));
        }
        let mut updated = session.clone();
        match session.mode.as_str() {
            "payment" => {
                let pi = self.create_payment(
                    origin,
                    now,
                    NewPayment {
                        customer: session.customer.clone(),
                        amount: session.amount_total,
                        currency: session.currency.clone(),
                        description: None,
                        metadata: session.payment_intent_metadata.clone(),
                        invoice: None,
                    },
                    !delayed,
                );
                updated.payment_intent = Some(pi);
                updated.payment_status = if delayed { "unpaid" } else { "paid" }.into();
            }
            _ => {
                let customer = match &session.customer {
                    Some(c) => c.clone(),
                    None => self.create_customer(origin, now, session.customer_email.clone(), None),
                };
                let sub = self.create_subscription(
                    origin,
                    now,
                    NewSubscription {
                        customer: customer.clone(),
                        items: session
                            .lines
                            .iter()
                            .map(|l| (l.price.clone(), l.quantity))
                            .collect(),
                        metadata: session.subscription_metadata.clone(),
                        trial_period_days: session.trial_period_days,
                        coupons: Vec::new(),
                        // A delayed method leaves the first invoice open until it is paid.
                        default_incomplete: delayed,
                        description: None,
                    },
                )?;
                let invoice = self
                    .subscriptions
                    .get(&sub)
                    .and_then(|s| s.latest_invoice.clone());
                let (due, paid) = invoice
                    .as_deref()
                    .and_then(|i| self.invoices.get(i))
                    .map_or((0, true), |i| (i.amount_due(), i.status == "paid"));
                updated.customer = Some(customer);
                updated.subscription = Some(sub);
                updated.invoice = invoice;
                updated.payment_status = match (due > 0, paid) {
                    (false, _) => "no_payment_required",
                    (true, true) => "paid",
                    (true, false) => "unpaid",
                }
                .into();
            }
        }
        updated.status = "complete".into();
        if let Some(s) = self.checkout_sessions.get_mut(id) {
            *s = updated;
        }
        self.emit(origin, now, "checkout.session.completed", id);
        Ok(())
    }

    /// Pays a session completed with a delayed method: the payment succeeds, then
    /// `checkout.session.async_payment_succeeded`.
    pub fn pay_checkout(&mut self, origin: &Origin, now: i64, id: &str) -> Result<(), ApiError> {
        let session = self
            .checkout_sessions
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("checkout.session", id, "id"))?;
        if !(session.status == "complete" && session.payment_status == "unpaid") {
            return Err(ApiError::invalid_request(
                "Only a completed, unpaid Checkout Session (completed with delayed=true) can be paid later.",
                None,
            ));
        }
        match (&session.payment_intent, &session.invoice) {
            (Some(pi), _) => {
                self.settle_payment(origin, now, pi);
            }
            (None, Some(invoice)) => self.pay_invoice(origin, now, invoice),
            (None, None) => {
                return Err(ApiError::invalid_request(
                    "The session has nothing to pay.",
                    None,
                ));
            }
        }
        if let Some(s) = self.checkout_sessions.get_mut(id) {
            s.payment_status = "paid".into();
        }
        self.emit(origin, now, "checkout.session.async_payment_succeeded", id);
        Ok(())
    }
}

/// `POST /v1/checkout/sessions`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::CheckoutSessions, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "mode",
        "line_items",
        "success_url",
        "cancel_url",
        "customer",
        "customer_email",
        "client_reference_id",
        "metadata",
        "subscription_data",
        "payment_intent_data",
        "allow_promotion_codes",
        "ui_mode",
        "payment_method_types",
        "customer_creation",
        "billing_address_collection",
        "locale",
    ])?;
    let mode = p.required_str("mode")?.to_owned();
    if mode != "payment" && mode != "subscription" {
        return Err(ApiError::invalid_request(
            format!("Invalid mode: the sandbox supports payment and subscription (got {mode})"),
            Some("mode".into()),
        ));
    }
    let mut lines = Vec::new();
    for item in p.hashes("line_items")? {
        item.allow(&["price", "quantity", "adjustable_quantity"])?;
        let quantity = item
            .int("quantity")?
            .ok_or_else(|| ApiError::missing_param(&item.name("quantity")))?;
        if quantity < 1 {
            return Err(ApiError::invalid_request(
                "Invalid quantity: must be at least 1",
                Some(item.name("quantity")),
            ));
        }
        lines.push((
            item.required_str("price")?.to_owned(),
            quantity,
            item.name("price"),
        ));
    }
    if lines.is_empty() {
        return Err(ApiError::missing_param("line_items"));
    }
    if p.has("customer") && p.has("customer_email") {
        return Err(ApiError::invalid_request(
            "You may only specify one of these parameters: customer, customer_email.",
            None,
        ));
    }
    let subscription_data = p.hash("subscription_data")?;
    let payment_intent_data = p.hash("payment_intent_data")?;
    if mode == "payment" && subscription_data.is_some() {
        return Err(ApiError::invalid_request(
            "You can not pass `subscription_data` in `payment` mode.",
            Some("subscription_data".into()),
        ));
    }
    if mode == "subscription" && payment_intent_data.is_some() {
        return Err(ApiError::invalid_request(
            "You can not pass `payment_intent_data` in `subscription` mode.",
            Some("payment_intent_data".into()),
        ));
    }
    let (subscription_metadata, trial_period_days) = match &subscription_data {
        Some(h) => {
            h.allow(&["metadata", "trial_period_days", "description"])?;
            (
                metadata::from_params(h, "metadata")?,
                h.int("trial_period_days")?,
            )
        }
        None => (Default::default(), None),
    };
    let payment_intent_metadata = match &payment_intent_data {
        Some(h) => {
            h.allow(&[
                "metadata",
                "description",
                "receipt_email",
                "setup_future_usage",
            ])?;
            metadata::from_params(h, "metadata")?
        }
        None => Default::default(),
    };
    let meta = metadata::from_params(p, "metadata")?;
    let client_reference_id = p
        .str("client_reference_id")?
        .filter(|s| valid_client_reference_id(s))
        .map(str::to_owned);
    let customer = p
        .str("customer")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let customer_email = p
        .str("customer_email")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let success_url = p.str("success_url")?.map(str::to_owned);
    let cancel_url = p.str("cancel_url")?.map(str::to_owned);
    let now = app.clock().now();
    let expand = ctx.expand()?;
    app.write(|store| {
        if let Some(c) = &customer
            && store.customers.get(c).is_none() {
                return Err(ApiError::no_such("customer", c, "customer"));
            }
        let mut currency: Option<String> = None;
        let mut total = 0;
        let mut recurring_count = 0;
        for (price_id, quantity, param) in &lines {
            let price = store.prices.get(price_id).ok_or_else(|| ApiError::no_such("price", price_id, param))?;
            if price.recurring.is_some() {
                recurring_count += 1;
                if mode == "payment" {
                    return Err(ApiError::invalid_request(
                        "You must be in `subscription` mode to use recurring prices.",
                        Some(param.clone()),
                    ));
                }
            }
            if currency.as_ref().is_some_and(|c| *c != price.currency) {
                return Err(ApiError::invalid_request("All line items must use the same currency.", Some(param.clone())));
            }
            currency = Some(price.currency.clone());
            total += price.unit_amount * quantity;
        }
        if mode == "subscription" && recurring_count == 0 {
            return Err(ApiError::invalid_request(
                "You must provide at least one recurring price in `subscription` mode when using prices.",
                Some("line_items".into()),
            ));
        }
        let id = crate::ids::random_id("cs_test_", 58);
        let session = CheckoutSession {
            id: id.clone(),
            created: now,
            mode: mode.clone(),
            status: "open".into(),
            payment_status: "unpaid".into(),
            metadata: meta,
            client_reference_id,
            customer,
            customer_email,
            success_url,
            cancel_url,
            lines: lines.iter().map(|(price, quantity, _)| SessionLine { id: crate::ids::stripe_id("li"), price: price.clone(), quantity: *quantity }).collect(),
            currency: currency.unwrap_or_default(),
            amount_total: total,
            payment_intent: None,
            subscription: None,
            invoice: None,
            subscription_metadata,
            trial_period_days,
            payment_intent_metadata,
            expires_at: now + 24 * 3600,
        };
        store.checkout_sessions.insert(id.clone(), session);
        let mut v = expand::object(store, &id, ctx.shape).unwrap_or_default();
        if expand.iter().any(|e| e == "line_items") {
            v["line_items"] = line_items(store, &id, &Page { limit: 100, starting_after: None, ending_before: None })?;
        }
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

fn line_items(store: &Store, id: &str, page: &Page) -> Result<Value, ApiError> {
    let session = store
        .checkout_sessions
        .get(id)
        .ok_or_else(|| ApiError::no_such("checkout.session", id, "session"))?;
    let items = session
        .lines
        .iter()
        .map(|l| render::session_item(store, session, l))
        .collect();
    list::ordered(
        page,
        items,
        "item",
        &format!("/v1/checkout/sessions/{id}/line_items"),
    )
}

/// `GET /v1/checkout/sessions/{id}/line_items`
pub async fn list_line_items(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::CheckoutSessions, Access::Read)?;
    ctx.params
        .allow(&["limit", "starting_after", "ending_before"])?;
    let page = Page::from_params(&ctx.params)?;
    let expand = ctx.expand()?;
    app.read(|store| {
        let mut v = line_items(store, &id, &page)?;
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/checkout/sessions/{id}`
pub async fn retrieve(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::CheckoutSessions, Access::Read)?;
    let expand = ctx.expand()?;
    app.read(|store| {
        if store.checkout_sessions.get(&id).is_none() {
            return Err(ApiError::no_such("checkout.session", &id, "session"));
        }
        let mut v = expand::object(store, &id, ctx.shape).unwrap_or_default();
        if expand.iter().any(|e| e == "line_items") {
            v["line_items"] = line_items(
                store,
                &id,
                &Page {
                    limit: 100,
                    starting_after: None,
                    ending_before: None,
                },
            )?;
        }
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/checkout/sessions`: `payment_intent`, `subscription`, `customer`, `status`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::CheckoutSessions,
        &[
            "payment_intent",
            "subscription",
            "customer",
            "status",
            "created",
        ],
    )?;
    let p = &ctx.params;
    let pi = p.str("payment_intent")?.map(str::to_owned);
    let sub = p.str("subscription")?.map(str::to_owned);
    let customer = p.str("customer")?.map(str::to_owned);
    let status = p.str("status")?.map(str::to_owned);
    app.read(|store| {
        let items = store
            .checkout_sessions
            .newest_first()
            .filter(|(_, s)| list::keeps(pi.as_deref(), s.payment_intent.as_deref()))
            .filter(|(_, s)| list::keeps(sub.as_deref(), s.subscription.as_deref()))
            .filter(|(_, s)| list::keeps(customer.as_deref(), s.customer.as_deref()))
            .filter(|(_, s)| status.as_deref().is_none_or(|x| s.status == x))
            .filter_map(|(r, s)| expand::object(store, &s.id, ctx.shape).map(|v| (r, v)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.checkout_sessions.rank(id),
            "checkout.session",
            "/v1/checkout/sessions",
        )?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_reference_id_rules() {
        assert!(valid_client_reference_id("irc_abc-DEF_123"));
        assert!(!valid_client_reference_id(""));
        assert!(!valid_client_reference_id("has space"));
        assert!(!valid_client_reference_id("a:b"));
        assert!(valid_client_reference_id(&"a".repeat(200)));
        assert!(!valid_client_reference_id(&"a".repeat(201)));
    }
}
