//! Carry the click id into outgoing Stripe calls without touching the code that makes them.
//!
//! [`StripeClickIdLayer`] wraps a tower-based HTTP client (hyper-util's `Client`, or any
//! `Service<http::Request<B>>`) that calls the Stripe API. On a `POST` to
//!
//! - `/v1/subscriptions` (create),
//! - `/v1/customers` (create) or `/v1/customers/{id}` (update),
//! - `/v1/checkout/sessions` (create; the `mode` in the body picks the parameters),
//!
//! it appends the [Stripe parameters](crate::stripe) of the click id of the request being
//! served, except those the body already sets: an explicit `metadata[impact_click_id]`, a
//! `metadata=` that clears the metadata, or the merchant's own `client_reference_id` is never
//! replaced; a [`Carrier`] you never want added is left out with
//! [`StripeClickIdLayer::without`]. Every other request passes through untouched. It matches paths only, so wrap the
//! client you use for Stripe, not a client shared with other APIs.
//!
//! "The request being served" is a tokio task-local. [`CaptureClickId`](crate::CaptureClickId)
//! sets it while the inner service runs; outside a request (a job, a CLI), or in a task spawned
//! from the handler (task-locals are not inherited), set it with [`scope`].
//!
//! # When to use it, and when not
//!
//! Use it when the Stripe calls are made deep inside code you do not want to thread a click id
//! through, or by a generated client you cannot easily change: one layer on the client and every
//! subscription, customer and Checkout Session carries the click id.
//!
//! Prefer the explicit parameters ([`ClickId::stripe_params`](crate::ClickId::stripe_params))
//! when the checkout handler builds the Stripe call itself: the parameters are visible where the
//! call is made, testable without a client, work with any HTTP client (reqwest is not a tower
//! service), and do not depend on the call running inside the request's task.
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use clicktrail_tower::{ClickId, ReplayBody, outbound::{self, StripeClickIdLayer}};
//! use http::{Request, Response};
//! use http_body_util::{BodyExt, Full};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Stands in for an HTTP client: answers with the form body it would have sent.
//! let client = tower::service_fn(|request: Request<ReplayBody<Full<Bytes>>>| async move {
//!     let sent = request.into_body().collect().await.unwrap().to_bytes();
//!     Ok::<_, Infallible>(Response::new(sent))
//! });
//! let stripe = ServiceBuilder::new().layer(StripeClickIdLayer::new()).service(client);
//!
//! let request = Request::post("https://api.stripe.com/v1/subscriptions")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(Full::from("customer=cus_1&items[0][price]=price_1"))
//!     .unwrap();
//! let click_id = ClickId::new("Qx9abc").unwrap();
//! let response = outbound::scope(click_id, stripe.oneshot(request)).await.unwrap();
//! assert_eq!(
//!     response.body(),
//!     "customer=cus_1&items[0][price]=price_1&metadata[impact_click_id]=Qx9abc"
//! );
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{Method, Request};
use http_body::Body;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{BoxError, Layer, Service};

use crate::body::{Collect, Collected, ReplayBody};
use crate::stripe::{Carrier, CarrierSet, StripeParams};
use crate::{ClickId, StripeTarget};

tokio::task_local! {
    static CURRENT: Option<ClickId>;
}

/// Runs `future` with `click_id` as the click id of the request being served, for
/// [`StripeClickIdLayer`] and [`current`].
pub fn scope<F: Future>(click_id: ClickId, future: F) -> TaskLocalFuture<Option<ClickId>, F> {
    CURRENT.scope(Some(click_id), future)
}

/// Runs `future` with `click_id` (or explicitly none) as the current click id.
pub(crate) fn scope_option<F: Future>(
    click_id: Option<ClickId>,
    future: F,
) -> TaskLocalFuture<Option<ClickId>, F> {
    CURRENT.scope(click_id, future)
}

/// The click id of the request being served: set by [`CaptureClickId`](crate::CaptureClickId)
/// or [`scope`], `None` outside them.
pub fn current() -> Option<ClickId> {
    CURRENT.try_with(Option::clone).ok().flatten()
}

/// Appends the click id parameters to Stripe create calls made through the wrapped client.
///
/// This layer applies the [`StripeClickId`] middleware. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct StripeClickIdLayer {
    limit: usize,
    without: CarrierSet,
}

impl StripeClickIdLayer {
    /// The default body limit: 256 KiB, far above any Stripe create call.
    pub const DEFAULT_LIMIT: usize = 256 * 1024;

