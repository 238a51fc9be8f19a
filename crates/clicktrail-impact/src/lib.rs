//! impact.com wire knowledge: the requests clicktrail sends, the money they carry, and a client that
//! classifies every answer.
//!
//! Three requests tell impact.com about a partner's sale: a [`Conversion`]
//! (`POST /Advertisers/{SID}/Conversions`) when a customer pays, a [`Modification`]
//! (`PUT /Advertisers/{SID}/Actions`) when part of it is refunded, and a [`Reversal`]
//! (`DELETE /Advertisers/{SID}/Actions`) when all of it is. Each is validated when built, as impact.com
//! would validate it, and renders to its ordered form parameters. Money is an exact [`Amount`] made
//! from Stripe's minor units and the currency's exponent, never a float.
//!
//! [`ImpactClient`] sends them with HTTP Basic auth and turns the answer into an [`Outcome`]:
//! queued, rejected (with impact.com's field errors), rate limited (with the reset time) or
//! transient. It never follows redirects and refuses plain `http://` except to loopback, so the
//! token never crosses a network in clear text; the token is an [`AuthToken`] whose `Debug` is
//! redacted.
//!
//! # Example
//!
//! ```
//! use clicktrail_impact::{Amount, Conversion, ImpactRequest, Item, hash_email, sale_amount};
//!
//! // A $29.00 first subscription payment, less a $5.00 coupon.
//! let conversion = Conversion::builder("1000", "2000", "in_1Abc", 1_795_741_500, "usd")
//!     .click_id("Qx9:abcDEF123")
//!     .customer_id("cus_123")
//!     .customer_email(hash_email("Jane@Example.com "))
//!     .item(Item::new("price_pro", "Pro plan", 1, Amount::from_minor(2900, 2)?))
//!     .order_discount(Amount::from_minor(500, 2)?)
//!     .build()?;
//!
//! let request = ImpactRequest::from(conversion);
//! assert_eq!(request.method().as_str(), "POST");
//! assert_eq!(request.path("IRabc123"), "/Advertisers/IRabc123/Conversions");
//! for (key, value) in request.params() {
//!     println!("{key}={value}");
//! }
//! // What impact.com will credit: sum(ItemSubTotal) - OrderDiscount.
//! assert_eq!(sale_amount(&request.params())?.to_string(), "24.00");
//! # Ok::<(), clicktrail_impact::Error>(())
//! ```
//!
//! Sending it (see [`ImpactClient`] for the outcomes):
//!
//! ```no_run
//! # use clicktrail_impact::*;
//! # async fn run(request: ImpactRequest) -> Result<(), Error> {
//! let config = ImpactConfig::new("IRabc123", AuthToken::new(std::env::var("IMPACT_TOKEN").unwrap_or_default()))
//!     .timeout(std::time::Duration::from_secs(20));
//! let client = ImpactClient::new(config)?;
//! if let Outcome::Queued { queued_uri: Some(uri), .. } = client.send(&request).await {
//!     let submission = client.get_submission(&uri).await?;
//!     println!("{:?}", submission.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - `amount`: [`Amount`], exact decimals from minor units; `parse` reads them back.
//! - `conversion`, `modification`, `reversal`: one request type each, validated on construction,
//!   with `params()`; `request`: [`ImpactRequest`] over the three, with method, path and kind.
//! - `email`: [`hash_email`], the SHA-1 impact.com expects in `CustomerEmail`.
//! - `event_date`: [`format_event_date`], unix seconds to ISO-8601 UTC.
//! - `sale`: [`sale_amount`], impact.com's credited amount recomputed from parameters.
//! - `envelope`: [`parse_error_envelope`], impact.com's error body.
//! - `outcome`: [`Outcome`] and the pure [`classify`] of status, headers and body.
//! - `submission`: [`Submission`], the state of a queued request.
//! - `token`, `config`: [`AuthToken`] and [`ImpactConfig`], with base-URL validation.
//! - `client`: [`ImpactClient`], the only I/O.
//! - `error`: [`Error`], the one error type.
//!
//! This crate does not know currencies: the caller passes each amount's exponent (the Stripe crate
//! owns that table).

mod amount;
mod client;
mod config;
mod conversion;
mod email;
mod envelope;
mod error;
mod event_date;
mod field;
mod modification;
mod outcome;
mod request;
mod reversal;
mod sale;
mod submission;
mod token;

pub use amount::Amount;
pub use client::{ImpactClient, MAX_BODY, Probe};
pub use config::{
    DEFAULT_API_BASE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ImpactConfig, validate_api_base,
};
pub use conversion::{Conversion, ConversionBuilder, Item};
pub use email::hash_email;
pub use envelope::{ErrorEnvelope, FieldError, parse_error_envelope};
pub use error::Error;
pub use event_date::format_event_date;
pub use modification::Modification;
pub use outcome::{BODY_EXCERPT_LIMIT, EPOCH_THRESHOLD, Outcome, classify, rate_limit_reset};
pub use request::{ImpactRequest, Method, RequestKind};
pub use reversal::Reversal;
pub use sale::sale_amount;
pub use submission::{Submission, SubmissionStatus, parse_submission, submission_id};
pub use token::AuthToken;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
