//! The Stripe API emulator: Stripe's wire format (form bodies with bracket keys, Bearer or Basic
//! keys, JSON answers, Stripe's error envelope, list objects, `Idempotency-Key` replays,
//! `Stripe-Version` shapes), the resources clicktrail touches, the events each change emits, and
//! signed webhook delivery with retries.
//!
//! # Layout
//! - [`form`]: bracket-key form decoding into a parameter tree; [`error`]: the error envelope;
//!   [`auth`]: secret and restricted keys; [`idempotency`]: `Idempotency-Key` replays;
//!   [`list`]: pagination; [`expand`]: `expand[]`; [`retrieve`]: the shared `GET .../{id}`; [`render`]: JSON per API version;
//!   [`metadata`]: `metadata[...]` with Stripe's limits.
//! - [`state`]: the in-memory store; [`context`]: what each request carries (caller, version,
//!   parameters).
//! - One file per resource: [`customers`], [`catalog`] (products, prices, coupons),
//!   [`subscriptions`], [`billing`] (invoice arithmetic, pure), [`invoices`] (invoices, invoice
//!   payments), [`payments`] (payment intents, charges), [`checkout`], [`refunds`],
//!   [`disputes`], [`events`], [`webhooks`] (endpoints).
//! - [`delivery`]: the background task that signs and posts events, with retries.
//! - [`helpers`]: the `/_sandbox/` endpoints (bill a period, decline or pay an invoice, change a
//!   price, complete a checkout, dispute a charge, list deliveries, move the clock, reset).

pub mod auth;
pub mod billing;
pub mod catalog;
pub mod checkout;
pub mod context;
pub mod customers;
pub mod delivery;
pub mod disputes;
pub mod error;
pub mod events;
pub mod expand;
pub mod form;
pub mod helpers;
pub mod idempotency;
pub mod invoices;
pub mod list;
pub mod metadata;
pub mod payments;
pub mod promotion_codes;
pub mod refunds;
pub mod render;
pub mod retrieve;
pub mod state;
pub mod subscriptions;
pub mod webhooks;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::mpsc;

use crate::clock::Clock;
use auth::{Keys, RestrictedKey};
use error::ApiError;
use state::Store;

/// The secret key every sandbox accepts unless configured otherwise.
pub const DEFAULT_SECRET_KEY: &str = "sk_test_sandbox";

/// How the Stripe emulator behaves. Its `Debug` redacts the keys.
#[derive(Clone)]
pub struct StripeConfig {
    /// Secret keys accepted (every permission).
    pub secret_keys: Vec<String>,
    /// Restricted keys and their permissions.
    pub restricted_keys: Vec<RestrictedKey>,
    /// The account id named in permission errors.
    pub account_id: String,
    /// The account's default API version (used when a request sends no `Stripe-Version` and for
    /// events delivered to endpoints without a pinned version).
    pub default_api_version: String,
    /// Multiplies the webhook retry schedule (1.0 = Stripe's test-mode pace; 0.001 for tests).
    pub delivery_retry_scale: f64,
    /// How long a webhook receiver may take to answer.
    pub delivery_timeout: Duration,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field(
                "secret_keys",
                &self
                    .secret_keys
                    .iter()
                    .map(|k| auth::redact(k))
                    .collect::<Vec<_>>(),
            )
            .field("restricted_keys", &self.restricted_keys)
            .field("account_id", &self.account_id)
            .field("default_api_version", &self.default_api_version)
            .field("delivery_retry_scale", &self.delivery_retry_scale)
            .field("delivery_timeout", &self.delivery_timeout)
            .finish()
    }
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_keys: vec![DEFAULT_SECRET_KEY.to_owned()],
            restricted_keys: Vec::new(),
            account_id: "acct_1ClicktrailSandbox".to_owned(),
            default_api_version: render::BASIL.to_owned(),
            delivery_retry_scale: 1.0,
            delivery_timeout: Duration::from_secs(10),
        }
    }
}

/// The emulator's shared state: configuration, store, clock and the delivery queue.
#[derive(Debug, Clone)]
pub struct StripeApp {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: StripeConfig,
    keys: Keys,
    store: Mutex<Store>,
    clock: Clock,
    base_url: String,
    deliveries: mpsc::UnboundedSender<(String, String)>,
}

