//! The axum extractor: `ClickId` when a handler needs one, `Option<ClickId>` when it can do
//! without.
//!
//! Both are one-line adapters over the request extensions that
//! [`CaptureClickIdLayer`](crate::CaptureClickIdLayer) fills; without axum, read
//! `request.extensions().get::<ClickId>()`.

use std::fmt;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::ClickId;
use crate::capture::NoClickId;

/// Rejection of the [`ClickId`] extractor: the request has no click id.
///
/// When [`CaptureClickIdLayer`](crate::CaptureClickIdLayer) ran and found none, this is
/// `400 Bad Request`; when the layer is missing from the stack, it is a server mistake,
/// `500 Internal Server Error`. Both messages say how to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingClickId {
    layer_ran: bool,
}

impl MissingClickId {
    /// The status code of the response.
    pub fn status(&self) -> StatusCode {
        if self.layer_ran {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    /// The text of the response.
    pub fn body_text(&self) -> &'static str {
        if self.layer_ran {
            "The request carries no valid impact.com click id. \
             If a click id is optional here, extract `Option<ClickId>` instead."
        } else {
            "No `ClickId` in the request extensions. Perhaps you forgot to add \
             `CaptureClickIdLayer`? If a click id is optional here, extract `Option<ClickId>`."
        }
    }
}

impl fmt::Display for MissingClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.body_text())
    }
}

impl std::error::Error for MissingClickId {}

impl IntoResponse for MissingClickId {
    fn into_response(self) -> Response {
        (self.status(), self.body_text()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClickId {
    type Rejection = MissingClickId;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ClickId>()
            .cloned()
            .ok_or(MissingClickId {
                layer_ran: parts.extensions.get::<NoClickId>().is_some(),
            })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ClickId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<ClickId>().cloned())
    }
}
