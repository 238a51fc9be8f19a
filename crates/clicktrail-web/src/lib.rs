//! The storefront browser kit: a small WebAssembly module that catches the impact.com click id
//! when a partner's visitor lands, keeps it in a first-party cookie, and hands it to checkout
//! (hidden form fields, Stripe Payment Links and Stripe's embeddable elements).
//!
//! From JavaScript (the ES module made by `wasm-bindgen --target web`):
//!
//! ```js
//! import load, { init, clickId, grantConsent, revoke } from "/pkg/clicktrail_web.js";
//! await load();
//! init({ decorateStripe: true, paymentLinkHosts: ["pay.example.com"], consent: "pending" });
//! console.log(clickId());
//! // From the consent banner:
//! grantConsent(); // stores the click id held in memory
//! revoke();       // deletes the cookie and its localStorage mirror; nothing is stored again
//! ```
//!
//! The decisions behind that API are plain Rust and run anywhere; the browser glue is a thin
//! layer over them, compiled only for `wasm32`:
//!
//! ```
//! use clicktrail_clickid::ClickId;
//! use clicktrail_web::{Attribution, CookieAttributes, click_id_from_params, set_cookie_string};
//!
//! // `?IM_REF=Abc%3A123&utm_source=partner`, as the browser's URLSearchParams decodes it;
//! // parameter names match whatever their case.
//! let query = [("IM_REF", "Abc:123"), ("utm_source", "partner")];
//! let landing = click_id_from_params("irclickid,im_ref", query);
//! let new = landing.click_id.unwrap();
//! assert_eq!(new.as_str(), "Abc:123");
//!
//! // First-click attribution keeps what the visitor already had.
//! let stored = ClickId::new("Old1").unwrap();
//! assert_eq!(Attribution::First.choose(Some(&stored), Some(&new)), Some(&stored));
//! assert_eq!(Attribution::Last.choose(Some(&stored), Some(&new)), Some(&new));
//!
//! let attributes = CookieAttributes { max_age: 86_400, domain: None, secure: true };
//! assert_eq!(
//!     set_cookie_string("impact_click_id", new.as_str(), attributes),
//!     "impact_click_id=Abc:123; Max-Age=86400; Path=/; SameSite=Lax; Secure",
//! );
//! ```
//!
//! # Layout
//!
//! Plain logic, tested on the host:
//! - [`options`]: the options of `init`, their defaults, and validation of raw values.
//! - [`query`](click_id_from_params): which landing-URL parameter holds the click id (names in
//!   any case), validated.
//! - [`attribution`](Attribution): first or last click.
//! - [`cookie`](set_cookie_string): the `document.cookie` string and reading a cookie back.
//! - [`storage`](encode_record): the localStorage mirror's record and its expiry.
//! - [`stripe`](decorate_link): `client_reference_id` on Payment Links (on `buy.stripe.com` and
//!   the custom domains of `paymentLinkHosts`) and elements.
//! - `decimal` and `text`: numbers and splitting without `core::fmt` or `memchr`.
//! - [`Warning`]: the problems the kit reports with one `console.warn` each, with `debug: true`
//!   only: an ordinary visit writes nothing to the console.
//!
//! Browser glue (`wasm32` only), in `web`: `sys.js` is the one JavaScript module that touches
//! the page (cookies, storage, the DOM, the UTT; each function catches its own errors) and
//! `sys` declares it; `store` keeps the click id (cookie, then the mirror), `dom` fills the
//! page, and the module itself holds the state and the exported `init`, `clickId`,
//! `grantConsent`, `revoke` and `dispose`.
//!
//! Size is a feature of a script that runs on every page of a shop (the budget is 12 KiB
//! gzipped, glue included). The shipped build enables the `bundle` feature: `no_std`, a panic
//! handler that traps and a small allocator (`bundle`), so no panic or formatting machinery
//! reaches the binary; the code avoids `format!`, `unwrap` and number formatting regardless.

#![cfg_attr(all(feature = "bundle", target_arch = "wasm32"), no_std)]
// `String::push(char)` carries UTF-8 encoding for any `char`; once it is called from more than a
// couple of places it stops being inlined and that encoder (about 200 B) ships. Every character
// the kit appends is ASCII, so it appends one-character `&str`s.
#![allow(clippy::single_char_add_str)]

extern crate alloc;

mod attribution;
#[cfg(all(feature = "bundle", target_arch = "wasm32"))]
mod bundle;
mod cookie;
mod decimal;
pub mod options;
mod query;
mod storage;
mod stripe;
mod text;
mod warning;
#[cfg(target_arch = "wasm32")]
mod web;

pub use attribution::Attribution;
pub use cookie::{
    CookieAttributes, find_cookie, is_cookie_domain, is_cookie_name, set_cookie_string,
};
pub use options::{Consent, Options, Raw};
pub use query::{QueryClickId, QueryScan, click_id_from_params};
pub use storage::{Record, decode_record, encode_record, expires_at};
pub use stripe::{
    ELEMENT_ATTRIBUTE, ELEMENTS, LINK_PARAM, PAYMENT_LINKS, decorate_link, is_link_host,
    may_replace, payment_links,
};
pub use warning::Warning;
#[cfg(target_arch = "wasm32")]
pub use web::{ClicktrailOptions, click_id, dispose, grant_consent, init, revoke};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
