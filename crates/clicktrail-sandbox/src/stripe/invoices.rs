//! Invoices and invoice payments: the lifecycle of an invoice (draft, `invoice.created`; finalized
//! with the subscription's metadata frozen into `parent.subscription_details.metadata`,
//! `invoice.finalized`; paid through a payment intent and charge, or at $0 without one,
//! `invoice.paid` and `invoice.payment_succeeded`), and `/v1/invoices`, `/v1/invoice_payments`.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::expand;
use super::list::{self, Page};
use super::payments::NewPayment;
use super::render;
use super::retrieve;
use super::state::{Invoice, InvoicePayment, Store};
use crate::ids;

impl Store {
    /// Records `invoice` as a draft, finalizes it and, when `pay`, pays it at once (a payment intent
    /// and charge when something is due). Emits the events of each step.
    pub fn bill(&mut self, origin: &Origin, now: i64, mut invoice: Invoice, pay: bool) -> String {
        let id = invoice.id.clone();
        invoice.status = "draft".into();
        self.invoices.insert(id.clone(), invoice);
        self.emit(origin, now, "invoice.created", &id);
        self.finalize_invoice(origin, now, &id);
        if pay {
            self.pay_invoice(origin, now, &id);
        }
        id
    }

    fn finalize_invoice(&mut self, origin: &Origin, now: i64, id: &str) {
        self.invoice_seq += 1;
        let seq = self.invoice_seq;
        let Some(invoice) = self.invoices.get(id) else {
            return;
        };
        let prefix = invoice
            .customer
            .get(4..11)
            .unwrap_or("SANDBOX")
            .to_uppercase();
        let snapshot = invoice
            .subscription
            .as_deref()
            .and_then(|s| self.subscriptions.get(s))
            .map(|s| s.metadata.clone());
        if let Some(invoice) = self.invoices.get_mut(id) {
            invoice.status = "open".into();
            invoice.number = Some(format!("{prefix}-{seq:04}"));
            invoice.finalized_at = Some(now);
            if invoice.subscription.is_some() {
                invoice.subscription_metadata = snapshot;
            }
        }
        self.emit(origin, now, "invoice.finalized", id);
    }

    /// The payment intent an open invoice is collected with: the one created earlier (after a failed
    /// or deferred attempt), else a new one, `requires_payment_method` until settled.
    fn invoice_payment_intent(&mut self, origin: &Origin, now: i64, id: &str) -> Option<String> {
        let invoice = self.invoices.get(id)?.clone();
        if let Some(pi) = invoice.payment_intent {
            return Some(pi);
        }
        let description = match invoice.billing_reason.as_str() {
            "subscription_create" => "Subscription creation",
            "subscription_cycle" => "Subscription cycle",
            "subscription_update" => "Subscription update",
            _ => "Invoice payment",
        };
        let pi = self.open_payment(
            origin,
            now,
            NewPayment {
                customer: Some(invoice.customer.clone()),
                amount: invoice.amount_due(),
                currency: invoice.currency.clone(),
                description: Some(description.into()),
                metadata: Default::default(),
                invoice: Some(id.to_owned()),
            },
        );
        if let Some(invoice) = self.invoices.get_mut(id) {
            invoice.payment_intent = Some(pi.clone());
        }
        Some(pi)
    }

    /// Leaves an open invoice unpaid with a payment intent waiting for a payment method
    /// (`payment_behavior=default_incomplete`).
    pub fn defer_invoice(&mut self, origin: &Origin, now: i64, id: &str) {
        if self
            .invoices
            .get(id)
            .is_some_and(|i| i.status == "open" && i.amount_due() > 0)
        {
            self.invoice_payment_intent(origin, now, id);
        }
    }

