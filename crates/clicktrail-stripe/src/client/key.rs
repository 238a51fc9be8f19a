//! [`ApiKey`]: a Stripe secret or restricted key, kept out of logs.

use std::fmt;

use crate::Error;

/// A Stripe API key: secret (`sk_live_...`, `sk_test_...`) or restricted (`rk_live_...`,
/// `rk_test_...`).
///
/// Publishable keys (`pk_...`) cannot call the API the forwarder needs and are refused at
/// construction, as are empty keys and keys holding whitespace or other characters that cannot
/// travel in an `Authorization` header. `Debug` shows what the Stripe Dashboard shows: the prefix
/// and the last four characters.
///
/// ```
/// use clicktrail_stripe::client::ApiKey;
///
/// let key = ApiKey::new("rk_test_51Hx9aBcDeFgHiJkLmNoPabcd").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey(rk_test_…abcd)");
/// assert!(key.is_restricted() && !key.is_live());
/// assert!(ApiKey::new("pk_test_123").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

const PREFIXES: [&str; 4] = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"];

impl ApiKey {
    /// Checks and wraps a key.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::InvalidKey("the key is empty"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidKey(
                "the key holds whitespace or characters outside printable ASCII",
            ));
        }
        let Some(prefix) = PREFIXES.iter().find(|p| key.starts_with(*p)) else {
            return Err(Error::InvalidKey(
                "expected a secret (sk_live_/sk_test_) or restricted (rk_live_/rk_test_) key",
            ));
        };
        if key.len() == prefix.len() {
            return Err(Error::InvalidKey("the key has nothing after its prefix"));
        }
        Ok(Self(key))
    }

    /// Whether this is a restricted key (`rk_...`), whose permissions are set per resource.
    pub fn is_restricted(&self) -> bool {
        self.0.starts_with("rk_")
    }

    /// Whether this is a live-mode key.
    pub fn is_live(&self) -> bool {
        self.0[3..].starts_with("live_")
    }

    /// The key itself, for the `Authorization` header. Do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The redacted form used by `Debug`: `rk_test_…abcd`.
    pub fn redacted(&self) -> String {
        let prefix_len = PREFIXES
            .iter()
            .find(|p| self.0.starts_with(*p))
            .map_or(0, |p| p.len());
        let rest = &self.0[prefix_len..];
        // Show the last four only when at least as much stays hidden.
        let tail = if rest.len() >= 8 {
            &rest[rest.len() - 4..]
        } else {
            ""
        };
        format!("{}…{tail}", &self.0[..prefix_len])
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_four_kinds() {
        for (key, restricted, live) in [
            ("sk_live_abcdefghijkl", false, true),
            ("sk_test_abcdefghijkl", false, false),
            ("rk_live_abcdefghijkl", true, true),
            ("rk_test_abcdefghijkl", true, false),
        ] {
            let k = ApiKey::new(key).unwrap();
            assert_eq!(
                (k.is_restricted(), k.is_live()),
                (restricted, live),
                "{key}"
            );
            assert_eq!(k.expose_secret(), key);
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_usable_key() {
        for bad in [
            "",
            "pk_test_abc",
            "whsec_abc",
            "sk_test_",
            "sk_test_abc def",
            "sk_test_abc\n",
            " sk_test_abc",
            "sk_test_é",
        ] {
            assert!(
                matches!(ApiKey::new(bad), Err(Error::InvalidKey(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_shows_prefix_and_last_four_only() {
        let key = ApiKey::new("sk_live_51Hx9aSECRETPARTwxyz").unwrap();
        let debug = format!("{key:?}");
        assert_eq!(debug, "ApiKey(sk_live_…wxyz)");
        assert!(!debug.contains("SECRET"));
        // A short key shows no tail at all.
        let short = ApiKey::new("rk_test_1234567").unwrap();
        assert_eq!(format!("{short:?}"), "ApiKey(rk_test_…)");
    }
}
