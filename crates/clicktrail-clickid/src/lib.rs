//! The impact.com click id, as one validated value type shared by every part of clicktrail.
//!
//! A partner's link lands a visitor with `?irclickid=...` (or `?im_ref=...`). That value travels
//! through the browser kit (`clicktrail-web`), the merchant's backend (`clicktrail-tower`), Stripe
//! metadata and finally the forwarder, which sends it to impact.com as `ClickId`. Every one of those
//! steps validates it with this crate, so a value that one part accepts, all parts accept.
//!
//! # Example
//!
//! ```
//! use clicktrail_clickid::ClickId;
//!
//! // From a landing URL's query: decoded exactly once.
//! let id = ClickId::from_url_encoded("Qx9%3AabcDEF123").unwrap();
//! assert_eq!(id.as_str(), "Qx9:abcDEF123");
//!
//! // Stripe's `client_reference_id` allows only `[A-Za-z0-9_-]`: use the reversible codec.
//! let reference = id.to_client_reference_id();
//! assert!(reference.starts_with("irc_"));
//! assert_eq!(ClickId::from_client_reference_id(&reference).unwrap(), id);
//! ```
//!
//! # Layout
//!
//! - [`click_id`](ClickId): the value type and its validation rules.
//! - `codec`: the `irc_` + base64url (no padding) encoding for `client_reference_id`.
//! - `percent`: the single URL-decoding step applied to values read from URLs and form bodies.
//!
//! This crate has no dependencies and does no formatting on its success paths, so that the browser
//! kit stays inside its size budget.

#![no_std]

extern crate alloc;

mod click_id;
mod codec;
mod error;
mod percent;

pub use click_id::ClickId;
pub use error::{InvalidClickId, InvalidClientReference};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
