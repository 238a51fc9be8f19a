//! The Stripe emulator's own endpoints, under `/_sandbox/` (no API key needed; loopback only).
//! Parameters are form fields or query parameters; answers are JSON; errors use Stripe's envelope.
//!
//! | endpoint | what it does |
//! |---|---|
//! | `POST /_sandbox/subscriptions/{id}/advance` (`fail=true` optional) | bills the next period: moves the clock to the period end (if ahead), rolls the period, ends a trial, and pays an invoice with `billing_reason = subscription_cycle` (or, with `fail`, declines it: `invoice.payment_failed`, subscription `past_due`) |
//! | `POST /_sandbox/invoices/{id}/pay` | pays an open invoice (after a failure, or `payment_behavior=default_incomplete`); its subscription becomes `active` |
//! | `POST /_sandbox/invoices/{id}/fail` | a declined collection attempt on an open invoice |
//! | `POST /_sandbox/subscriptions/{id}/change_price` (`price`, optional `item`) | swaps the item's price now and pays a `subscription_update` invoice with two proration lines: unused time on the old price (negative) and remaining time on the new one |
//! | `POST /_sandbox/checkout/sessions/{id}/complete` (`delayed=true` optional) | completes a session as a buyer would: paid at once, or completed unpaid (a delayed method) |
//! | `POST /_sandbox/checkout/sessions/{id}/pay` | pays a session completed with `delayed=true`: `checkout.session.async_payment_succeeded` |
//! | `GET /_sandbox/checkout/sessions/{id}/page` | a minimal hosted checkout page (the session's `url`): one button completes it and redirects to `success_url` |
//! | `POST /_sandbox/charges/{id}/dispute` (optional `status` = `lost` (default), `won` or `warning_closed`; `amount`, default the charge's; `reason`, default `fraudulent`) | the cardholder disputes the charge: a dispute opens (`charge.dispute.created`, `needs_response`, or `warning_needs_response` for `warning_closed`) and closes with `status` (`charge.dispute.closed`); the charge becomes `disputed`; answers the closed dispute ([`super::disputes`]) |
//! | `GET /_sandbox/deliveries` (`event`, `endpoint` optional) | every webhook delivery attempt, oldest first |
//! | `POST /_sandbox/events/{id}/resend` (`endpoint`) | delivers an event to an endpoint again |
//! | `POST /_sandbox/clock/advance` (`seconds`) | moves the sandbox clock forward |
//! | `POST /_sandbox/reset` | forgets every object, event and delivery |

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::StripeApp;
use super::billing;
use super::context::Origin;
use super::delivery;
use super::disputes::NewDispute;
use super::error::ApiError;
use super::expand;
use super::form::Params;
use super::render::Shape;
use super::state::{Invoice, InvoiceLine, Store};
use crate::ids;

/// The helper routes.
pub fn router() -> Router<StripeApp> {
    Router::new()
        .route("/_sandbox/subscriptions/{id}/advance", post(advance))
        .route(
            "/_sandbox/subscriptions/{id}/change_price",
            post(change_price),
        )
        .route("/_sandbox/invoices/{id}/pay", post(pay_invoice))
        .route("/_sandbox/invoices/{id}/fail", post(fail_invoice))
        .route("/_sandbox/checkout/sessions/{id}/complete", post(complete))
        .route("/_sandbox/checkout/sessions/{id}/pay", post(pay))
        .route("/_sandbox/checkout/sessions/{id}/page", get(page))
        .route("/_sandbox/charges/{id}/dispute", post(dispute))
        .route("/_sandbox/deliveries", get(deliveries))
        .route("/_sandbox/events/{id}/resend", post(resend))
        .route("/_sandbox/clock/advance", post(clock_advance))
        .route("/_sandbox/reset", post(reset))
}

/// Form body and query string together (the body wins).
fn params(query: Option<String>, body: &Bytes) -> Result<Params, ApiError> {
    let mut raw = query.unwrap_or_default().into_bytes();
    if !body.is_empty() {
        if !raw.is_empty() {
            raw.push(b'&');
        }
        raw.extend_from_slice(body);
    }
    Params::parse(&raw)
}

fn helper_origin() -> Origin {
    Origin {
        request_id: None,
        idempotency_key: None,
    }
}

fn render(store: &Store, id: &str) -> Json<Value> {
    Json(expand::object(store, id, Shape::Basil).unwrap_or_default())
}

