//! Loopback emulators of the Stripe API and of the impact.com API, in memory, for clicktrail's demo,
//! tests and benchmarks.
//!
//! Nobody can reach Stripe or impact.com from a developer machine or CI runner, and Stripe's own
//! `stripe-mock` cannot be built here, so this crate emulates both with their real wire formats:
//!
//! - **Stripe** (default `127.0.0.1:12111`): form bodies with bracket keys, Bearer or Basic keys
//!   (secret and restricted, with Stripe's 401/403 answers), the error envelope, list objects and
//!   cursors, `Idempotency-Key` replays, basil+ and pre-basil shapes chosen by `Stripe-Version`;
//!   customers, products, prices, coupons, subscriptions (the first invoice is finalized and paid
//!   at once), invoices, invoice payments, payment intents, charges, checkout sessions, refunds,
//!   disputes, events (30-day retention), webhook endpoints (16 at most); every change emits
//!   Stripe's events, delivered to subscribed endpoints signed with `Stripe-Signature`, retried
//!   with backoff. Helpers under `/_sandbox/` bill periods, change prices, complete checkouts,
//!   dispute charges ([`stripe::helpers`]).
//! - **impact.com** (default `127.0.0.1:12112`): conversions, action modifications and reversals,
//!   API submissions, with Basic auth, impact's validation and envelope, a processing delay,
//!   `OrderId` deduplication, fault injection (including forced error verdicts and answers lost
//!   after acceptance) and inspection ([`impact`]).
//!
//! # Example
//!
//! ```
//! use clicktrail_sandbox::{SandboxConfig, start};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = start(SandboxConfig::ephemeral()).await?; // free loopback ports
//! let customer: serde_json::Value = reqwest::Client::new()
//!     .post(format!("{}/v1/customers", sandbox.stripe_url()))
//!     .bearer_auth(sandbox.secret_key())
//!     .form(&[("email", "jenny@example.com"), ("metadata[impact_click_id]", "XYZ")])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(customer["metadata"]["impact_click_id"], "XYZ");
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - [`start`], [`Sandbox`], [`SandboxConfig`] (this file): bind both listeners, run both
//!   emulators and the webhook delivery task, stop them together.
//! - [`stripe`]: the Stripe emulator, one file per concept (wire format, keys, idempotency, lists,
//!   rendering, each resource, events, delivery, helpers).
//! - [`impact`]: the impact.com emulator (validation rules, records and actions, processing,
//!   faults).
//! - [`server`]: the accept loop and per-request log line both share; [`clock`]: the wall clock
//!   the helpers can move; [`ids`]: random ids; [`error`]: the crate's error type.

#![recursion_limit = "256"]

pub mod clock;
pub mod error;
pub mod ids;
pub mod impact;
pub mod server;
pub mod stripe;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use error::Error;
pub use impact::{ImpactApp, ImpactConfig};
pub use stripe::{StripeApp, StripeConfig};

/// Where to listen and how each emulator behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The Stripe emulator's address (port 0 picks a free port).
    pub stripe_addr: SocketAddr,
    /// The impact.com emulator's address (port 0 picks a free port).
    pub impact_addr: SocketAddr,
    /// The Stripe emulator's settings.
    pub stripe: StripeConfig,
    /// The impact.com emulator's settings.
    pub impact: ImpactConfig,
}

impl Default for SandboxConfig {
    /// `127.0.0.1:12111` and `127.0.0.1:12112`.
    fn default() -> Self {
        Self {
            stripe_addr: SocketAddr::from(([127, 0, 0, 1], 12111)),
            impact_addr: SocketAddr::from(([127, 0, 0, 1], 12112)),
            stripe: StripeConfig::default(),
            impact: ImpactConfig::default(),
        }
    }
}

impl SandboxConfig {
    /// Both emulators on free loopback ports, webhook retries compressed 1000 times, and no
    /// impact.com processing delay: the configuration for tests.
    pub fn ephemeral() -> Self {
        let mut config = Self {
            stripe_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            impact_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Self::default()
        };
        config.stripe.delivery_retry_scale = 0.001;
        config.impact.processing_delay = std::time::Duration::ZERO;
        config
    }
}

/// A running sandbox. Dropping it stops both emulators (without waiting); [`Sandbox::shutdown`]
/// stops them and waits until every connection and delivery task has ended.
#[derive(Debug)]
pub struct Sandbox {
    stripe_addr: SocketAddr,
    impact_addr: SocketAddr,
    stripe: StripeApp,
    impact: ImpactApp,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

/// Binds both listeners and starts both emulators and the webhook delivery task on the current
/// tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, Error> {
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })
    };
    let stripe_listener = bind(config.stripe_addr).await?;
    let impact_listener = bind(config.impact_addr).await?;
    let local = |l: &TcpListener, addr| {
        l.local_addr()
            .map_err(|source| Error::Bind { addr, source })
    };
    let stripe_addr = local(&stripe_listener, config.stripe_addr)?;
    let impact_addr = local(&impact_listener, config.impact_addr)?;
    if !(config.stripe.delivery_retry_scale >= 0.0
        && config.stripe.delivery_retry_scale.is_finite())
    {
        return Err(Error::Config(
            "delivery_retry_scale must be a finite number >= 0".into(),
        ));
    }
    if config.stripe.secret_keys.is_empty() && config.stripe.restricted_keys.is_empty() {
        return Err(Error::Config(
            "the Stripe emulator needs at least one key".into(),
        ));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.stripe.delivery_timeout)
        .build()?;

    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let clock = clock::Clock::new();
    let (stripe, queue) = StripeApp::new(
        config.stripe,
        clock.clone(),
        format!("http://{stripe_addr}"),
    );
    let impact = ImpactApp::new(config.impact, clock);

    server::spawn_server(
        stripe_listener,
        stripe::router(stripe.clone()),
        shutdown.clone(),
        tracker.clone(),
    );
    server::spawn_server(
        impact_listener,
        impact::ImpactService::new(impact.clone()),
        shutdown.clone(),
        tracker.clone(),
    );
    tracker.spawn(stripe::delivery::run(
        stripe.clone(),
        queue,
        client,
        shutdown.clone(),
        tracker.clone(),
    ));
    tracing::info!(target: "clicktrail_sandbox", %stripe_addr, %impact_addr, "sandbox started");
    Ok(Sandbox {
        stripe_addr,
        impact_addr,
        stripe,
        impact,
        shutdown,
        tracker,
    })
}

impl Sandbox {
    /// The Stripe emulator's address.
    pub fn stripe_addr(&self) -> SocketAddr {
        self.stripe_addr
    }

    /// The impact.com emulator's address.
    pub fn impact_addr(&self) -> SocketAddr {
        self.impact_addr
    }

    /// `http://127.0.0.1:PORT` of the Stripe emulator (an SDK's `api_base`).
    pub fn stripe_url(&self) -> String {
        format!("http://{}", self.stripe_addr)
    }

    /// `http://127.0.0.1:PORT` of the impact.com emulator.
    pub fn impact_url(&self) -> String {
        format!("http://{}", self.impact_addr)
    }

    /// The first secret key the Stripe emulator accepts.
    pub fn secret_key(&self) -> &str {
        self.stripe
            .config()
            .secret_keys
            .first()
            .map_or("", String::as_str)
    }

    /// The Stripe emulator's state (to inspect or drive it from a test in the same process).
    pub fn stripe(&self) -> &StripeApp {
        &self.stripe
    }

    /// The impact.com emulator's state.
    pub fn impact(&self) -> &ImpactApp {
        &self.impact
    }

    /// Stops accepting, lets open requests finish, cancels pending deliveries, and waits.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