    /// A layer with the default body limit.
    pub fn new() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            without: CarrierSet::default(),
        }
    }

    /// The largest body rewritten; larger bodies are sent as they are.
    pub fn limit(mut self, bytes: usize) -> Self {
        self.limit = bytes;
        self
    }

    /// Never adds `carrier`; the other carriers are still added. See
    /// ["How to opt out"](crate::stripe#how-to-opt-out-of-a-carrier) for what each one is for.
    pub fn without(mut self, carrier: Carrier) -> Self {
        self.without.insert(carrier);
        self
    }
}

impl Default for StripeClickIdLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for StripeClickIdLayer {
    type Service = StripeClickId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StripeClickId {
            inner,
            limit: self.limit,
            without: self.without,
        }
    }
}

/// Appends the click id parameters to Stripe create calls. See the [module docs](self).
///
/// The inner client receives the request body as a [`ReplayBody`].
#[derive(Debug, Clone)]
pub struct StripeClickId<S> {
    inner: S,
    limit: usize,
    without: CarrierSet,
}

impl<S> StripeClickId<S> {
    /// Wraps `inner` with the default body limit.
    pub fn new(inner: S) -> Self {
        StripeClickIdLayer::new().layer(inner)
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B> Service<Request<B>> for StripeClickId<S>
where
    S: Service<Request<ReplayBody<B>>> + Clone,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, B>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let endpoint = Endpoint::of(req.method(), req.uri().path());
        let click_id = endpoint.and_then(|_| current());
        let (Some(endpoint), Some(click_id)) = (endpoint, click_id) else {
            let future = self.inner.call(req.map(ReplayBody::untouched));
            return ResponseFuture {
                state: State::Called { future },
            };
        };
        if !is_form(&req) {
            tracing::debug!("not adding the click id: the Stripe request body is not a form");
            let future = self.inner.call(req.map(ReplayBody::untouched));
            return ResponseFuture {
                state: State::Called { future },
            };
        }
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (parts, body) = req.into_parts();
        ResponseFuture {
            state: State::Collecting {
                collect: Collect::new(body, self.limit),
                parts: Some(parts),
                inner: Some(inner),
                click_id,
                endpoint,
                without: self.without,
            },
        }
    }
}

pin_project! {
    /// Response future of [`StripeClickId`].
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<ReplayBody<B>>>,
    {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B>
    where
        S: Service<Request<ReplayBody<B>>>,
    {
        Collecting {
            collect: Collect<B>,
            parts: Option<Parts>,
            inner: Option<S>,
            click_id: ClickId,
            endpoint: Endpoint,
            without: CarrierSet,
        },
        Called {
            #[pin]
            future: S::Future,
        },
    }
}

impl<S, B> Future for ResponseFuture<S, B>
where
    S: Service<Request<ReplayBody<B>>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Collecting {
                    collect,
                    parts,
                    inner,
                    click_id,
                    endpoint,
                    without,
                } => {
                    let collected = ready!(collect.poll_collect(cx));
                    let (Some(mut parts), Some(mut inner)) = (parts.take(), inner.take()) else {
                        unreachable!("the collecting state is left as soon as the body is read")
                    };
                    let body = match collected {
                        Collected::Complete { bytes, trailers } => {
                            let target = endpoint.target(&bytes);
                            let params = click_id.stripe_params(target).without_all(*without);
                            match append_params(&bytes, &params) {
                                Some(rewritten) => {
                                    parts.headers.insert(
                                        header::CONTENT_LENGTH,
                                        HeaderValue::from(rewritten.len()),
                                    );
                                    ReplayBody::full(rewritten, trailers)
                                }
                                None => ReplayBody::full(bytes, trailers),
                            }
                        }
                        Collected::Partial(body) => {
                            tracing::debug!(
                                "not adding the click id: Stripe request body over the limit"
                            );
                            body
                        }
                    };
                    let future = inner.call(Request::from_parts(parts, body));
                    this.state.set(State::Called { future });
                }
                StateProj::Called { future } => return future.poll(cx),
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

/// A Stripe endpoint whose objects must carry the click id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Subscriptions,
    Customers,
    Customer,
    CheckoutSessions,
}

impl Endpoint {
    fn of(method: &Method, path: &str) -> Option<Self> {
        if method != Method::POST {
            return None;
        }
        match path.trim_end_matches('/') {
            "/v1/subscriptions" => Some(Self::Subscriptions),
            "/v1/customers" => Some(Self::Customers),
            "/v1/checkout/sessions" => Some(Self::CheckoutSessions),
            other => {
                let id = other.strip_prefix("/v1/customers/")?;
                (!id.is_empty() && !id.contains('/')).then_some(Self::Customer)
            }
        }
    }

