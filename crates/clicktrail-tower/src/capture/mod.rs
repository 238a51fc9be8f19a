//! Capture the impact.com click id of each request into its extensions.
//!
//! [`CaptureClickIdLayer`] looks in its [`Source`](crate::Source)s, in order, and puts the first
//! valid click id into the request extensions as [`ClickId`](crate::ClickId). By default:
//!
//! 1. the field `impact_ClickId` of a `POST` body (the hidden field the browser kit fills):
//!    an `application/x-www-form-urlencoded` or `multipart/form-data` form, or a top-level
//!    string member of an `application/json` object;
//! 2. the header `X-Impact-Click-Id`;
//! 3. the query parameters `irclickid`, then `im_ref` (partner landing links);
//! 4. the cookie `impact_click_id` (set by the browser kit or by the landing capture).
//!
//! Values are validated by `clicktrail-clickid`; an invalid value is ignored with a
//! `tracing::debug!` (naming the rule, never the value) and the next source is tried. A
//! `ClickId` already in the extensions (put there by an earlier layer) is kept and nothing is
//! read.
//!
//! It also performs the [landing capture](crate::landing): a `GET` whose query carries a valid
//! click id is answered with the first-party cookie, when the [consent](crate::landing#consent)
//! hook allows it (by default it does). The click id is put into the extensions either way.
//!
//! # The form body
//!
//! To read the form field, the body is buffered, up to [`form_limit`](CaptureClickIdLayer::form_limit)
//! (64 KiB by default), only when no earlier source already gave a click id. The inner service
//! then receives it unchanged, as a [`ReplayBody`](crate::ReplayBody): the same bytes, whatever
//! was found in them. Three content types are read:
//!
//! - `application/x-www-form-urlencoded`: the field's value, URL-decoded once;
//! - `multipart/form-data`: a text part of that name (a part with a `filename` is a file, not a
//!   field), verbatim; parts are read up to the first malformed one;
//! - `application/json` and `application/*+json`: a top-level string member of that name,
//!   verbatim; a body that is not a well-formed JSON object gives nothing.
//!
//! Names are compared ASCII case-insensitively. A body that announces more than the limit
//! (`Content-Length`), or any other content type, is handed on untouched and streaming. A body without a length that turns out larger than the limit is handed on as the
//! bytes already read followed by the rest of the stream: complete, and no click id is read from
//! it. A body that fails while being read is handed on with the same failure after what was read.
//!
//! The inner service must be `Clone` (the form path moves it into the response future while the
//! body is read, like axum's `from_fn`).
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use clicktrail_tower::{CaptureClickIdLayer, ClickId, ReplayBody};
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let handler = tower::service_fn(|request: Request<ReplayBody<Full<Bytes>>>| async move {
//!     let click_id = request.extensions().get::<ClickId>().map(ClickId::to_string);
//!     Ok::<_, Infallible>(Response::new(click_id.unwrap_or_default()))
//! });
//! let service = ServiceBuilder::new().layer(CaptureClickIdLayer::new()).service(handler);
//!
//! let request = Request::get("/pricing?irclickid=Qx9%3Aabc").body(Full::default()).unwrap();
//! let response = service.oneshot(request).await.unwrap();
//!
//! assert_eq!(response.body(), "Qx9:abc");
//! let cookie = response.headers()["set-cookie"].to_str().unwrap();
//! assert!(cookie.starts_with("impact_click_id=Qx9:abc;"));
//! # }
//! ```

mod future;
mod layer;
mod service;

pub use future::ResponseFuture;
pub use layer::CaptureClickIdLayer;
pub use service::CaptureClickId;

#[cfg(feature = "axum")]
pub(crate) use service::NoClickId;