    /// Pays an open invoice: a payment (when something is due), its invoice payment, then
    /// `invoice_payment.paid`, `invoice.paid`, `invoice.payment_succeeded`; a subscription waiting
    /// on it (`incomplete`, `past_due`) becomes `active`.
    pub fn pay_invoice(&mut self, origin: &Origin, now: i64, id: &str) {
        let Some(invoice) = self.invoices.get(id).cloned() else {
            return;
        };
        if invoice.status != "open" {
            return;
        }
        let due = invoice.amount_due();
        let mut inpay = None;
        if due > 0 {
            let Some(pi) = self.invoice_payment_intent(origin, now, id) else {
                return;
            };
            let charge = self.settle_payment(origin, now, &pi);
            let inpay_id = ids::stripe_id("inpay");
            self.invoice_payments.insert(
                inpay_id.clone(),
                InvoicePayment {
                    id: inpay_id.clone(),
                    created: now,
                    invoice: id.to_owned(),
                    amount: due,
                    currency: invoice.currency.clone(),
                    payment_intent: pi,
                    paid_at: now,
                },
            );
            if let Some(invoice) = self.invoices.get_mut(id) {
                invoice.charge = charge;
                invoice.attempt_count += 1;
            }
            inpay = Some(inpay_id);
        }
        if let Some(invoice) = self.invoices.get_mut(id) {
            invoice.status = "paid".into();
            invoice.paid_at = Some(now);
        }
        if let Some(inpay) = &inpay {
            self.emit(origin, now, "invoice_payment.paid", inpay);
        }
        self.emit(origin, now, "invoice.paid", id);
        self.emit(origin, now, "invoice.payment_succeeded", id);
        self.set_subscription_status(
            origin,
            now,
            invoice.subscription.as_deref(),
            &["incomplete", "past_due"],
            "active",
        );
    }

    /// A failed collection attempt (card declined): the invoice stays open,
    /// `payment_intent.payment_failed` and `invoice.payment_failed` are emitted, and its
    /// subscription becomes `past_due` (`incomplete` for a first invoice).
    pub fn fail_invoice(&mut self, origin: &Origin, now: i64, id: &str) {
        let Some(invoice) = self.invoices.get(id).cloned() else {
            return;
        };
        if invoice.status != "open" || invoice.amount_due() == 0 {
            return;
        }
        let Some(pi) = self.invoice_payment_intent(origin, now, id) else {
            return;
        };
        if let Some(invoice) = self.invoices.get_mut(id) {
            invoice.attempt_count += 1;
        }
        self.emit(origin, now, "payment_intent.payment_failed", &pi);
        self.emit(origin, now, "invoice.payment_failed", id);
        let status = if invoice.billing_reason == "subscription_create" {
            "incomplete"
        } else {
            "past_due"
        };
        self.set_subscription_status(
            origin,
            now,
            invoice.subscription.as_deref(),
            &["active", "trialing"],
            status,
        );
    }

    fn set_subscription_status(
        &mut self,
        origin: &Origin,
        now: i64,
        sub: Option<&str>,
        from: &[&str],
        to: &str,
    ) {
        let Some(sub) = sub else { return };
        let Some(s) = self.subscriptions.get_mut(sub) else {
            return;
        };
        if !from.contains(&s.status.as_str()) {
            return;
        }
        let previous = std::mem::replace(&mut s.status, to.to_owned());
        self.emit_with_previous(
            origin,
            now,
            "customer.subscription.updated",
            sub,
            Some(serde_json::json!({"status": previous})),
        );
    }
}

/// `GET /v1/invoices/{id}`
pub const RETRIEVE: retrieve::One =
    retrieve::One::expanded(Resource::Invoices, "invoice", |store, id, ctx, paths| {
        store.invoices.get(id).map(|i| {
            let mut v = render::invoice(store, i, ctx.shape);
            expand_payments(store, &mut v, paths);
            v
        })
    })
    .with_param("invoice");

/// `GET /v1/invoices/{id}/lines`
pub async fn list_lines(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Invoices, Access::Read)?;
    ctx.params
        .allow(&["limit", "starting_after", "ending_before"])?;
    let page = Page::from_params(&ctx.params)?;
    app.read(|store| {
        let invoice = store
            .invoices
            .get(&id)
            .ok_or_else(|| ApiError::no_such("invoice", &id, "invoice"))?;
        let rendered = render::invoice(store, invoice, ctx.shape);
        let lines = rendered["lines"]["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok(Json(list::ordered(
            &page,
            lines,
            "line_item",
            &format!("/v1/invoices/{id}/lines"),
        )?))
    })
}

