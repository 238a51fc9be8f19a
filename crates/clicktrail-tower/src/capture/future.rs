//! [`ResponseFuture`]: reads the form body when needed, calls the inner service, and adds the
//! landing cookie to its response.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use pin_project_lite::pin_project;
use tower::{BoxError, Service};

use super::layer::Config;
use super::service::remember;
use crate::ClickId;
use crate::body::{Collect, Collected, ReplayBody};
use crate::source;

/// The inner future, run with the click id as the task-local of
/// [`outbound`](crate::outbound) when that feature is on.
#[cfg(feature = "outbound")]
type Scoped<F> = tokio::task::futures::TaskLocalFuture<Option<ClickId>, F>;
#[cfg(not(feature = "outbound"))]
type Scoped<F> = F;

#[cfg(feature = "outbound")]
fn scoped<F: Future>(click_id: Option<ClickId>, future: F) -> Scoped<F> {
    crate::outbound::scope_option(click_id, future)
}
#[cfg(not(feature = "outbound"))]
fn scoped<F: Future>(_click_id: Option<ClickId>, future: F) -> Scoped<F> {
    future
}

pin_project! {
    /// Response future of [`CaptureClickId`](super::CaptureClickId).
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<ReplayBody<B>>>,
    {
        #[pin]
        state: State<S, B>,
        // The `Set-Cookie` value of the landing capture, and the configuration that names it.
        landing: Option<(HeaderValue, Arc<Config>)>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B>
    where
        S: Service<Request<ReplayBody<B>>>,
    {
        // Reading the form body; then the sources are read on from `resume`.
        Collecting {
            collect: Collect<B>,
            parts: Option<Parts>,
            inner: Option<S>,
            config: Arc<Config>,
            resume: usize,
        },
        Called {
            #[pin]
            future: Scoped<S::Future>,
        },
    }
}

impl<S, B> ResponseFuture<S, B>
where
    S: Service<Request<ReplayBody<B>>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    pub(super) fn called(
        future: S::Future,
        click_id: Option<ClickId>,
        landing: Option<(HeaderValue, Arc<Config>)>,
    ) -> Self {
        Self {
            state: State::Called {
                future: scoped(click_id, future),
            },
            landing,
        }
    }

    pub(super) fn collecting(
        inner: S,
        parts: Parts,
        body: B,
        config: Arc<Config>,
        resume: usize,
        landing: Option<(HeaderValue, Arc<Config>)>,
    ) -> Self {
        let collect = Collect::new(body, config.form_limit);
        Self {
            state: State::Collecting {
                collect,
                parts: Some(parts),
                inner: Some(inner),
                config,
                resume,
            },
            landing,
        }
    }
}

impl<S, B, ResBody> Future for ResponseFuture<S, B>
where
    S: Service<Request<ReplayBody<B>>, Response = Response<ResBody>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Collecting {
                    collect,
                    parts,
                    inner,
                    config,
                    resume,
                } => {
                    let collected = ready!(collect.poll_collect(cx));
                    let (Some(mut parts), Some(mut inner)) = (parts.take(), inner.take()) else {
                        unreachable!("the collecting state is left as soon as the body is read")
                    };
                    let sources = config.sources.get(*resume..).unwrap_or_default();
                    let (found, body) = match collected {
                        Collected::Complete { bytes, trailers } => (
                            source::first_valid(sources, &parts, Some(&bytes)),
                            ReplayBody::full(bytes, trailers),
                        ),
                        Collected::Partial(body) => {
                            tracing::debug!(
                                "not reading the click id form field: body over the limit"
                            );
                            (source::first_valid(sources, &parts, None), body)
                        }
                    };
                    let scoped_id = remember(&mut parts, found);
                    let future = inner.call(Request::from_parts(parts, body));
                    this.state.set(State::Called {
                        future: scoped(scoped_id, future),
                    });
                }
                StateProj::Called { future } => {
                    let mut response = ready!(future.poll(cx))?;
                    if let Some((value, config)) = this.landing.take() {
                        let landing = config.landing.as_ref();
                        if landing.is_some_and(|l| !l.is_set_in(response.headers())) {
                            response.headers_mut().append(header::SET_COOKIE, value);
                        }
                    }
                    return Poll::Ready(Ok(response));
                }
            }
        }
    }
}

impl<S, B> std::fmt::Debug for ResponseFuture<S, B>
where
    S: Service<Request<ReplayBody<B>>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