impl Store {
    /// Bills the subscription's next period at `now` (a `subscription_cycle` invoice, paid).
    pub fn bill_next_period(&mut self, now: i64, id: &str, fail: bool) -> Result<String, ApiError> {
        let origin = helper_origin();
        let sub = self
            .subscriptions
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("subscription", id, "id"))?;
        if sub.status == "canceled" {
            return Err(ApiError::invalid_request(
                "This subscription is canceled.",
                None,
            ));
        }
        let was_trialing = sub.status == "trialing";
        let previous_start = sub.items.first().map_or(now, |i| i.period_start);
        {
            let prices = &self.prices;
            let sub = self
                .subscriptions
                .get_mut(id)
                .ok_or_else(|| ApiError::no_such("subscription", id, "id"))?;
            for item in &mut sub.items {
                let (interval, count) = prices
                    .get(&item.price)
                    .and_then(|p| p.recurring.as_ref())
                    .map_or(("month".to_owned(), 1), |r| {
                        (r.interval.clone(), r.interval_count)
                    });
                item.period_start = item.period_end;
                item.period_end = billing::period_end(item.period_start, &interval, count);
            }
            if sub.status == "trialing" {
                sub.status = "active".into();
            }
        }
        let invoice_id = ids::stripe_id("in");
        if let Some(sub) = self.subscriptions.get_mut(id) {
            sub.latest_invoice = Some(invoice_id.clone());
        }
        let previous = if was_trialing {
            json!({"status": "trialing"})
        } else {
            json!({"latest_invoice": sub.latest_invoice})
        };
        self.emit_with_previous(
            &origin,
            now,
            "customer.subscription.updated",
            id,
            Some(previous),
        );
        // The lines bill the period that starts now (in advance); the invoice's own period is the
        // one that just ended, as at Stripe.
        let mut invoice = self
            .period_invoice(id, &invoice_id, "subscription_cycle", now, false)
            .ok_or_else(|| ApiError::no_such("subscription", id, "id"))?;
        if let Some(item) = self.subscriptions.get(id).and_then(|s| s.items.first()) {
            invoice.period_start = previous_start;
            invoice.period_end = item.period_start;
        }
        self.bill(&origin, now, invoice, !fail);
        if fail {
            self.fail_invoice(&origin, now, &invoice_id);
        }
        if let Some(sub) = self.subscriptions.get_mut(id) {
            sub.periods_billed += 1;
        }
        Ok(invoice_id)
    }

    /// Swaps an item's price at `now` and bills the proration (`subscription_update`, paid).
    pub fn change_price(
        &mut self,
        now: i64,
        id: &str,
        price_id: &str,
        item_id: Option<&str>,
    ) -> Result<String, ApiError> {
        let origin = helper_origin();
        let sub = self
            .subscriptions
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("subscription", id, "id"))?;
        let item = match item_id {
            Some(i) => sub
                .items
                .iter()
                .find(|x| x.id == i)
                .ok_or_else(|| ApiError::no_such("subscription_item", i, "item"))?,
            None => sub
                .items
                .first()
                .ok_or_else(|| ApiError::invalid_request("The subscription has no items.", None))?,
        }
        .clone();
        let new_price = self
            .prices
            .get(price_id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("price", price_id, "price"))?;
        if new_price.recurring.is_none() || new_price.currency != sub.currency {
            return Err(ApiError::invalid_request(
                "The new price must be recurring and in the subscription's currency.",
                Some("price".into()),
            ));
        }
        let old_price = self
            .prices
            .get(&item.price)
            .cloned()
            .ok_or_else(|| ApiError::no_such("price", &item.price, "price"))?;
        let name = |product: &str| {
            self.products
                .get(product)
                .map_or("Product".to_owned(), |p| p.name.clone())
        };
        let (old_name, new_name) = (name(&old_price.product), name(&new_price.product));
        let when = crate::clock::rfc3339(now);
        let date = &when[..10];
        let unused = billing::prorate(
            old_price.unit_amount * item.quantity,
            item.period_start,
            item.period_end,
            now,
        );
        let remaining = billing::prorate(
            new_price.unit_amount * item.quantity,
            item.period_start,
            item.period_end,
            now,
        );
        let line = |amount: i64, description: String, price: &str, product: &str| InvoiceLine {
            id: ids::stripe_id("il"),
            amount,
            description,
            quantity: item.quantity,
            period_start: now,
            period_end: item.period_end,
            price: price.to_owned(),
            product: product.to_owned(),
            proration: true,
            subscription_item: Some(item.id.clone()),
            discount_amounts: Vec::new(),
        };
        let lines = vec![
            line(
                -unused,
                format!("Unused time on {} × {old_name} after {date}", item.quantity),
                &old_price.id,
                &old_price.product,
            ),
            line(
                remaining,
                format!(
                    "Remaining time on {} × {new_name} after {date}",
                    item.quantity
                ),
                &new_price.id,
                &new_price.product,
            ),
        ];
        if let Some(s) = self.subscriptions.get_mut(id)
            && let Some(i) = s.items.iter_mut().find(|i| i.id == item.id)
        {
            i.price = new_price.id.clone();
        }
        let invoice_id = ids::stripe_id("in");
        let sub = self
            .subscriptions
            .get_mut(id)
            .ok_or_else(|| ApiError::no_such("subscription", id, "id"))?;
        sub.latest_invoice = Some(invoice_id.clone());
        let sub = sub.clone();
        self.emit_with_previous(
            &origin,
            now,
            "customer.subscription.updated",
            id,
            Some(json!({"items": {"data": [{"price": {"id": old_price.id}}]}})),
        );
        let mut invoice = self.new_invoice(&sub, &invoice_id, "subscription_update", now, lines);
        invoice.period_start = now;
        invoice.period_end = now;
        self.bill(&origin, now, invoice, true);
        Ok(invoice_id)
    }
}

