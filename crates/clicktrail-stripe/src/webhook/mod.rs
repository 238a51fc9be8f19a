//! Webhook signatures: verifying Stripe's `Stripe-Signature` header, and producing one.
//!
//! Stripe signs each delivery with HMAC-SHA256 over `"{t}.{raw body}"`, keyed with the whole
//! endpoint secret (`whsec_` included), and sends `t=<unix seconds>,v1=<hex>[,v1=...][,v0=...]`.
//! [`Verifier`] checks it against the raw bytes, before any JSON parsing; [`sign`] makes one, for
//! tests and for the sandbox that emulates Stripe.
//!
//! # Example
//!
//! ```
//! use clicktrail_stripe::webhook::{sign, Verifier, WebhookSecret};
//! use clicktrail_stripe::VerifyError;
//!
//! let secret = WebhookSecret::new("whsec_test_secret").unwrap();
//! let verifier = Verifier::with_default_tolerance(vec![secret.clone()]).unwrap();
//!
//! let body = br#"{"id":"evt_1","object":"event"}"#;
//! let header = sign(body, &secret, 1_700_000_000);
//! assert_eq!(verifier.verify(body, &header, 1_700_000_010), Ok(()));
//!
//! // A changed body, a missing header: typed errors whose messages are safe in a 400 body.
//! assert_eq!(
//!     verifier.verify(b"{}", &header, 1_700_000_010),
//!     Err(VerifyError::SignatureMismatch)
//! );
//! assert_eq!(verifier.verify(body, "", 1_700_000_010), Err(VerifyError::MissingHeader));
//! ```

mod header;
mod secret;
mod signature;
mod verifier;

pub use secret::WebhookSecret;
pub use signature::sign;
pub use verifier::Verifier;
