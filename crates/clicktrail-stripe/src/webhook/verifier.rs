//! [`Verifier`]: checks a delivery's `Stripe-Signature` header against one or more secrets.

use std::time::Duration;

use hmac::Mac;

use super::WebhookSecret;
use super::header::SignatureHeader;
use super::signature::signed_payload_mac;
use crate::{Error, VerifyError};

/// Checks webhook deliveries against one or more endpoint secrets.
///
/// A delivery is accepted when ANY `v1` signature in the header matches the body under ANY
/// secret (while Stripe rolls a secret it signs with both, and we may hold both while we roll
/// ours), and when its timestamp is within the tolerance of `now`, in either direction. The
/// official SDKs only refuse timestamps that are too old; refusing those too far ahead as well
/// closes the door on a signature captured with a skewed clock being replayed later.
///
/// The signature is checked before the timestamp, like the SDKs do: a "too old" error therefore
/// means a genuine but stale delivery, never a forgery.
///
/// ```
/// use std::time::Duration;
/// use clicktrail_stripe::webhook::{sign, Verifier, WebhookSecret};
/// use clicktrail_stripe::VerifyError;
///
/// let secret = WebhookSecret::new("whsec_test").unwrap();
/// let verifier = Verifier::new(vec![secret.clone()], Duration::from_secs(300)).unwrap();
/// let header = sign(b"{}", &secret, 1_700_000_000);
/// assert_eq!(verifier.verify(b"{}", &header, 1_700_000_100), Ok(()));
/// assert!(matches!(
///     verifier.verify(b"{}", &header, 1_700_000_301),
///     Err(VerifyError::TimestampTooOld { age_secs: 301, .. })
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<WebhookSecret>,
    tolerance_secs: u64,
}

impl Verifier {
    /// Stripe's default tolerance: five minutes.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// A verifier accepting signatures made with any of `secrets`, with timestamps at most
    /// `tolerance` away from `now` (whole seconds; sub-second parts are dropped).
    ///
    /// Refuses an empty secret list and a tolerance under one second (zero would disable the
    /// replay check).
    pub fn new(secrets: Vec<WebhookSecret>, tolerance: Duration) -> Result<Self, Error> {
        if secrets.is_empty() {
            return Err(Error::NoSecrets);
        }
        let tolerance_secs = tolerance.as_secs();
        if tolerance_secs == 0 {
            return Err(Error::ZeroTolerance);
        }
        Ok(Self {
            secrets,
            tolerance_secs,
        })
    }

    /// A verifier with [`DEFAULT_TOLERANCE`](Self::DEFAULT_TOLERANCE).
    pub fn with_default_tolerance(secrets: Vec<WebhookSecret>) -> Result<Self, Error> {
        Self::new(secrets, Self::DEFAULT_TOLERANCE)
    }

    /// Adds a secret, for rolling one without rebuilding the verifier.
    pub fn add_secret(&mut self, secret: WebhookSecret) {
        self.secrets.push(secret);
    }

    /// The tolerance, in either direction.
    pub fn tolerance(&self) -> Duration {
        Duration::from_secs(self.tolerance_secs)
    }

    /// Verifies a delivery: `raw_body` exactly as received (before any JSON parsing), `header`
    /// the `Stripe-Signature` value (pass `""` when the request had none), and `now` in unix
    /// seconds.
    pub fn verify(&self, raw_body: &[u8], header: &str, now: i64) -> Result<(), VerifyError> {
        let header = SignatureHeader::parse(header)?;
        let candidates: Vec<&[u8; 32]> = header.v1.iter().flatten().collect();
        let matched = self.secrets.iter().any(|secret| {
            let mac = signed_payload_mac(raw_body, secret, header.timestamp);
            // `verify_slice` compares in constant time.
            candidates
                .iter()
                .any(|candidate| mac.clone().verify_slice(&candidate[..]).is_ok())
        });
        if !matched {
            return Err(VerifyError::SignatureMismatch);
        }
        self.check_timestamp(header.timestamp, now)
    }

