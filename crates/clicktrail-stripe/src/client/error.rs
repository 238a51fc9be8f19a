//! What the client adds to the crate's [`Error`]: [`classify_error`], the pure reading of
//! Stripe's error envelope, and [`Error::status`] / [`Error::is_not_found`] /
//! [`Error::is_permission_denied`].
//!
//! Stripe answers a failed request with a non-2xx status and
//! `{"error": {"type", "code", "message", "param", ...}}`, plus a `Request-Id` header. Which
//! variant an answer becomes depends on the status (401, 403, 429) and, for a restricted key
//! lacking a permission, on the message: Stripe names the permission in a sentence
//! (`Having the 'rak_subscription_read' permission would allow this request to continue.`), and
//! `clicktrail check` shows it to the operator.

use serde_json::Value;

use crate::Error;

impl Error {
    /// The HTTP status of an error answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Authentication { .. } => Some(401),
            Self::PermissionDenied { .. } => Some(403),
            Self::RateLimited { .. } => Some(429),
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the error says the object does not exist (`resource_missing`, or a bare 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
            || matches!(self, Self::Api { code: Some(c), .. } if c == "resource_missing")
    }

    /// Whether the key may not make this request (403: a restricted key lacks the permission).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::PermissionDenied { .. })
    }
}

/// The most of a non-JSON error body quoted in a message.
const EXCERPT: usize = 200;

/// Reads an error answer (any non-2xx status) into the matching [`Error`].
///
/// Pure: the client calls it with what arrived, and tests call it with what Stripe sends.
///
/// ```
/// use clicktrail_stripe::{client::classify_error, Error};
///
/// let body = br#"{"error": {"type": "invalid_request_error", "message": "The provided key 'rk_test_******abcd' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_subscription_read' permission would allow this request to continue."}}"#;
/// let err = classify_error(403, body, Some("req_1".into()));
/// assert!(matches!(
///     err,
///     Error::PermissionDenied { permission: Some(ref p), .. } if p == "rak_subscription_read"
/// ));
/// ```
pub fn classify_error(status: u16, body: &[u8], request_id: Option<String>) -> Error {
    let envelope = serde_json::from_slice::<Value>(body).ok();
    let error = envelope.as_ref().and_then(|v| v.get("error"));
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let message = field("message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            format!("HTTP {status} with an empty body")
        } else {
            text.chars().take(EXCERPT).collect()
        }
    });
    match status {
        401 => Error::Authentication {
            message,
            request_id,
        },
        403 => Error::PermissionDenied {
            permission: missing_permission(&message),
            message,
            request_id,
        },
        429 => Error::RateLimited {
            message,
            request_id,
        },
        _ => Error::Api {
            status,
            kind: field("type").unwrap_or_else(|| "api_error".to_owned()),
            code: field("code"),
            message,
            param: field("param"),
            request_id,
        },
    }
}