async fn advance(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = params(query, &body)?;
    p.allow(&["fail"])?;
    let fail = p.bool("fail")?.unwrap_or(false);
    let period_end = app.read(|s| {
        s.subscriptions
            .get(&id)
            .and_then(|s| s.items.first().map(|i| i.period_end))
    });
    let period_end = period_end.ok_or_else(|| ApiError::no_such("subscription", &id, "id"))?;
    let now = app.clock().now();
    if period_end > now {
        app.clock().advance(period_end - now);
    }
    let now = app.clock().now();
    app.write(|store| {
        let invoice = store.bill_next_period(now, &id, fail)?;
        Ok(render(store, &invoice))
    })
}

async fn pay_invoice(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    collect_invoice(
        &app,
        &id,
        |invoice| {
            (invoice.status != "open").then(|| format!("Invoice is already {}.", invoice.status))
        },
        Store::pay_invoice,
    )
}

async fn fail_invoice(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    collect_invoice(
        &app,
        &id,
        |invoice| {
            (invoice.status != "open" || invoice.amount_due() == 0)
                .then(|| "Only an open invoice with an amount due can fail.".to_owned())
        },
        Store::fail_invoice,
    )
}

/// One collection attempt on invoice `id`: `collect` pays or declines it, unless `refusal` says
/// why this invoice cannot take the attempt (a 400); answers the invoice.
fn collect_invoice(
    app: &StripeApp,
    id: &str,
    refusal: impl FnOnce(&Invoice) -> Option<String>,
    collect: fn(&mut Store, &Origin, i64, &str),
) -> Result<Json<Value>, ApiError> {
    let now = app.clock().now();
    app.write(|store| {
        let invoice = store
            .invoices
            .get(id)
            .ok_or_else(|| ApiError::no_such("invoice", id, "id"))?;
        if let Some(message) = refusal(invoice) {
            return Err(ApiError::invalid_request(message, None));
        }
        collect(store, &helper_origin(), now, id);
        Ok(render(store, id))
    })
}

async fn change_price(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = params(query, &body)?;
    p.allow(&["price", "item"])?;
    let price = p.required_str("price")?.to_owned();
    let item = p.str("item")?.map(str::to_owned);
    let now = app.clock().now();
    app.write(|store| {
        let invoice = store.change_price(now, &id, &price, item.as_deref())?;
        Ok(render(store, &invoice))
    })
}

async fn complete(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let p = params(query, &body)?;
    p.allow(&["delayed", "redirect"])?;
    let delayed = p.bool("delayed")?.unwrap_or(false);
    let redirect = p.bool("redirect")?.unwrap_or(false);
    let now = app.clock().now();
    app.write(|store| {
        store.complete_checkout(&helper_origin(), now, &id, delayed)?;
        let success_url = store
            .checkout_sessions
            .get(&id)
            .and_then(|s| s.success_url.clone());
        match (redirect, success_url) {
            (true, Some(url)) => {
                Ok(Redirect::to(&url.replace("{CHECKOUT_SESSION_ID}", &id)).into_response())
            }
            _ => Ok(render(store, &id).into_response()),
        }
    })
}

