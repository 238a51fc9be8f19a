//! [`ShopError`]: what can go wrong in a request, shown to the visitor as a small HTML page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use clicktrail_stripe::Error as StripeError;

/// A request the shop could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// Stripe refused or could not be reached.
    #[error("{0}")]
    Stripe(Box<StripeError>),
    /// The form was not usable.
    #[error("{0}")]
    BadRequest(String),
    /// The object exists but belongs to another customer, or there is no customer yet.
    #[error("{0}")]
    NotYours(&'static str),
    /// Another service (the impact.com emulator, a sandbox helper) failed.
    #[error("{0}")]
    Upstream(String),
}

impl From<StripeError> for ShopError {
    /// Stripe refused, could not be reached, or answered with something other than the object
    /// expected.
    fn from(error: StripeError) -> Self {
        Self::Stripe(Box::new(error))
    }
}

impl ShopError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotYours(_) => StatusCode::FORBIDDEN,
            Self::Stripe(e)
                if matches!(
                    **e,
                    StripeError::Api {
                        status: 400..=499,
                        ..
                    }
                ) =>
            {
                StatusCode::BAD_REQUEST
            }
            Self::Stripe(_) | Self::Upstream(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl IntoResponse for ShopError {
    fn into_response(self) -> Response {
        let status = self.status();
        tracing::warn!(%status, error = %self, "request failed");
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sample shop: error</title>\
             <link rel=\"stylesheet\" href=\"/style.css\"></head><body><main class=\"narrow\">\
             <h1>Something went wrong</h1><p class=\"notice error\" id=\"error\">{}</p>\
             <p><a href=\"javascript:history.back()\">Go back</a> or <a href=\"/pricing.html\">see the plans</a>.</p>\
             </main></body></html>",
            escape(&self.to_string())
        );
        (status, Html(page)).into_response()
    }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