impl StripeApp {
    /// Builds the state; returns the receiving end of the delivery queue for [`delivery::run`].
    pub fn new(
        config: StripeConfig,
        clock: Clock,
        base_url: String,
    ) -> (Self, mpsc::UnboundedReceiver<(String, String)>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let keys = Keys::new(config.secret_keys.clone(), config.restricted_keys.clone());
        let store = Store {
            base_url: base_url.clone(),
            api_version: config.default_api_version.clone(),
            ..Store::default()
        };
        let inner = Inner {
            config,
            keys,
            store: Mutex::new(store),
            clock,
            base_url,
            deliveries: tx,
        };
        (
            Self {
                inner: Arc::new(inner),
            },
            rx,
        )
    }

    /// The configuration.
    pub fn config(&self) -> &StripeConfig {
        &self.inner.config
    }

    /// The accepted keys.
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The wall clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The emulator's own base URL (`http://127.0.0.1:12111`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the store.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(&self.lock())
    }

    /// Changes the store, then queues the deliveries of the events it emitted.
    pub fn write<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let (out, jobs) = {
            let mut store = self.lock();
            let out = f(&mut store);
            (out, std::mem::take(&mut store.outbox))
        };
        for job in jobs {
            // The receiver lives as long as the sandbox; a send after shutdown is moot.
            let _ = self.inner.deliveries.send(job);
        }
        out
    }

    /// Requeues a delivery (used by [`delivery`] retries).
    pub(crate) fn queue(&self, job: (String, String)) {
        let _ = self.inner.deliveries.send(job);
    }
}

/// The emulator's routes.
pub fn router(app: StripeApp) -> Router {
    Router::new()
        .route(
            "/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/v1/customers/{id}",
            customers::RETRIEVE
                .get()
                .post(customers::update)
                .delete(customers::delete),
        )
        .route(
            "/v1/products",
            get(catalog::list_products).post(catalog::create_product),
        )
        .route(
            "/v1/products/{id}",
            catalog::RETRIEVE_PRODUCT
                .get()
                .post(catalog::update_product),
        )
        .route(
            "/v1/prices",
            get(catalog::list_prices).post(catalog::create_price),
        )
        .route("/v1/prices/{id}", catalog::RETRIEVE_PRICE.get())
        .route(
            "/v1/coupons",
            get(catalog::list_coupons).post(catalog::create_coupon),
        )
        .route("/v1/coupons/{id}", catalog::RETRIEVE_COUPON.get())
        .route(
            "/v1/promotion_codes",
            axum::routing::post(promotion_codes::create),
        )
        .route("/v1/promotion_codes/{id}", promotion_codes::RETRIEVE.get())
        .route(
            "/v1/subscriptions",
            get(subscriptions::list).post(subscriptions::create),
        )
        .route(
            "/v1/subscriptions/{id}",
            subscriptions::RETRIEVE
                .get()
                .post(subscriptions::update)
                .delete(subscriptions::cancel),
        )
        .route("/v1/invoices", get(invoices::list))
        .route("/v1/invoices/{id}", invoices::RETRIEVE.get())
        .route("/v1/invoices/{id}/lines", get(invoices::list_lines))
        .route("/v1/subscription_items", get(subscriptions::list_items))
        .route("/v1/invoice_payments", get(invoices::list_payments))
        .route(
            "/v1/invoice_payments/{id}",
            invoices::RETRIEVE_PAYMENT.get(),
        )
        .route("/v1/payment_intents", get(payments::list_payment_intents))
        .route(
            "/v1/payment_intents/{id}",
            payments::RETRIEVE_PAYMENT_INTENT.get(),
        )
        .route("/v1/charges", get(payments::list_charges))
        .route("/v1/charges/{id}", payments::RETRIEVE_CHARGE.get())
        .route(
            "/v1/checkout/sessions",
            get(checkout::list).post(checkout::create),
        )
        .route("/v1/checkout/sessions/{id}", get(checkout::retrieve))
        .route(
            "/v1/checkout/sessions/{id}/line_items",
            get(checkout::list_line_items),
        )
        .route("/v1/refunds", get(refunds::list).post(refunds::create))
        .route("/v1/refunds/{id}", refunds::RETRIEVE.get())
        .route("/v1/disputes", get(disputes::list))
        .route("/v1/disputes/{id}", disputes::RETRIEVE.get())
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::retrieve))
        .route(
            "/v1/webhook_endpoints",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/v1/webhook_endpoints/{id}",
            webhooks::RETRIEVE
                .get()
                .post(webhooks::update)
                .delete(webhooks::delete),
        )
        .merge(helpers::router())
        .fallback(unrecognized)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            idempotency::layer,
        ))
        .layer(axum::middleware::from_fn(|r, n| {
            crate::server::log_request("stripe", r, n)
        }))
        .with_state(app)
}

async fn unrecognized(request: Request) -> impl IntoResponse {
    ApiError::unrecognized_url(request.method().as_str(), request.uri().path())
}
