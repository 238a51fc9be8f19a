//! [`CaptureClickId`]: the service, which decides per request what to read.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header;
use http::request::Parts;
use http::{Method, Request, Response};
use http_body::Body;
use tower::{BoxError, Service};

use super::future::ResponseFuture;
use super::layer::{CaptureClickIdLayer, Config};
use crate::ClickId;
use crate::body::ReplayBody;
use crate::form::Format;
use crate::landing::{AlwaysConsent, Consent};
use crate::source::Source;

/// Put into the extensions when the layer looked and found no click id, so that the extractor
/// can tell "no click id" from "no layer".
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoClickId;

/// Captures the impact.com click id of each request into its extensions, and sets the landing
/// cookie.
///
/// The inner service receives the request with its body wrapped in a [`ReplayBody`]: the same
/// bytes, whether or not they were read. See the [module docs](crate::capture) for the rules.
pub struct CaptureClickId<S, C = AlwaysConsent> {
    pub(crate) inner: S,
    pub(crate) config: Arc<Config>,
    pub(crate) consent: C,
}

impl<S> CaptureClickId<S> {
    /// Wraps `inner` with the default configuration of [`CaptureClickIdLayer::new`].
    pub fn new(inner: S) -> Self {
        tower::Layer::layer(&CaptureClickIdLayer::new(), inner)
    }

    /// A [`CaptureClickIdLayer`] with the default configuration.
    pub fn layer() -> CaptureClickIdLayer {
        CaptureClickIdLayer::new()
    }
}

impl<S, C> CaptureClickId<S, C> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, C: Clone> Clone for CaptureClickId<S, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            config: Arc::clone(&self.config),
            consent: self.consent.clone(),
        }
    }
}

impl<S: fmt::Debug, C> fmt::Debug for CaptureClickId<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureClickId")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .field("consent", &std::any::type_name::<C>())
            .finish()
    }
}

impl<S, C, ReqBody, ResBody> Service<Request<ReqBody>> for CaptureClickId<S, C>
where
    S: Service<Request<ReplayBody<ReqBody>>, Response = Response<ResBody>> + Clone,
    C: Consent,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let config = &self.config;

        let landing = config.landing.as_ref().and_then(|landing| {
            let value = landing.set_cookie(&config.sources, &self.consent, &parts)?;
            Some((value, Arc::clone(config)))
        });

        if let Some(existing) = parts.extensions.get::<ClickId>() {
            let scoped = Some(existing.clone());
            let request = Request::from_parts(parts, ReplayBody::untouched(body));
            return ResponseFuture::called(self.inner.call(request), scoped, landing);
        }

        let mut wants_form = None;
        let mut found = None;
        for (index, source) in config.sources.iter().enumerate() {
            if let Source::FormField(_) = source {
                if *wants_form
                    .get_or_insert_with(|| wants_form_body(&parts, &body, config.form_limit))
                {
                    // Read the body first, then go on from this source.
                    let clone = self.inner.clone();
                    let inner = std::mem::replace(&mut self.inner, clone);
                    return ResponseFuture::collecting(
                        inner,
                        parts,
                        body,
                        Arc::clone(config),
                        index,
                        landing,
                    );
                }
            } else if let Some(id) = source.read(&parts, None) {
                found = Some(id);
                break;
            }
        }

        let scoped = remember(&mut parts, found);
        let request = Request::from_parts(parts, ReplayBody::untouched(body));
        ResponseFuture::called(self.inner.call(request), scoped, landing)
    }
}

/// Puts the click id into the extensions (or the marker that there is none) and returns what
/// the task-local scope should hold.
pub(crate) fn remember(parts: &mut Parts, found: Option<ClickId>) -> Option<ClickId> {
    match found {
        Some(id) => {
            let scoped = cfg!(feature = "outbound").then(|| id.clone());
            parts.extensions.insert(id);
            scoped
        }
        None => {
            if cfg!(feature = "axum") {
                parts.extensions.insert(NoClickId);
            }
            None
        }
    }
}

/// Whether the body is a form worth buffering: a `POST` of a [`Format`] this crate reads
/// (url-encoded, multipart or JSON) that does not announce more than `limit` bytes.
fn wants_form_body<B: Body>(parts: &Parts, body: &B, limit: usize) -> bool {
    if parts.method != Method::POST || Format::of(&parts.headers).is_none() {
        return false;
    }
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        .max(body.size_hint().lower());
    if announced > limit as u64 {
        tracing::debug!(
            announced,
            limit,
            "not reading the click id form field: body over the limit"
        );
        return false;
    }
    true
}
