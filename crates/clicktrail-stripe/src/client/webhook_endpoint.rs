//! [`WebhookEndpoint`]: a view of a webhook endpoint, with its secret when Stripe shows it.

use serde_json::Value;

use crate::Error;
use crate::Metadata;
use crate::webhook::WebhookSecret;

/// A Stripe webhook endpoint (`we_...`).
///
/// `secret` is present only in the answer to the creation: Stripe never shows it again. It is a
/// [`WebhookSecret`], so `Debug` does not print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// `we_...`.
    pub id: String,
    /// Where Stripe delivers.
    pub url: String,
    /// The delivered event types (`*` for all).
    pub enabled_events: Vec<String>,
    /// The pinned API version, `None` when the account default applies.
    pub api_version: Option<String>,
    /// `enabled` or `disabled`.
    pub status: Option<String>,
    /// The Dashboard description.
    pub description: Option<String>,
    /// The endpoint's metadata.
    pub metadata: Metadata,
    /// The signing secret, only right after creation.
    pub secret: Option<WebhookSecret>,
}

impl WebhookEndpoint {
    /// Reads a webhook endpoint object.
    ///
    /// ```
    /// use clicktrail_stripe::client::WebhookEndpoint;
    ///
    /// let we = WebhookEndpoint::from_value(&serde_json::json!({
    ///     "id": "we_1", "object": "webhook_endpoint", "url": "https://x.example/hook",
    ///     "enabled_events": ["invoice.paid"], "api_version": null, "status": "enabled",
    ///     "metadata": {}, "secret": "whsec_abc"
    /// })).unwrap();
    /// assert_eq!(we.enabled_events, ["invoice.paid"]);
    /// assert_eq!(we.secret.unwrap().expose(), "whsec_abc");
    /// ```
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let bad = |field: &str, expected: &str| {
            Error::Decode(format!(
                "webhook endpoint field `{field}` is not {expected}"
            ))
        };
        let object = value
            .as_object()
            .ok_or_else(|| Error::Decode("a webhook endpoint is not a JSON object".into()))?;
        match object.get("object").and_then(Value::as_str) {
            Some("webhook_endpoint") | None => {}
            Some(other) => {
                return Err(Error::Decode(format!(
                    "expected a `webhook_endpoint` object, found `{other}`"
                )));
            }
        }
        let string = |field: &str| match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(field, "a string")),
        };
        let enabled_events = match object.get("enabled_events") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("enabled_events", "an array of strings"))?,
            Some(_) => return Err(bad("enabled_events", "an array of strings")),
        };
        let metadata = match object.get("metadata") {
            None | Some(Value::Null) => Metadata::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("metadata", "a map of strings"))?,
            Some(_) => return Err(bad("metadata", "a map of strings")),
        };
        let secret = match string("secret")? {
            Some(s) => Some(WebhookSecret::new(s).map_err(|e| {
                Error::Decode(format!("webhook endpoint `secret` is unusable: {e}"))
            })?),
            None => None,
        };
        Ok(Self {
            id: string("id")?.ok_or_else(|| bad("id", "present"))?,
            url: string("url")?.ok_or_else(|| bad("url", "present"))?,
            enabled_events,
            api_version: string("api_version")?,
            status: string("status")?,
            description: string("description")?,
            metadata,
            secret,
        })
    }

    /// The event types of `wanted` this endpoint does not deliver (none when it delivers `*`).
    ///
    /// ```
    /// # use clicktrail_stripe::client::WebhookEndpoint;
    /// # let mut we = WebhookEndpoint::from_value(&serde_json::json!({"id": "we_1", "url": "u"})).unwrap();
    /// we.enabled_events = vec!["invoice.paid".into()];
    /// assert_eq!(we.missing_events(&["invoice.paid", "charge.refunded"]), ["charge.refunded"]);
    /// we.enabled_events = vec!["*".into()];
    /// assert!(we.missing_events(&["charge.refunded"]).is_empty());
    /// ```
    pub fn missing_events<'w>(&self, wanted: &[&'w str]) -> Vec<&'w str> {
        if self.enabled_events.iter().any(|e| e == "*") {
            return Vec::new();
        }
        wanted
            .iter()
            .filter(|w| !self.enabled_events.iter().any(|e| e == *w))
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_fixture_shape_and_hides_the_secret() {
        let we = WebhookEndpoint::from_value(&json!({
            "id": "we_1", "object": "webhook_endpoint", "url": "https://a.example/h",
            "enabled_events": ["*"], "api_version": "2025-03-31.basil",
            "description": "clicktrail", "metadata": {"managed_by": "clicktrail"},
            "status": "enabled", "secret": "whsec_do_not_print"
        }))
        .unwrap();
        assert_eq!(we.api_version.as_deref(), Some("2025-03-31.basil"));
        assert_eq!(we.metadata["managed_by"], "clicktrail");
        assert!(!format!("{we:?}").contains("do_not_print"));
    }

    #[test]
    fn wrong_shapes_are_named() {
        for (value, needle) in [
            (json!({"id": "we_1"}), "`url`"),
            (
                json!({"id": "we_1", "url": "u", "enabled_events": "x"}),
                "`enabled_events`",
            ),
            (
                json!({"id": "we_1", "url": "u", "metadata": {"a": 1}}),
                "`metadata`",
            ),
            (json!({"id": 5, "url": "u"}), "`id`"),
            (
                json!({"id": "we_1", "url": "u", "object": "customer"}),
                "`customer`",
            ),
            (json!({"id": "we_1", "url": "u", "secret": ""}), "`secret`"),
        ] {
            let err = WebhookEndpoint::from_value(&value).unwrap_err().to_string();
            assert!(err.contains(needle), "{value}: {err}");
        }
    }
}
