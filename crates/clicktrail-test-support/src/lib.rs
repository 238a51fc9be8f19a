//! What clicktrail's tests, benchmarks and demo launcher share, written once: the forwarder's
//! configuration file as a builder, and polling with a deadline. A development crate: never
//! published, and no library crate of clicktrail depends on it outside its tests.
//!
//! # Example
//!
//! ```
//! use clicktrail_test_support::{ForwarderConfig, TimedOut, wait_until};
//! use std::time::Duration;
//!
//! let toml = ForwarderConfig::new()
//!     .listen("127.0.0.1:0")
//!     .impact_api_base("http://127.0.0.1:12112")
//!     .stripe_api_base("http://127.0.0.1:12111")
//!     .to_toml();
//! assert!(toml.starts_with("admin_listen = \"127.0.0.1:0\"\nlisten = \"127.0.0.1:0\"\n"));
//!
//! let gave_up: Result<(), TimedOut> = wait_until("a miracle", Duration::ZERO, || Ok(None));
//! assert_eq!(gave_up.unwrap_err().to_string(), "timed out after 0ns waiting for a miracle");
//! ```
//!
//! # Layout
//!
//! - `forwarder_config`: [`ForwarderConfig`], `clicktrail.toml` key by key (pure), and the
//!   emulators' public default credentials.
//! - `poll`: [`eventually`] / [`try_eventually`] (async, feature `tokio`) and [`wait_until`]
//!   (blocking), with their [`TimedOut`] error.
//!
//! Std-only without features, because `cargo xtask demo` builds the demo launcher, which uses
//! this crate, on a fresh machine and must do it in seconds.

mod forwarder_config;
mod poll;

pub use forwarder_config::{
    ForwarderConfig, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_SECRET_KEY, string,
};
pub use poll::{Backoff, TimedOut, wait_until};
#[cfg(feature = "tokio")]
pub use poll::{eventually, try_eventually};
