//! Stripe's error envelope: `{"error": {"type", "code", "message", "param"}}` with Stripe's HTTP
//! statuses (400 invalid request, 401 authentication, 403 permission, 404 missing resource, ...).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error answered in Stripe's envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `error.type`: `invalid_request_error`, `idempotency_error`, `api_error`, ...
    pub kind: &'static str,
    /// `error.code`, when Stripe sets one (`resource_missing`, `parameter_missing`, ...).
    pub code: Option<&'static str>,
    /// `error.message`, worded like Stripe's.
    pub message: String,
    /// `error.param`: the bracketed parameter at fault.
    pub param: Option<String>,
}

impl ApiError {
    /// A 400 `invalid_request_error`.
    pub fn invalid_request(message: impl Into<String>, param: Option<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            code: None,
            message: message.into(),
            param,
        }
    }

    /// Sets `error.code`.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// 400 `parameter_missing`.
    pub fn missing_param(param: &str) -> Self {
        Self::invalid_request(
            format!("Missing required param: {param}."),
            Some(param.to_owned()),
        )
        .with_code("parameter_missing")
    }

    /// 400 `parameter_unknown`.
    pub fn unknown_param(param: &str) -> Self {
        Self::invalid_request(
            format!("Received unknown parameter: {param}"),
            Some(param.to_owned()),
        )
        .with_code("parameter_unknown")
    }

    /// 400 `parameter_invalid_empty` / invalid value for `param`.
    pub fn invalid_value(param: &str, message: impl Into<String>) -> Self {
        Self::invalid_request(message, Some(param.to_owned()))
            .with_code("parameter_invalid_string_empty")
    }

    /// 404 `resource_missing` for the object `object` (`customer`) with id `id`, given as `param`.
    pub fn no_such(object: &str, id: &str, param: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            kind: "invalid_request_error",
            code: Some("resource_missing"),
            message: format!("No such {object}: '{id}'"),
            param: Some(param.to_owned()),
        }
    }

    /// 404 for a URL the emulator does not serve.
    pub fn unrecognized_url(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            kind: "invalid_request_error",
            code: None,
            message: format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
            param: None,
        }
    }

    /// 401: no key, or an unknown key.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            kind: "invalid_request_error",
            code: None,
            message: message.into(),
            param: None,
        }
    }

    /// 403: a restricted key without the permission.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            kind: "invalid_request_error",
            code: None,
            message: message.into(),
            param: None,
        }
    }

    /// 400 `idempotency_error`.
    pub fn idempotency(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "idempotency_error",
            code: None,
            message: message.into(),
            param: None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        if let Some(code) = self.code {
            error.insert("code".into(), json!(code));
            error.insert(
                "doc_url".into(),
                json!(format!(
                    "https://stripe.com/docs/error-codes/{}",
                    code.replace('_', "-")
                )),
            );
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        error.insert("type".into(), json!(self.kind));
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_stripe_keys() {
        let e = ApiError::no_such("customer", "cus_x", "id");
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let body = e.body();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "resource_missing");
        assert_eq!(body["error"]["message"], "No such customer: 'cus_x'");
        assert_eq!(body["error"]["param"], "id");
    }

    #[test]
    fn absent_fields_are_omitted() {
        let body = ApiError::forbidden("no").body();
        assert!(body["error"].get("code").is_none());
        assert!(body["error"].get("param").is_none());
    }
}