    fn check_timestamp(&self, timestamp: i64, now: i64) -> Result<(), VerifyError> {
        let age = i128::from(now) - i128::from(timestamp);
        let tolerance = i128::from(self.tolerance_secs);
        let clamp = |secs: i128| u64::try_from(secs).unwrap_or(u64::MAX);
        if age > tolerance {
            Err(VerifyError::TimestampTooOld {
                age_secs: clamp(age),
                tolerance_secs: self.tolerance_secs,
            })
        } else if -age > tolerance {
            Err(VerifyError::TimestampInFuture {
                ahead_secs: clamp(-age),
                tolerance_secs: self.tolerance_secs,
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::sign;

    fn secret(s: &str) -> WebhookSecret {
        WebhookSecret::new(s).unwrap()
    }

    #[test]
    fn construction_refuses_no_secrets_and_zero_tolerance() {
        assert_eq!(
            Verifier::new(vec![], Duration::from_secs(300)).unwrap_err(),
            Error::NoSecrets
        );
        assert_eq!(
            Verifier::new(vec![secret("whsec_a")], Duration::ZERO).unwrap_err(),
            Error::ZeroTolerance
        );
        assert_eq!(
            Verifier::new(vec![secret("whsec_a")], Duration::from_millis(999)).unwrap_err(),
            Error::ZeroTolerance
        );
        let v = Verifier::with_default_tolerance(vec![secret("whsec_a")]).unwrap();
        assert_eq!(v.tolerance(), Duration::from_secs(300));
    }

    #[test]
    fn debug_shows_no_secret() {
        let v = Verifier::with_default_tolerance(vec![secret("whsec_hidden123")]).unwrap();
        let debug = format!("{v:?}");
        assert!(!debug.contains("hidden123"), "{debug}");
        assert!(debug.contains("tolerance_secs: 300"), "{debug}");
    }

    #[test]
    fn add_secret_lets_a_new_secret_verify() {
        let old = secret("whsec_old");
        let new = secret("whsec_new");
        let mut v = Verifier::with_default_tolerance(vec![old]).unwrap();
        let header = sign(b"body", &new, 10);
        assert_eq!(
            v.verify(b"body", &header, 10),
            Err(VerifyError::SignatureMismatch)
        );
        v.add_secret(new);
        assert_eq!(v.verify(b"body", &header, 10), Ok(()));
    }

    #[test]
    fn tolerance_is_inclusive_in_both_directions() {
        let s = secret("whsec_t");
        let v = Verifier::new(vec![s.clone()], Duration::from_secs(60)).unwrap();
        let header = sign(b"x", &s, 1000);
        assert_eq!(v.verify(b"x", &header, 1060), Ok(()));
        assert_eq!(v.verify(b"x", &header, 940), Ok(()));
        assert_eq!(
            v.verify(b"x", &header, 1061),
            Err(VerifyError::TimestampTooOld {
                age_secs: 61,
                tolerance_secs: 60
            })
        );
        assert_eq!(
            v.verify(b"x", &header, 939),
            Err(VerifyError::TimestampInFuture {
                ahead_secs: 61,
                tolerance_secs: 60
            })
        );
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let s = secret("whsec_t");
        let v = Verifier::with_default_tolerance(vec![s.clone()]).unwrap();
        let header = sign(b"x", &s, i64::MAX);
        assert!(matches!(
            v.verify(b"x", &header, i64::MIN),
            Err(VerifyError::TimestampInFuture {
                ahead_secs: u64::MAX,
                ..
            })
        ));
        let header = sign(b"x", &s, 0);
        assert!(matches!(
            v.verify(b"x", &header, i64::MAX),
            Err(VerifyError::TimestampTooOld { .. })
        ));
    }
}
