//! [`Secret`]: a configuration string that never shows up in `Debug`, logs or error messages.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

/// A secret read from the configuration: the impact.com auth token, the Stripe API key, a webhook
/// signing secret.
///
/// `Debug` prints `Secret("[redacted]")`, there is no `Display`, and a badly typed value is
/// reported without echoing it. Read the value with [`Secret::expose`] at the one place that sends
/// it.
///
/// ```
/// use clicktrail_forwarder::config::Secret;
///
/// let token = Secret::new("s3cr3t");
/// assert_eq!(format!("{token:?}"), r#"Secret("[redacted]")"#);
/// assert_eq!(token.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the code that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&"[redacted]").finish()
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Accepts text, and integers as their decimal text (environment variables holding only digits
/// arrive as numbers); refuses everything else without echoing it.
struct SecretVisitor;

impl SecretVisitor {
    fn refuse<E: de::Error>() -> E {
        E::custom("expected a string (the value is not shown because it is a secret)")
    }
}

impl<'de> de::Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secret string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
        if v.is_empty() {
            return Err(E::custom("a secret must not be empty"));
        }
        Ok(Secret(v.to_owned()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
        Err(Self::refuse())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
        Err(Self::refuse())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Secret, E> {
        Err(Self::refuse())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(Self::refuse())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(Self::refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("whsec_abc");
        let shown = format!("{secret:?} {:?}", vec![secret.clone()]);
        assert!(!shown.contains("whsec_abc"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn wrong_types_are_refused_without_echoing_them() {
        let err = serde_json::from_str::<Secret>(r#"["hunter2"]"#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("expected a string"), "{err}");
        assert!(serde_json::from_str::<Secret>(r#""""#).is_err());
        assert_eq!(
            serde_json::from_str::<Secret>("12345").unwrap().expose(),
            "12345"
        );
    }
}
