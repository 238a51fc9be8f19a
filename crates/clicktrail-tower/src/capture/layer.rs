//! [`CaptureClickIdLayer`]: the configuration, cloned into every service.

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::CaptureClickId;
use crate::landing::{AlwaysConsent, Consent, LandingCookie};
use crate::source::Source;

/// What the capture service reads and writes. Shared behind an `Arc`, because axum clones the
/// route services for every request.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) sources: Vec<Source>,
    pub(crate) form_limit: usize,
    pub(crate) landing: Option<LandingCookie>,
}

/// Captures the impact.com click id of each request into its extensions, and sets the landing
/// cookie.
///
/// This layer applies the [`CaptureClickId`] middleware. See the [module docs](crate::capture)
/// for an example and the rules.
pub struct CaptureClickIdLayer<C = AlwaysConsent> {
    pub(crate) config: Arc<Config>,
    pub(crate) consent: C,
}

impl CaptureClickIdLayer {
    /// The default body limit for reading the form field: 64 KiB.
    pub const DEFAULT_FORM_LIMIT: usize = 64 * 1024;

    /// The defaults: [`Source::defaults`] in that order, a 64 KiB form limit, the landing
    /// cookie with [`LandingCookie::new`], and consent always given ([`AlwaysConsent`]; see
    /// [landing](crate::landing#consent)).
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                sources: Source::defaults(),
                form_limit: Self::DEFAULT_FORM_LIMIT,
                landing: Some(LandingCookie::new()),
            }),
            consent: AlwaysConsent,
        }
    }
}

impl Default for CaptureClickIdLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> CaptureClickIdLayer<C> {
    /// Where to look for the click id, in order; the first valid value wins. Replaces the
    /// defaults. An empty list turns capture off (the landing cookie still needs a
    /// [`Source::Query`] to see a landing).
    pub fn sources(mut self, sources: impl IntoIterator<Item = Source>) -> Self {
        Arc::make_mut(&mut self.config).sources = sources.into_iter().collect();
        self
    }

    /// The most body bytes buffered to read a form field (default 64 KiB). A larger body is
    /// handed on as it streams, and no click id is read from it.
    pub fn form_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.config).form_limit = bytes;
        self
    }

    /// How the landing cookie is written (on by default, with [`LandingCookie::new`]).
    pub fn landing_cookie(mut self, cookie: LandingCookie) -> Self {
        Arc::make_mut(&mut self.config).landing = Some(cookie);
        self
    }

    /// Never set the landing cookie (for example when the browser kit alone manages it).
    pub fn without_landing_cookie(mut self) -> Self {
        Arc::make_mut(&mut self.config).landing = None;
        self
    }

    /// Decides from the request whether the landing cookie may be set: a [`ConsentCookie`], a
    /// closure `Fn(&http::request::Parts) -> bool`, or a `bool`. The default, [`AlwaysConsent`],
    /// sets it without asking: see [landing](crate::landing#consent) for when that is wrong.
    ///
    /// Without consent only the `Set-Cookie` is left out: the request's click id is still read
    /// into its extensions.
    ///
    /// [`ConsentCookie`]: crate::ConsentCookie
    pub fn consent<D: Consent>(self, consent: D) -> CaptureClickIdLayer<D> {
        CaptureClickIdLayer {
            config: self.config,
            consent,
        }
    }
}

impl<C: Clone> Clone for CaptureClickIdLayer<C> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
            consent: self.consent.clone(),
        }
    }
}

impl<C> fmt::Debug for CaptureClickIdLayer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureClickIdLayer")
            .field("sources", &self.config.sources)
            .field("form_limit", &self.config.form_limit)
            .field("landing", &self.config.landing)
            .field("consent", &std::any::type_name::<C>())
            .finish()
    }
}

impl<S, C: Clone> Layer<S> for CaptureClickIdLayer<C> {
    type Service = CaptureClickId<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        CaptureClickId {
            inner,
            config: Arc::clone(&self.config),
            consent: self.consent.clone(),
        }
    }
}