/// The permission named in Stripe's message: the quoted word just before `permission`
/// (`Having the 'rak_subscription_read' permission would allow...`), or failing that any quoted
/// `rak_...` word.
pub fn missing_permission(message: &str) -> Option<String> {
    let valid =
        |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    // Odd parts are quoted words; the part after each is the text following its closing quote.
    let parts: Vec<&str> = message.split('\'').collect();
    let quoted = || {
        (1..parts.len().saturating_sub(1))
            .step_by(2)
            .map(|i| (parts[i], parts[i + 1]))
    };
    quoted()
        .find(|(word, after)| valid(word) && after.trim_start().starts_with("permission"))
        .or_else(|| quoted().find(|(word, _)| word.starts_with("rak_") && valid(word)))
        .map(|(word, _)| word.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripe's answer to a restricted key without subscription read access, as documented
    /// publicly (the wording of `../../../shared/reference/stripe.md`).
    const PERMISSION_BODY: &str = r#"{
      "error": {
        "message": "The provided key 'rk_test_******Xy12' does not have the required permissions for this endpoint on account 'acct_1Abc'. Having the 'rak_subscription_read' permission would allow this request to continue.",
        "type": "invalid_request_error"
      }
    }"#;

    #[test]
    fn a_permission_error_names_the_permission() {
        let err = classify_error(403, PERMISSION_BODY.as_bytes(), Some("req_9".into()));
        match &err {
            Error::PermissionDenied {
                permission,
                message,
                request_id,
            } => {
                assert_eq!(permission.as_deref(), Some("rak_subscription_read"));
                assert!(message.starts_with("The provided key 'rk_test_******Xy12'"));
                assert_eq!(request_id.as_deref(), Some("req_9"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().starts_with(
            "the Stripe key lacks the `rak_subscription_read` permission: The provided key"
        ));
        assert_eq!(err.status(), Some(403));
    }

    #[test]
    fn permission_parsing_tolerates_other_wordings() {
        for (message, expected) in [
            (
                "Having the 'rak_webhook_endpoint_write' permission would allow this request to continue.",
                Some("rak_webhook_endpoint_write"),
            ),
            // No sentence after it, but a rak_ word in quotes.
            ("Missing 'rak_invoice_read'.", Some("rak_invoice_read")),
            // The account and key are quoted too, but are not followed by "permission".
            (
                "The provided key 'rk_live_***' on account 'acct_1' lacks the 'charge_read' permission",
                Some("charge_read"),
            ),
            ("You do not have permission.", None),
            ("Having the '' permission", None),
            ("", None),
        ] {
            assert_eq!(
                missing_permission(message).as_deref(),
                expected,
                "{message}"
            );
        }
    }

    #[test]
    fn an_invalid_request_keeps_type_code_param_and_request_id() {
        let body = br#"{"error": {"type": "invalid_request_error", "code": "resource_missing",
            "message": "No such price: 'price_x'", "param": "items[0][price]",
            "doc_url": "https://stripe.com/docs/error-codes/resource-missing"}}"#;
        let err = classify_error(400, body, Some("req_1".into()));
        assert_eq!(
            err,
            Error::Api {
                status: 400,
                kind: "invalid_request_error".into(),
                code: Some("resource_missing".into()),
                message: "No such price: 'price_x'".into(),
                param: Some("items[0][price]".into()),
                request_id: Some("req_1".into()),
            }
        );
        assert!(err.is_not_found());
        assert_eq!(
            err.to_string(),
            "Stripe answered 400 (invalid_request_error, resource_missing): No such price: 'price_x'"
        );
    }

    #[test]
    fn status_picks_the_variant() {
        let body = br#"{"error": {"type": "invalid_request_error", "message": "m"}}"#;
        assert!(matches!(
            classify_error(401, body, None),
            Error::Authentication { ref message, .. } if message == "m"
        ));
        assert!(matches!(
            classify_error(429, body, None),
            Error::RateLimited { .. }
        ));
        assert!(matches!(
            classify_error(403, br#"{"error": {"message": "Forbidden"}}"#, None),
            Error::PermissionDenied {
                permission: None,
                ..
            }
        ));
        assert_eq!(classify_error(402, body, None).status(), Some(402));
    }

    #[test]
    fn a_body_that_is_not_the_envelope_is_quoted_briefly() {
        let html = format!("<html>{}</html>", "x".repeat(1000));
        match classify_error(502, html.as_bytes(), None) {
            Error::Api {
                status,
                kind,
                message,
                code,
                ..
            } => {
                assert_eq!((status, kind.as_str(), code), (502, "api_error", None));
                assert_eq!(message.chars().count(), EXCERPT);
                assert!(message.starts_with("<html>x"));
            }
            other => panic!("{other:?}"),
        }
        match classify_error(500, b"", None) {
            Error::Api { message, .. } => {
                assert_eq!(message, "HTTP 500 with an empty body");
            }
            other => panic!("{other:?}"),
        }
    }
}
