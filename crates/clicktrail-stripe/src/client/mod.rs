//! An async client for Stripe's REST API (cargo feature `client`, on by default).
//!
//! What the forwarder and the account operations need, done the way Stripe's official SDKs do it:
//!
//! - `Authorization: Bearer` with an [`ApiKey`] (secret or restricted; `Debug` shows
//!   `rk_test_…abcd`), and a pinned `Stripe-Version` ([`API_VERSION`]) on every request, so
//!   answers have the shape the event model reads whatever the account's default is.
//! - Form bodies and queries with bracket keys, built with [`Form`] (`metadata[k]=v`,
//!   `items[0][price]=p`, `enabled_events[]=a`).
//! - An `Idempotency-Key` on every POST, the same on each retry; callers can pass their own
//!   ([`StripeClient::post_idempotent`]).
//! - Retries with exponential backoff and jitter on connection failures, timeouts, 409, 429 and
//!   5xx, honouring `Stripe-Should-Retry` ([`RetryPolicy`], [`should_retry`]).
//! - Connect and total timeouts, bodies read up to [`MAX_BODY`], redirects never followed, plain
//!   `http://` only to loopback (the sandbox).
//! - One error type, the crate's [`Error`](crate::Error); a 403 names the missing permission
//!   (`rak_subscription_read`) from Stripe's message ([`classify_error`]).
//! - Cursor pagination both ways ([`Pages`]), and one method per call the product makes,
//!   answering with the crate's typed views ([`Subscription`](crate::Subscription),
//!   [`Invoice`](crate::Invoice), ...).
//!
//! # Example
//!
//! ```no_run
//! use clicktrail_stripe::client::{ApiKey, EventQuery, StripeClient, StripeConfig};
//!
//! # async fn run() -> Result<(), clicktrail_stripe::Error> {
//! let key = ApiKey::new("rk_live_...")?;
//! let stripe = StripeClient::new(StripeConfig::new(key).api_base("http://127.0.0.1:12111"))?;
//!
//! for endpoint in stripe.webhook_endpoints().await? {
//!     println!("{} {} {:?}", endpoint.id, endpoint.url, endpoint.enabled_events);
//! }
//! let query = EventQuery { types: vec!["invoice.paid".into()], limit: Some(100), ..Default::default() };
//! let mut pages = stripe.event_pages(&query);
//! while let Some(events) = pages.next_page().await? {
//!     println!("{} events", events.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `key`: [`ApiKey`]; `config`: [`StripeConfig`], [`API_VERSION`], [`validate_api_base`].
//! - `form`: [`Form`], the bracket-key encoder (pure).
//! - `retry`: [`RetryPolicy`] and [`should_retry`] (pure).
//! - `error`: [`classify_error`], which reads Stripe's error envelope (pure).
//! - `http`: [`StripeClient`] itself, the only I/O: headers, idempotency keys, the retry loop,
//!   bounded reads.
//! - `list`: [`ListPage`] and the [`Pages`] walk.
//! - `params`: typed parameters ([`NewWebhookEndpoint`], [`EventQuery`], [`NewSubscription`],
//!   [`NewRefund`]); `webhook_endpoint`: the [`WebhookEndpoint`] view; `resources`: one method
//!   per call.

mod config;
mod error;
mod form;
mod http;
mod key;
mod list;
mod params;
mod resources;
mod retry;
mod webhook_endpoint;

pub use config::{
    API_VERSION, DEFAULT_API_BASE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, StripeConfig,
    validate_api_base,
};
pub use error::{classify_error, missing_permission};
pub use form::Form;
pub use http::{MAX_BODY, StripeClient};
pub use key::ApiKey;
pub use list::{DEFAULT_MAX_PAGES, Direction, ListPage, Pages};
pub use params::{
    Created, EventQuery, NewRefund, NewSubscription, NewWebhookEndpoint, RefundTarget,
    SubscriptionItem,
};
pub use retry::{RetryPolicy, retry_after, should_retry};
pub use webhook_endpoint::WebhookEndpoint;
