//! Stripe wire knowledge for clicktrail.
//!
//! WIP: see the Layout section once the event model lands.

mod error;
pub mod webhook;

pub use error::{Error, VerifyError};
