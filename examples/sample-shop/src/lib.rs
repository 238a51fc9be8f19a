//! The sample shop: a small axum storefront that sells a monthly plan, the same plan with a
//! 14-day trial, and a one-time workshop, on Stripe, and credits impact.com partners through
//! clicktrail.
//!
//! It shows the merchant-side half of clicktrail in a real application:
//!
//! - the pages (`www/`) load the browser kit, which fills the hidden `impact_ClickId` field of
//!   every form;
//! - [`CaptureClickIdLayer`](clicktrail_tower::CaptureClickIdLayer) wraps the whole router: a
//!   partner's landing link (`/?irclickid=...`) gets the first-party cookie from the server, and
//!   each form post gets its click id as a [`ClickId`](clicktrail_tower::ClickId);
//! - the handlers create the Stripe customer and subscription (or a Checkout Session for the
//!   one-time product) with the parameters
//!   [`ClickId::stripe_params`](clicktrail_tower::ClickId::stripe_params) gives, so the
//!   clicktrail forwarder finds the click id on every invoice and payment;
//! - refunds and cancellations go through Stripe's API, so the forwarder's modifications and
//!   reversals can be watched on the "impact.com view" page, which reads the impact.com
//!   emulator's records.
//!
//! The same code runs against the Stripe emulator (`clicktrail-sandbox`, the default) and against
//! a real Stripe test-mode account (`--stripe-api-base https://api.stripe.com --stripe-api-key
//! sk_test_...`).
//!
//! # Example
//!
//! ```no_run
//! use sample_shop::{AppState, ShopConfig, app};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ShopConfig::default();
//! let state = AppState::connect(&config).await?; // creates the products and prices if missing
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! axum::serve(listener, app(state)).await?;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `config`: [`ShopConfig`], from flags and environment variables.
//! - `catalog`: the three [`Plan`]s (pure) and [`Catalog`], their Stripe prices, created once.
//! - `state`: [`AppState`], what every handler shares.
//! - `money`: amounts typed in a form, to minor units and back (pure).
//! - `visitor`: the shop's own `shop_customer` cookie (pure).
//! - `routes`: one module per page's actions (`subscribe`, `checkout`, `account`, `impact_view`)
//!   and [`app`], the router.
//! - `error`: [`ShopError`], rendered as a small HTML page.

mod catalog;
mod config;
mod error;
mod money;
mod routes;
mod state;
mod visitor;

pub use catalog::{Catalog, PLANS, Plan, PlanId};
pub use config::ShopConfig;
pub use error::ShopError;
pub use money::{format_minor, parse_major};
pub use routes::app;
pub use state::AppState;

/// `docs/integrate.md`'s Rust examples, compiled and run as doctests of this crate: it has the
/// dependencies a shop adding clicktrail would have.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/integrate.md")]
pub struct IntegrateDoctests;
