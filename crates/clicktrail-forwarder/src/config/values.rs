//! Validated configuration values.
//!
//! Each type checks its value while it is deserialized, so the loader's error carries the key that
//! held it; every message says what was found and what is allowed.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};

/// A numeric impact.com id: the Program (campaign) id or an event type (action tracker) id.
///
/// Written as a string (`"2000"`) or a TOML integer (`2000`); kept as its decimal text, which is
/// what the wire carries.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NumericId(String);

impl NumericId {
    /// Validates `value`: 1 to 18 ASCII digits.
    pub fn new(value: &str) -> Result<Self, String> {
        if !value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "found {value:?}, expected a numeric id of 1 to 18 digits such as \"2000\""
            ))
        }
    }

    /// The id as sent to impact.com.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NumericId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for NumericId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NumericId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = NumericId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a numeric id as a string (\"2000\") or an integer (2000)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumericId, E> {
                NumericId::new(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericId, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericId, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The impact.com Account SID, the user name of HTTP Basic authentication (`IR...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSid(String);

impl AccountSid {
    /// Validates `value`: 1 to 64 ASCII letters and digits.
    pub fn new(value: &str) -> Result<Self, String> {
        if !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "found {value:?}, expected the Account SID: 1 to 64 letters and digits, such as \"IRxxxxxxxx\""
            ))
        }
    }

    /// The SID as it appears in request paths (`/Advertisers/{SID}/...`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for AccountSid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(de::Error::custom)
    }
}

/// The base URL of an API (`https://api.impact.com`, `https://api.stripe.com`, or the sandbox).
///
/// `https` anywhere; plain `http` only to a loopback host, so a typo never sends credentials in
/// clear. Stored without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase(String);

impl ApiBase {
    /// Validates `value` as described on the type (the rule the API clients apply too:
    /// [`clicktrail_http::validate_api_base`]).
    pub fn new(value: &str) -> Result<Self, String> {
        match clicktrail_http::validate_api_base(value) {
            Ok(base) => Ok(Self(base)),
            Err(clicktrail_http::BaseUrlError::Insecure { .. }) => Err(format!(
                "found {value:?}, expected https:// (plain http:// is allowed only for 127.0.0.0/8, [::1] or localhost)"
            )),
            Err(clicktrail_http::BaseUrlError::Invalid { url, reason }) => Err(format!(
                "found {url:?} ({reason}), expected a URL such as \"https://api.impact.com\""
            )),
        }
    }

    /// The URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ApiBase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(de::Error::custom)
    }
}

/// An impact.com code such as a modification `Reason` or a reversal `DispositionCode`
/// (`ITEM_RETURNED`, `ORDER_UPDATE`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// Validates `value`: 1 to 64 upper-case letters, digits and underscores.
    pub fn new(value: &str) -> Result<Self, String> {
        let ok = !value.is_empty()
            && value.len() <= 64
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "found {value:?}, expected an impact.com code of upper-case letters, digits and _, such as \"ITEM_RETURNED\""
            ))
        }
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(de::Error::custom)
    }
}

/// The metadata keys that may hold a click id, matched case-insensitively.
///
/// Never empty; each key is 1 to 40 characters without `[` or `]` (Stripe's metadata key rules).
/// Kept lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickIdKeys(Vec<String>);

impl ClickIdKeys {
    /// Validates and lower-cases `keys`.
    pub fn new<S: AsRef<str>>(keys: &[S]) -> Result<Self, String> {
        if keys.is_empty() {
            return Err("found an empty list, expected at least one metadata key".to_owned());
        }
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let key = key.as_ref();
            if key.is_empty() || key.chars().count() > 40 || key.contains(['[', ']']) {
                return Err(format!(
                    "found {key:?}, expected metadata keys of 1 to 40 characters without [ or ]"
                ));
            }
            let lower = key.to_lowercase();
            if !out.contains(&lower) {
                out.push(lower);
            }
        }
        Ok(Self(out))
    }

    /// Whether `key` is one of these keys, ignoring case.
    pub fn matches(&self, key: &str) -> bool {
        let key = key.to_lowercase();
        self.0.contains(&key)
    }

    /// The keys, lower-cased, in their configured order of preference.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl Default for ClickIdKeys {
    fn default() -> Self {
        Self(
            ["impact_click_id", "impact_clickid", "irclickid", "im_ref"]
                .map(str::to_owned)
                .into(),
        )
    }
}

impl<'de> Deserialize<'de> for ClickIdKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keys = Vec::<String>::deserialize(deserializer)?;
        Self::new(&keys).map_err(de::Error::custom)
    }
}

/// Deserializes a human duration such as `"1h"`, `"90m"`, `"2s"` or `"1h 30m"` (humantime syntax).
pub(crate) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(|e| {
        de::Error::custom(format!(
            "found {text:?} ({e}), expected a duration such as \"1h\", \"90m\", \"2s\" or \"0s\""
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids() {
        assert_eq!(NumericId::new("2000").unwrap().as_str(), "2000");
        for bad in ["", "20a0", "-1", " 1", "1234567890123456789"] {
            let err = NumericId::new(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        let from_int: NumericId = serde_json::from_str("2001").unwrap();
        assert_eq!(from_int.as_str(), "2001");
    }

    #[test]
    fn api_bases() {
        assert_eq!(
            ApiBase::new("https://api.impact.com/").unwrap().as_str(),
            "https://api.impact.com"
        );
        assert!(ApiBase::new("http://127.0.0.1:12112").is_ok());
        assert!(ApiBase::new("http://localhost:8080/x").is_ok());
        assert!(ApiBase::new("http://[::1]:9").is_ok());
        for bad in [
            "http://api.impact.com",
            "ftp://x",
            "https://",
            "api.impact.com",
            "http://127.0.0.1.evil.com",
        ] {
            assert!(ApiBase::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_and_keys() {
        assert!(Code::new("ITEM_RETURNED").is_ok());
        assert!(Code::new("item_returned").is_err());
        let keys = ClickIdKeys::new(&["Impact_Click_Id", "irclickid"]).unwrap();
        assert!(keys.matches("IMPACT_CLICK_ID"));
        assert!(keys.matches("IRClickId"));
        assert!(!keys.matches("im_ref"));
        assert!(ClickIdKeys::new::<&str>(&[]).is_err());
        assert!(ClickIdKeys::new(&["a[b]"]).is_err());
        assert!(ClickIdKeys::new(&["x".repeat(41)]).is_err());
    }
}
