//! Capture the impact.com click id in a merchant's backend, and carry it into Stripe.
//!
//! A partner's link brings a visitor with `?irclickid=...`; weeks later the visitor subscribes.
//! For the partner to be credited, the Stripe subscription (or Checkout Session, or payment)
//! must carry that click id in its metadata, where the clicktrail forwarder finds it. This crate
//! is the merchant backend's part of that path:
//!
//! - [`CaptureClickIdLayer`], a tower middleware (axum, hyper, anything on `http` 1.x), reads
//!   the click id from the checkout form's hidden `impact_ClickId` field (a url-encoded or
//!   multipart form, or a JSON body's top-level member), the
//!   `X-Impact-Click-Id` header, the landing link's `irclickid` / `im_ref`, or the
//!   `impact_click_id` cookie, and puts it into the request extensions as [`ClickId`];
//! - on a landing `GET` it sets the `impact_click_id` cookie from the server (not capped by
//!   Safari's 7-day limit on script cookies), unless the [`Consent`] hook says no (by default
//!   it says yes: see [landing](landing#consent) before serving EU or UK visitors);
//! - [`ClickId`] is an axum extractor, and gives the Stripe form parameters for each call that
//!   must carry it ([`ClickId::stripe_params`]), never overwriting one the call already sets,
//!   each [`Carrier`] with its opt-out;
//! - optionally, [`outbound::StripeClickIdLayer`] adds those parameters to the Stripe calls of a
//!   tower-based HTTP client by itself.
//!
//! # Example: an axum checkout handler
//!
//! ```
//! use axum::{Form, Router, routing::post};
//! use clicktrail_tower::{CaptureClickIdLayer, ClickId, StripeTarget};
//!
//! #[derive(serde::Deserialize)]
//! struct Checkout {
//!     price: String,
//! }
//!
//! /// Builds the Stripe Checkout Session parameters (send them with your Stripe client, for
//! /// example reqwest's `.form(&params)` to `POST /v1/checkout/sessions`).
//! async fn checkout(click_id: Option<ClickId>, Form(form): Form<Checkout>) -> String {
//!     let mut params = vec![
//!         ("mode", "subscription".to_owned()),
//!         ("line_items[0][price]", form.price),
//!         ("line_items[0][quantity]", "1".to_owned()),
//!         ("success_url", "https://shop.example/thanks".to_owned()),
//!     ];
//!     if let Some(click_id) = &click_id {
//!         // Adds what `params` does not set already (a `client_reference_id` of yours is kept).
//!         click_id.stripe_params(StripeTarget::CheckoutSubscription).add_to(&mut params);
//!     }
//!     serde_urlencoded::to_string(&params).unwrap_or_default()
//! }
//!
//! fn app() -> Router {
//!     Router::new()
//!         .route("/checkout", post(checkout))
//!         .layer(CaptureClickIdLayer::new())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # use tower::ServiceExt;
//! # use http_body_util::BodyExt;
//! // The browser kit filled the hidden field; the handler still reads the whole form.
//! let request = http::Request::post("/checkout")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(axum::body::Body::from("price=price_123&impact_ClickId=Qx9%3Aabc"))
//!     .unwrap();
//! let response = app().oneshot(request).await.unwrap();
//! let body = response.into_body().collect().await.unwrap().to_bytes();
//! assert!(body.starts_with(b"mode=subscription&line_items%5B0%5D%5Bprice%5D=price_123"));
//! assert!(std::str::from_utf8(&body).unwrap().contains(
//!     "subscription_data%5Bmetadata%5D%5Bimpact_click_id%5D=Qx9%3Aabc"
//! ));
//! # }
//! ```
//!
//! # Layout
//!
//! - [`click_id`](ClickId): the request's click id, a newtype over `clicktrail_clickid::ClickId`.
//! - [`capture`]: [`CaptureClickIdLayer`], [`CaptureClickId`] and their response future, in
//!   tower-http's shape; `source` holds the pure functions that read each [`Source`].
//! - [`landing`]: the landing cookie's rules ([`LandingCookie`], [`Attribution`]) and the
//!   consent hook ([`Consent`], [`AlwaysConsent`], [`ConsentCookie`]), pure functions of the
//!   request head.
//! - `body`: [`ReplayBody`], the bounded buffering that lets a middleware read a form and still
//!   hand the whole body on; `form`: the field of a buffered url-encoded, multipart or JSON body.
//! - [`stripe`]: [`StripeTarget`], [`Carrier`] and [`StripeParams`], the parameters for each
//!   Stripe call.
//! - `extract` (feature `axum`, on by default): the `FromRequestParts` and
//!   `OptionalFromRequestParts` impls and their rejection [`MissingClickId`].
//! - [`outbound`] (feature `outbound`, on by default): the task-local click id and the Stripe
//!   client layer.
//! - `error`: [`Error`], the configuration values this crate refuses.

mod body;
pub mod capture;
mod click_id;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod form;
pub mod landing;
#[cfg(feature = "outbound")]
pub mod outbound;
mod source;
pub mod stripe;

pub use body::ReplayBody;
pub use capture::{CaptureClickId, CaptureClickIdLayer};
pub use click_id::ClickId;
pub use clicktrail_clickid::{InvalidClickId, InvalidClientReference};
pub use error::Error;
#[cfg(feature = "axum")]
pub use extract::MissingClickId;
pub use landing::{AlwaysConsent, Attribution, Consent, ConsentCookie, LandingCookie};
pub use source::Source;
pub use stripe::{Carrier, METADATA_KEY, StripeParams, StripeTarget};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
