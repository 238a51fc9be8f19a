//! Stripe wire knowledge for clicktrail: webhook signatures, money, a tolerant event model, and
//! a REST client.
//!
//! The forwarder receives Stripe webhooks, the sandbox emulates them, and both need the same
//! facts about Stripe's wire format. This crate holds them as pure functions and types, with no
//! I/O: verifying (and producing) the `Stripe-Signature` header, amounts in the currency's minor
//! unit rendered with the currency's real exponent, and an [`Event`] envelope whose `data.object`
//! is read through typed views that accept both the pre-basil and the basil+ API shapes. The
//! `client` module (cargo feature `client`, on by default) is the one place that does I/O: an
//! async client for the REST calls the forwarder and its account operations make.
//!
//! # Example
//!
//! ```
//! use clicktrail_stripe::webhook::{sign, Verifier, WebhookSecret};
//! use clicktrail_stripe::{metadata_value, Event, VerifyError};
//!
//! let secret = WebhookSecret::new("whsec_test_secret").unwrap();
//! let verifier = Verifier::with_default_tolerance(vec![secret.clone()]).unwrap();
//!
//! let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,
//!   "data":{"object":{"id":"in_1","object":"invoice","currency":"jpy","amount_paid":1500,
//!   "billing_reason":"subscription_create","parent":{"subscription_details":
//!   {"subscription":"sub_1","metadata":{"impact_click_id":"Qx9"}}}}}}"#;
//! let header = sign(body, &secret, 1_700_000_000); // what Stripe would send
//!
//! // Verify the raw bytes first, then parse.
//! verifier.verify(body, &header, 1_700_000_030)?;
//! let event = Event::from_slice(body)?;
//! let invoice = event.invoice()?;
//! assert_eq!(invoice.subscription.as_deref(), Some("sub_1"));
//! let snapshot = invoice.subscription_metadata.as_ref().unwrap();
//! assert_eq!(metadata_value(snapshot, &["impact_click_id", "irclickid"]), Some("Qx9"));
//! assert_eq!(invoice.amount_paid_money().unwrap().to_decimal_string().as_deref(), Some("1500"));
//!
//! // A stale delivery is refused with a message that is safe to send back.
//! let err = verifier.verify(body, &header, 1_700_001_000).unwrap_err();
//! assert!(matches!(err, VerifyError::TimestampTooOld { age_secs: 1000, .. }));
//! assert_eq!(err.to_string(), "timestamp is 1000 s old, beyond the 300 s tolerance");
//! # Ok::<(), clicktrail_stripe::Error>(())
//! ```
//!
//! # Layout
//!
//! - [`webhook`]: [`WebhookSecret`](webhook::WebhookSecret) (redacted `Debug`),
//!   [`Verifier`](webhook::Verifier) (several secrets, tolerance both ways) and
//!   [`sign`](webhook::sign); header parsing lives in its own private file.
//! - `money`: [`Currency`] (exponent table: 16 zero-decimal, 5 three-decimal currencies) and
//!   [`Money`] with its exact decimal rendering.
//! - `event`: the [`Event`] envelope and one file per view: [`Invoice`] (with [`InvoiceLine`]),
//!   [`InvoicePayment`], [`CheckoutSession`] (with [`CheckoutLineItem`]), [`Charge`],
//!   [`Refund`], [`Subscription`], [`Customer`]; a private `read` module holds the tolerant
//!   typed accessors they share, and `metadata` the [`Metadata`] map with [`metadata_value`].
//! - `error`: [`Error`], the crate's error, and [`VerifyError`], why a delivery was refused.
//! - `client` (cargo feature `client`, on by default): the async REST client, with its own
//!   error type `Error`. Without the feature the crate has no I/O and no reqwest or tokio.

#[cfg(feature = "client")]
pub mod client;
mod error;
mod event;
mod money;
pub mod webhook;

pub use error::{Error, VerifyError};
pub use event::{
    Charge, CheckoutLineItem, CheckoutSession, Customer, Dispute, Event, EventHead, Invoice,
    InvoiceLine, InvoicePayment, Metadata, PromotionCode, Refund, Subscription, metadata_value,
};
pub use money::{Currency, Money};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
