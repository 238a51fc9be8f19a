//! clicktrail's end-to-end tests, and the launcher of the whole stack they share with
//! `cargo xtask demo`.
//!
//! The stack is every part of clicktrail as a real process on this machine: the Stripe and
//! impact.com emulators (`clicktrail-sandbox`), the forwarder (its webhook registered with
//! `clicktrail setup`, the real path, then `clicktrail serve`, on SQLite in a temporary folder),
//! and the sample shop. [`Stack::start`] brings it up and waits until each part answers; dropping the
//! [`Stack`] stops every process, so nothing is left behind.
//!
//! This library uses only the standard library on purpose: `cargo xtask demo` depends on it and
//! must build in seconds on a fresh machine. The browser-driving test (`tests/e2e.rs`) keeps its
//! heavy dependencies (fantoccini, tokio, reqwest) as dev-dependencies.
//!
//! # Example
//!
//! ```no_run
//! use clicktrail_e2e::{Stack, StackConfig};
//!
//! let config = StackConfig::on_free_ports(std::env::temp_dir().join("clicktrail-stack"))?;
//! let stack = Stack::start(config)?;
//! println!("open {}/?irclickid=XYZ", stack.shop_url());
//! drop(stack); // stops the shop, the forwarder and the emulators
//! # Ok::<(), String>(())
//! ```
//!
//! # Layout
//!
//! - `stack`: [`StackConfig`] (ports, folders, the forwarder's rules) and [`Stack`] (start in
//!   order, wait for each, stop in reverse).
//! - `forwarder_config`: the forwarder's TOML for a stack (pure).
//! - `child`: [`Child`], one process with its output in a log file (and, for the demo, on screen
//!   with a prefix), stopped with SIGINT then killed after a grace period.
//! - `probe`: a minimal HTTP/1.1 `GET` over loopback. Polling with a deadline is
//!   [`wait_until`], from `clicktrail-test-support` (re-exported).

mod child;
mod forwarder_config;
mod probe;
mod stack;

pub use child::Child;
pub use clicktrail_test_support::wait_until;
pub use forwarder_config::forwarder_config;
pub use probe::{free_ports, http_get};
pub use stack::{
    IMPACT_ACCOUNT_SID, IMPACT_AUTH_TOKEN, Ports, STRIPE_SECRET_KEY, Stack, StackConfig,
};
