//! [`WebhookSecret`]: an endpoint's signing secret, with a redacted `Debug`.

use std::fmt;

use crate::Error;

/// A Stripe webhook endpoint's signing secret (`whsec_...`).
///
/// The whole string, prefix included, is the HMAC key: it is never base64-decoded. `Debug` shows
/// only the `whsec_` prefix, so a secret can sit in a config struct that gets logged.
///
/// ```
/// use clicktrail_stripe::webhook::WebhookSecret;
///
/// let secret = WebhookSecret::new("whsec_abc123").unwrap();
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(\"whsec_…\")");
/// assert_eq!(secret.expose(), "whsec_abc123");
/// assert!(WebhookSecret::new("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps a secret, refusing an empty one and one with surrounding whitespace (such a secret
    /// could never match Stripe's signatures).
    pub fn new(secret: impl Into<String>) -> Result<Self, Error> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        if secret.trim() != secret {
            return Err(Error::SecretWhitespace);
        }
        Ok(Self(secret))
    }

    /// The secret itself, for computing a signature or handing it to a peer in a test.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.0.starts_with("whsec_") {
            "whsec_…"
        } else {
            "…"
        };
        f.debug_tuple("WebhookSecret").field(&shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_everything_after_the_prefix() {
        let secret = WebhookSecret::new("whsec_supersecretvalue").unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains("supersecret"), "{debug}");
        assert_eq!(debug, "WebhookSecret(\"whsec_…\")");
        let other = WebhookSecret::new("plainsecret").unwrap();
        assert_eq!(format!("{other:?}"), "WebhookSecret(\"…\")");
    }

    #[test]
    fn refuses_empty_and_padded_secrets() {
        assert_eq!(WebhookSecret::new(""), Err(Error::EmptySecret));
        assert_eq!(
            WebhookSecret::new("whsec_x\n"),
            Err(Error::SecretWhitespace)
        );
        assert_eq!(WebhookSecret::new(" whsec_x"), Err(Error::SecretWhitespace));
    }
}