    /// The parameters this call takes; a Checkout Session's depend on its `mode`.
    fn target(self, body: &[u8]) -> StripeTarget {
        match self {
            Self::Subscriptions => StripeTarget::SubscriptionCreate,
            Self::Customers => StripeTarget::CustomerCreate,
            Self::Customer => StripeTarget::CustomerUpdate,
            Self::CheckoutSessions => {
                let mode = form_urlencoded::parse(body).find(|(k, _)| k == "mode");
                match mode.as_ref().map(|(_, v)| v.as_ref()) {
                    Some("subscription") => StripeTarget::CheckoutSubscription,
                    Some("payment") => StripeTarget::CheckoutPayment,
                    _ => StripeTarget::CheckoutSetup,
                }
            }
        }
    }
}

fn is_form<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The body with the click id parameters the body does not already set appended, or `None`
/// when it sets them all.
fn append_params(body: &[u8], params: &StripeParams<'_>) -> Option<Bytes> {
    let present: Vec<_> = form_urlencoded::parse(body).map(|(key, _)| key).collect();
    let mut out = body.to_vec();
    for (key, value) in params.missing_from(present) {
        if !out.is_empty() {
            out.push(b'&');
        }
        // Keys are written like Stripe's own SDKs write them (brackets unescaped).
        out.extend_from_slice(key.as_bytes());
        out.push(b'=');
        out.extend(form_urlencoded::byte_serialize(value.as_bytes()).flat_map(str::bytes));
    }
    (out.len() != body.len()).then(|| Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_create_endpoints() {
        let post = Method::POST;
        assert_eq!(
            Endpoint::of(&post, "/v1/subscriptions"),
            Some(Endpoint::Subscriptions)
        );
        assert_eq!(
            Endpoint::of(&post, "/v1/customers"),
            Some(Endpoint::Customers)
        );
        assert_eq!(
            Endpoint::of(&post, "/v1/customers/cus_123"),
            Some(Endpoint::Customer)
        );
        assert_eq!(
            Endpoint::of(&post, "/v1/checkout/sessions/"),
            Some(Endpoint::CheckoutSessions)
        );
        assert_eq!(Endpoint::of(&post, "/v1/customers/cus_123/tax_ids"), None);
        assert_eq!(Endpoint::of(&post, "/v1/subscriptions/sub_1"), None);
        assert_eq!(Endpoint::of(&post, "/v1/invoices"), None);
        assert_eq!(Endpoint::of(&Method::GET, "/v1/customers"), None);
    }

    #[test]
    fn checkout_mode_picks_the_target() {
        let e = Endpoint::CheckoutSessions;
        assert_eq!(
            e.target(b"mode=subscription"),
            StripeTarget::CheckoutSubscription
        );
        assert_eq!(e.target(b"a=1&mode=payment"), StripeTarget::CheckoutPayment);
        assert_eq!(e.target(b"mode=setup"), StripeTarget::CheckoutSetup);
        assert_eq!(e.target(b""), StripeTarget::CheckoutSetup);
    }

    #[test]
    fn appends_only_what_is_missing() {
        let id = ClickId::new("a:b").unwrap();
        let target = StripeTarget::CheckoutPayment;
        let out = append_params(
            b"mode=payment&client_reference_id=user_42",
            &id.stripe_params(target),
        )
        .unwrap();
        assert_eq!(
            out,
            "mode=payment&client_reference_id=user_42&metadata[impact_click_id]=a%3Ab\
             &payment_intent_data[metadata][impact_click_id]=a%3Ab"
        );
        // Keys count as present however they were encoded.
        let all = "metadata%5Bimpact_click_id%5D=x&payment_intent_data[metadata][impact_click_id]=x\
                   &client_reference_id=y";
        assert_eq!(
            append_params(all.as_bytes(), &id.stripe_params(target)),
            None
        );
        // An update that clears the metadata is left alone.
        assert_eq!(
            append_params(
                b"metadata=",
                &id.stripe_params(StripeTarget::CustomerUpdate)
            ),
            None
        );
        let out = append_params(
            b"mode=subscription&metadata=",
            &id.stripe_params(StripeTarget::CheckoutSubscription),
        );
        assert_eq!(
            out.unwrap(),
            "mode=subscription&metadata=&subscription_data[metadata][impact_click_id]=a%3Ab\
             &client_reference_id=irc_YTpi"
        );
        // An opted-out carrier is not added; the others are.
        let params = id.stripe_params(target).without(Carrier::PaymentIntentData);
        assert_eq!(
            append_params(b"mode=payment", &params).unwrap(),
            "mode=payment&metadata[impact_click_id]=a%3Ab&client_reference_id=irc_YTpi"
        );
        assert_eq!(
            append_params(b"", &id.stripe_params(StripeTarget::CustomerCreate)).unwrap(),
            "metadata[impact_click_id]=a%3Ab"
        );
    }
}