async fn pay(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let now = app.clock().now();
    app.write(|store| {
        store.pay_checkout(&helper_origin(), now, &id)?;
        Ok(render(store, &id))
    })
}

async fn dispute(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let new = NewDispute::from_params(&params(query, &body)?)?;
    let now = app.clock().now();
    app.write(|store| {
        let dispute = store.dispute_charge(&helper_origin(), now, &id, new)?;
        Ok(render(store, &dispute))
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn page(State(app): State<StripeApp>, Path(id): Path<String>) -> Result<Response, ApiError> {
    app.read(|store| {
        let s = store.checkout_sessions.get(&id).ok_or_else(|| ApiError::no_such("checkout.session", &id, "id"))?;
        let total = format!("{} {}", billing::major_units(s.amount_total, &s.currency), s.currency.to_uppercase());
        let lines: String = s
            .lines
            .iter()
            .map(|l| {
                let name = store
                    .prices
                    .get(&l.price)
                    .and_then(|p| store.products.get(&p.product))
                    .map_or(l.price.clone(), |p| p.name.clone());
                format!("<li>{} × {}</li>", l.quantity, escape(&name))
            })
            .collect();
        let id = escape(&s.id);
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sandbox checkout</title></head><body>\
             <h1>clicktrail sandbox checkout</h1><p>Session <code>{id}</code> ({mode}, {status})</p><ul>{lines}</ul>\
             <p>Total: <strong>{total}</strong></p>\
             <form method=\"post\" action=\"/_sandbox/checkout/sessions/{id}/complete?redirect=true\">\
             <button type=\"submit\" id=\"pay\">Pay {total}</button></form></body></html>",
            mode = escape(&s.mode),
            status = escape(&s.status),
        );
        Ok(([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response())
    })
}

async fn deliveries(
    State(app): State<StripeApp>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = params(query, &Bytes::new())?;
    p.allow(&["event", "endpoint"])?;
    let event = p.str("event")?.map(str::to_owned);
    let endpoint = p.str("endpoint")?.map(str::to_owned);
    Ok(Json(app.read(|store| {
        json!(
            store
                .deliveries
                .iter()
                .filter(|d| event.as_deref().is_none_or(|e| d.event == e))
                .filter(|d| endpoint.as_deref().is_none_or(|e| d.endpoint == e))
                .collect::<Vec<_>>()
        )
    })))
}

async fn resend(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = params(query, &body)?;
    p.allow(&["endpoint"])?;
    let endpoint = p.required_str("endpoint")?.to_owned();
    app.write(|store| {
        store
            .webhook_endpoints
            .get(&endpoint)
            .ok_or_else(|| ApiError::no_such("webhook_endpoint", &endpoint, "endpoint"))?;
        let event = store
            .events
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("event", &id, "id"))?;
        if !event.targets.iter().any(|t| t.endpoint == endpoint) {
            event.targets.push(super::state::Target {
                endpoint: endpoint.clone(),
                delivered: false,
                failed: false,
            });
        }
        Ok(())
    })?;
    delivery::resend(&app, &id, &endpoint);
    Ok(Json(
        json!({"event": id, "endpoint": endpoint, "queued": true}),
    ))
}

async fn clock_advance(
    State(app): State<StripeApp>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = params(query, &body)?;
    p.allow(&["seconds"])?;
    let seconds = p
        .int("seconds")?
        .ok_or_else(|| ApiError::missing_param("seconds"))?;
    if seconds < 0 {
        return Err(ApiError::invalid_request(
            "The sandbox clock only moves forward.",
            Some("seconds".into()),
        ));
    }
    app.clock().advance(seconds);
    Ok(Json(json!({"now": app.clock().now()})))
}

async fn reset(State(app): State<StripeApp>) -> Json<Value> {
    app.write(|store| {
        let base_url = std::mem::take(&mut store.base_url);
        let api_version = std::mem::take(&mut store.api_version);
        *store = Store {
            base_url,
            api_version,
            ..Store::default()
        };
    });
    Json(json!({"reset": true}))
}
