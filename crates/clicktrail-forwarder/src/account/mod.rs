//! The forwarder's Stripe side: `clicktrail setup`, `check`, `backfill`, and the reconcile loop
//! inside `serve`.
//!
//! impact.com's hosted integration registers two webhook endpoints for the merchant, fails on an
//! account that already holds Stripe's maximum of 16, and recovers nothing that was missed.
//! These operations do both properly:
//!
//! - `setup` registers one endpoint for every event the forwarder handles, idempotently, pinned
//!   to the API version the event model is tested against, and keeps its signing secret in the
//!   database, where `serve` reads it (also while running). The decision is pure: [`plan`] over
//!   the endpoints listed; [`setup::run`] carries it out.
//! - `check` probes each permission the forwarder needs with a cheap call ([`check`]).
//! - `backfill` reads a window of handled events back from Stripe's Events API, oldest first, and
//!   feeds them to the same deduplicating intake as the webhook ([`backfill`]).
//! - reconcile does the same, every `[reconcile] interval`, for the events Stripe reports as not
//!   delivered ([`reconcile`]).
//!
//! # Example
//!
//! ```
//! use clicktrail_forwarder::account::{plan, SetupPlan, WebhookUrl, MAX_ENDPOINTS};
//! use clicktrail_stripe::client::WebhookEndpoint;
//!
//! let url = WebhookUrl::parse("https://shop.example/webhooks/stripe").unwrap();
//! let full: Vec<WebhookEndpoint> = (0..MAX_ENDPOINTS)
//!     .map(|i| WebhookEndpoint::from_value(&serde_json::json!({
//!         "id": format!("we_{i}"), "url": format!("https://other.example/{i}"),
//!     })).unwrap())
//!     .collect();
//! assert!(matches!(plan(&url, &full), SetupPlan::Full { endpoints } if endpoints.len() == 16));
//! ```
//!
//! # Layout
//!
//! - `setup_plan.rs`: [`WebhookUrl`] and [`plan`], pure; `setup.rs`: the calls and the secret.
//! - `check.rs`: the probes, the verdict and the table.
//! - `backfill.rs`: the window (pure) and the walk; `events.rs`: what backfill and reconcile
//!   share (events from the API into the intake, with [`Counts`]).
//! - `reconcile.rs`: the loop `serve` runs.

pub mod backfill;
pub mod check;
pub mod endpoint_state;
mod events;
pub mod reconcile;
pub mod setup;
mod setup_plan;

pub use backfill::{Progress, Window, slices};
pub use check::{CheckLine, CheckReport, Need, Status};
pub use events::{Counts, unix_now};
pub use setup::SetupReport;
pub use setup_plan::{
    DESCRIPTION, EndpointSummary, MANAGED_BY, MAX_ENDPOINTS, SetupPlan, WebhookUrl, plan,
};

use clicktrail_impact::ImpactClient;
use clicktrail_stripe::client::StripeClient;

use crate::Error;
use crate::config::Config;

/// The Stripe client of the account operations; an error naming `stripe.api_key` when the
/// configuration has no `[stripe]` section.
pub fn stripe_client(config: &Config) -> Result<StripeClient, Error> {
    crate::serve::stripe_client(config)?.ok_or_else(|| Error::Config {
        key: "stripe.api_key".into(),
        origin: None,
        problem: "missing: this command calls Stripe; set it in [stripe] or as CLICKTRAIL_STRIPE__API_KEY".into(),
    })
}

/// The impact.com client, as the service builds it.
pub fn impact_client(config: &Config) -> Result<ImpactClient, Error> {
    crate::serve::impact_client(config)
}
