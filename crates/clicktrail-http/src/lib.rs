//! The outbound HTTP policy shared by clicktrail's API clients (`clicktrail-stripe`'s REST client
//! and `clicktrail-impact`'s client), so that both reach the outside world under the same rules:
//!
//! - an API base is `https://`, or plain `http://` only to this machine (the sandbox): a key or a
//!   token never crosses a network in clear text ([`validate_api_base`]);
//! - redirects are never followed, a loopback base bypasses proxies from the environment, an
//!   `https` base refuses to be downgraded, and every request has connect and total timeouts
//!   ([`client`]);
//! - answers are read into memory only up to a limit ([`read_limited`]);
//! - transport errors are described with their causes, for logs and dead letters
//!   ([`error_chain`]).
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//!
//! assert_eq!(
//!     clicktrail_http::validate_api_base("https://api.stripe.com/").unwrap(),
//!     "https://api.stripe.com"
//! );
//! assert!(clicktrail_http::validate_api_base("http://api.stripe.com").is_err());
//!
//! let base = clicktrail_http::validate_api_base("http://127.0.0.1:12111").unwrap();
//! let client = clicktrail_http::client(&base, Duration::from_secs(5), Duration::from_secs(30), "me/1")
//!     .unwrap();
//! # drop(client);
//! ```
//!
//! # Layout
//!
//! - `base_url`: [`validate_api_base`], [`is_loopback_host`], [`BaseUrlError`].
//! - `transport`: [`client`], [`read_limited`], [`error_chain`].

mod base_url;
mod transport;

pub use base_url::{BaseUrlError, is_loopback_base, is_loopback_host, validate_api_base};
pub use transport::{Limited, client, error_chain, read_limited};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
