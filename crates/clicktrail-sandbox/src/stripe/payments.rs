//! Payment intents and charges: created when an invoice or a checkout session is paid (a payment
//! always succeeds with the test card `pm_card_visa`, at once or, for a delayed method, later);
//! retrieved and listed through `/v1/payment_intents` and `/v1/charges`.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::StripeApp;
use super::auth::Resource;
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::list;
use super::render;
use super::retrieve;
use super::state::{Charge, Metadata, PaymentIntent, Store};
use crate::ids;

/// What a new payment is for.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    /// The customer paying.
    pub customer: Option<String>,
    /// Minor units.
    pub amount: i64,
    /// Lower-case currency.
    pub currency: String,
    /// `description`
    pub description: Option<String>,
    /// `metadata` of the payment intent and its charge.
    pub metadata: Metadata,
    /// The invoice paid (pre-basil `invoice` on both objects).
    pub invoice: Option<String>,
}

impl Store {
    /// Creates a payment intent; when `settle` it succeeds at once (a charge is created), otherwise
    /// it stays `processing` until [`Store::settle_payment`]. Emits `payment_intent.created`, then
    /// the settlement's events.
    pub fn create_payment(
        &mut self,
        origin: &Origin,
        now: i64,
        payment: NewPayment,
        settle: bool,
    ) -> String {
        let id = ids::stripe_id("pi");
        let pi = PaymentIntent {
            id: id.clone(),
            created: now,
            amount: payment.amount,
            currency: payment.currency,
            customer: payment.customer,
            status: "processing".into(),
            latest_charge: None,
            description: payment.description,
            metadata: payment.metadata,
            invoice: payment.invoice,
        };
        self.payment_intents.insert(id.clone(), pi);
        self.emit(origin, now, "payment_intent.created", &id);
        if settle {
            self.settle_payment(origin, now, &id);
        } else {
            self.emit(origin, now, "payment_intent.processing", &id);
        }
        id
    }

    /// Creates a payment intent that waits for a payment method (`requires_payment_method`), for an
    /// invoice not paid at once. Emits `payment_intent.created`.
    pub fn open_payment(&mut self, origin: &Origin, now: i64, payment: NewPayment) -> String {
        let id = ids::stripe_id("pi");
        let pi = PaymentIntent {
            id: id.clone(),
            created: now,
            amount: payment.amount,
            currency: payment.currency,
            customer: payment.customer,
            status: "requires_payment_method".into(),
            latest_charge: None,
            description: payment.description,
            metadata: payment.metadata,
            invoice: payment.invoice,
        };
        self.payment_intents.insert(id.clone(), pi);
        self.emit(origin, now, "payment_intent.created", &id);
        id
    }

    /// Makes a processing payment intent succeed: creates its charge; emits `charge.succeeded` and
    /// `payment_intent.succeeded`. Returns the charge id (the existing one if already settled).
    pub fn settle_payment(&mut self, origin: &Origin, now: i64, pi_id: &str) -> Option<String> {
        let pi = self.payment_intents.get(pi_id)?.clone();
        if let Some(charge) = pi.latest_charge {
            return Some(charge);
        }
        let email = pi
            .customer
            .as_deref()
            .and_then(|c| self.customers.get(c))
            .and_then(|c| c.email.clone());
        let ch_id = ids::stripe_id("ch");
        let charge = Charge {
            id: ch_id.clone(),
            created: now,
            amount: pi.amount,
            amount_refunded: 0,
            currency: pi.currency.clone(),
            customer: pi.customer.clone(),
            payment_intent: Some(pi.id.clone()),
            invoice: pi.invoice.clone(),
            description: pi.description.clone(),
            email,
            metadata: pi.metadata.clone(),
            disputed: false,
        };
        self.charges.insert(ch_id.clone(), charge);
        if let Some(pi) = self.payment_intents.get_mut(pi_id) {
            pi.status = "succeeded".into();
            pi.latest_charge = Some(ch_id.clone());
        }
        self.emit(origin, now, "charge.succeeded", &ch_id);
        self.emit(origin, now, "payment_intent.succeeded", pi_id);
        Some(ch_id)
    }
}

/// `GET /v1/payment_intents/{id}`
pub const RETRIEVE_PAYMENT_INTENT: retrieve::One = retrieve::One::expanded(
    Resource::PaymentIntents,
    "payment_intent",
    |store, id, ctx, _| {
        store
            .payment_intents
            .get(id)
            .map(|p| render::payment_intent(p, ctx.shape))
    },
)
.with_param("intent");

/// `GET /v1/payment_intents`: `customer`, pagination.
pub async fn list_payment_intents(
    State(app): State<StripeApp>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::PaymentIntents, &["customer", "created"])?;
    let p = &ctx.params;
    let customer = p.str("customer")?.map(str::to_owned);
    app.read(|store| {
        let items = store
            .payment_intents
            .newest_first()
            .filter(|(_, x)| list::keeps(customer.as_deref(), x.customer.as_deref()))
            .map(|(r, x)| (r, render::payment_intent(x, ctx.shape)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.payment_intents.rank(id),
            "payment_intent",
            "/v1/payment_intents",
        )?))
    })
}

/// `GET /v1/charges/{id}`
pub const RETRIEVE_CHARGE: retrieve::One =
    retrieve::One::expanded(Resource::Charges, "charge", |store, id, ctx, _| {
        store.charges.get(id).map(|c| render::charge(c, ctx.shape))
    });

/// `GET /v1/charges`: `customer`, `payment_intent`, pagination.
pub async fn list_charges(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::Charges,
        &["customer", "payment_intent", "created"],
    )?;
    let p = &ctx.params;
    let customer = p.str("customer")?.map(str::to_owned);
    let pi = p.str("payment_intent")?.map(str::to_owned);
    app.read(|store| {
        let items = store
            .charges
            .newest_first()
            .filter(|(_, x)| list::keeps(customer.as_deref(), x.customer.as_deref()))
            .filter(|(_, x)| list::keeps(pi.as_deref(), x.payment_intent.as_deref()))
            .map(|(r, x)| (r, render::charge(x, ctx.shape)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.charges.rank(id),
            "charge",
            "/v1/charges",
        )?))
    })
}
