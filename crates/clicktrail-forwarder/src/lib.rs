//! The clicktrail forwarder: Stripe events in, impact.com conversions, modifications and
//! reversals out.
//!
//! This crate holds the forwarder's configuration, its mapping rules (the heart of the product:
//! they decide what partners are paid) and the `clicktrail` command. The rules are pure: an event,
//! the [`Settings`](mapping::Settings) and what the forwarder already knows go in, a
//! [`Decision`](mapping::Decision) comes out, with the facts to remember attached. The service
//! (intake, store, delivery: [`serve`]) is built around them.
//!
//! # Example
//!
//! ```
//! use clicktrail_forwarder::knowledge::MemoryKnowledge;
//! use clicktrail_forwarder::mapping::{decide, Decision, Fetched, Settings};
//! use clicktrail_stripe::Event;
//!
//! let mut knowledge = MemoryKnowledge::default();
//! let settings = Settings::demo();
//! let event = Event::from_slice(br#"{
//!   "id": "evt_1", "type": "checkout.session.completed", "created": 1795741500,
//!   "data": {"object": {"id": "cs_1", "object": "checkout.session", "mode": "payment",
//!     "payment_status": "paid", "payment_intent": "pi_1", "currency": "jpy",
//!     "amount_total": 5000, "total_details": {"amount_tax": 0},
//!     "metadata": {"IRClickId": "Qx9abc"}}}
//! }"#)?;
//! // The rules ask Stripe for the session's line items; here Stripe refuses (a restricted key):
//! // the conversion goes out as one item, and the decision says why.
//! let mut fetched = Fetched::default();
//! fetched.checkout_line_items("cs_1", Err("403: rak_checkout_session_read".into()));
//! let decision = decide(&event, &settings, &knowledge, &fetched, event.created);
//! knowledge.apply(decision.records());
//! let Decision::Send { request, note, .. } = &decision else { panic!("{decision:?}") };
//! assert_eq!(request.path(&settings.account_sid), "/Advertisers/IRsandbox/Conversions");
//! assert!(request.params().contains(&("OrderId".into(), "pi_1".into())));
//! assert!(request.params().contains(&("ItemSubTotal1".into(), "5000".into()))); // yen: no decimals
//! assert!(note.as_deref().unwrap().starts_with("sent as one item"));
//!
//! // The same event again is a duplicate.
//! let again = decide(&event, &settings, &knowledge, &fetched, event.created);
//! assert_eq!(again.kind(), "skip");
//! # Ok::<(), clicktrail_stripe::Error>(())
//! ```
//!
//! # Layout
//!
//! - [`config`]: the TOML configuration (`[impact]`, `[rules]`, `[stripe]`), validated on load,
//!   secrets redacted.
//! - [`mapping`]: the rules. `mapping/{invoice,checkout,refund}.rs` hold one event family each;
//!   `click_id.rs` where click ids are found; `items.rs` the itemisation that makes impact.com's
//!   sale amount equal the amount credited; `conversion.rs` the request they build;
//!   `dedupe.rs` the duplicate checks; `need.rs` the Stripe look-ups a decision can ask for;
//!   `decision.rs` the outcome.
//! - [`knowledge`]: what the forwarder learned (the [`Knowledge`](knowledge::Knowledge) trait
//!   the rules read, the [`Record`](knowledge::Record)s a decision asks to store, and an
//!   in-memory implementation).
//! - [`account`]: the Stripe side: `setup` (one webhook endpoint, its secret kept), `check`
//!   (permissions), `backfill` and the reconcile loop of `serve` (missed events read back).
//! - [`explain`]: `clicktrail explain`, the rules run over event files without sending anything.
//! - [`serve`]: `clicktrail serve`, `run(config, listener, shutdown)`: the HTTP intake, the
//!   worker and the endpoints in one process, stopped by the future it is given.
//! - [`intake`]: the deduplicating [`Intake::ingest`](intake::Intake::ingest) every event goes
//!   through (webhook, backfill, reconcile), with group commit; `intake/http.rs` the axum routes
//!   (`POST {webhook_path}`, `/healthz`, `/readyz`, `/metrics`).
//! - [`store`]: sqlx over SQLite or PostgreSQL: events, the job outbox (leases, `SKIP LOCKED`),
//!   attempts, and the [`Knowledge`](knowledge::Knowledge) implementation over the database.
//! - [`worker`]: claims due jobs, decides (with Stripe look-ups), sends, records attempts.
//! - [`clock`]: the one injectable clock the store, the worker and the rules read.
//! - [`retry`]: the retry schedule and outcome handling, pure. [`verdict`]: what impact.com's
//!   verdict on a queued request means, pure. [`metrics`]: the Prometheus text.
//! - `error`: [`Error`], whose variants keep the error that caused them as their source, and
//!   [`Report`], which prints an error with its causes.
//! - `cli` (binary only): argument parsing, one module per command; `main.rs` stays thin.

pub mod account;
mod batch;
pub mod clock;
pub mod config;
pub mod console;
mod error;
pub mod explain;
pub mod intake;
pub mod knowledge;
pub mod mapping;
pub mod metrics;
pub mod retry;
pub mod serve;
pub mod store;
pub mod verdict;
pub mod worker;

pub use error::{Cause, Error, Report};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