/// `expand[]=payments` on an invoice: its invoice payments as a list (basil+).
fn expand_payments(store: &Store, invoice: &mut Value, expand: &[String]) {
    if !expand.iter().any(|e| e == "payments") {
        return;
    }
    let Some(id) = invoice["id"].as_str().map(str::to_owned) else {
        return;
    };
    let data: Vec<Value> = store
        .invoice_payments
        .newest_first()
        .filter(|(_, p)| p.invoice == id)
        .map(|(_, p)| render::invoice_payment(p))
        .collect();
    invoice["payments"] = render::list(data, false, &format!("/v1/invoice_payments?invoice={id}"));
}

/// `GET /v1/invoices`: `customer`, `subscription`, `status`, `created`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::Invoices,
        &[
            "customer",
            "subscription",
            "status",
            "created",
            "collection_method",
        ],
    )?;
    let p = &ctx.params;
    let customer = p.str("customer")?.map(str::to_owned);
    let subscription = p.str("subscription")?.map(str::to_owned);
    let status = p.str("status")?.map(str::to_owned);
    let created = super::events::CreatedFilter::from_params(p)?;
    let expand = ctx.expand()?;
    app.read(|store| {
        let items = store
            .invoices
            .newest_first()
            .filter(|(_, i)| customer.as_deref().is_none_or(|c| i.customer == c))
            .filter(|(_, i)| list::keeps(subscription.as_deref(), i.subscription.as_deref()))
            .filter(|(_, i)| status.as_deref().is_none_or(|s| i.status == s))
            .filter(|(_, i)| created.matches(i.created))
            .map(|(r, i)| (r, render::invoice(store, i, ctx.shape)))
            .collect();
        let mut v = page.apply(
            items,
            |id| store.invoices.rank(id),
            "invoice",
            "/v1/invoices",
        )?;
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// `GET /v1/invoice_payments/{id}`
pub const RETRIEVE_PAYMENT: retrieve::One = retrieve::One::plain(
    Resource::InvoicePayments,
    "invoice_payment",
    |store, id, _, _| store.invoice_payments.get(id).map(render::invoice_payment),
);

/// `GET /v1/invoice_payments`: `invoice`, or `payment[type]=payment_intent` with
/// `payment[payment_intent]`; `status`; pagination.
pub async fn list_payments(
    State(app): State<StripeApp>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::InvoicePayments, &["invoice", "payment", "status"])?;
    let p = &ctx.params;
    let invoice = p.str("invoice")?.map(str::to_owned);
    let status = p.str("status")?.map(str::to_owned);
    let payment_intent = match p.hash("payment")? {
        None => None,
        Some(h) => {
            h.allow(&["type", "payment_intent", "payment_record"])?;
            let kind = h.required_str("type")?;
            if kind != "payment_intent" && kind != "payment_record" {
                return Err(ApiError::invalid_request(
                    "Invalid payment[type]: must be one of payment_intent or payment_record"
                        .to_string(),
                    Some("payment[type]".into()),
                ));
            }
            if kind == "payment_record" {
                // The sandbox has no payment records: nothing matches.
                Some(String::new())
            } else {
                Some(h.required_str("payment_intent")?.to_owned())
            }
        }
    };
    app.read(|store| {
        let items = store
            .invoice_payments
            .newest_first()
            .filter(|(_, x)| invoice.as_deref().is_none_or(|i| x.invoice == i))
            .filter(|(_, x)| {
                payment_intent
                    .as_deref()
                    .is_none_or(|pi| x.payment_intent == pi)
            })
            .filter(|(_, _)| status.as_deref().is_none_or(|s| s == "paid"))
            .map(|(r, x)| (r, render::invoice_payment(x)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.invoice_payments.rank(id),
            "invoice_payment",
            "/v1/invoice_payments",
        )?))
    })
}
