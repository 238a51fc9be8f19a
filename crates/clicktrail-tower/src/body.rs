//! The request body handed to the inner service, and the bounded buffering that reads it.
//!
//! To read a form field, a middleware must read the body, but the handler must still receive it.
//! [`Collect`] reads frames until the body ends or the limit is passed; [`ReplayBody`] then
//! yields what was read followed by whatever the original body still has to give, so the inner
//! service always sees the complete body, in order, whether it was buffered whole, buffered in
//! part (over the limit) or not touched at all.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower::BoxError;

pin_project! {
    /// The request body as the inner service receives it: either the original body, untouched
    /// and streaming, or the bytes a middleware of this crate read first, followed by the rest.
    ///
    /// Its data is [`Bytes`] and its error a [`BoxError`], as axum and hyper expect.
    pub struct ReplayBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Untouched { #[pin] body: B },
        Replay { prefix: Option<Bytes>, rest: Rest<B> },
    }
}

/// What follows the replayed prefix.
enum Rest<B> {
    /// The original body, not yet at its end (boxed so that it can move out of the pinned
    /// buffering future).
    Stream(Pin<Box<B>>),
    /// The original body ended, possibly with trailers still to give.
    Ended(Option<HeaderMap>),
    /// Reading the original body failed; the error comes after the prefix, as it would have.
    Failed(Option<BoxError>),
}

impl<B> ReplayBody<B> {
    /// The original body, untouched.
    pub(crate) fn untouched(body: B) -> Self {
        Self {
            kind: Kind::Untouched { body },
        }
    }

    /// A complete body known in full.
    pub(crate) fn full(bytes: Bytes, trailers: Option<HeaderMap>) -> Self {
        Self {
            kind: Kind::Replay {
                prefix: Some(bytes),
                rest: Rest::Ended(trailers),
            },
        }
    }

    fn replay(prefix: Bytes, rest: Rest<B>) -> Self {
        Self {
            kind: Kind::Replay {
                prefix: Some(prefix),
                rest,
            },
        }
    }
}

impl<B> std::fmt::Debug for ReplayBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Untouched { .. } => "Untouched",
            Kind::Replay { .. } => "Replay",
        };
        f.debug_struct("ReplayBody")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

fn into_bytes_frame<D: Buf>(frame: Frame<D>) -> Frame<Bytes> {
    frame.map_data(|mut data| data.copy_to_bytes(data.remaining()))
}

impl<B> Body for ReplayBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Untouched { body } => body
                .poll_frame(cx)
                .map(|frame| frame.map(|r| r.map(into_bytes_frame).map_err(Into::into))),
            KindProj::Replay { prefix, rest } => {
                if let Some(bytes) = prefix.take().filter(|b| !b.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                match rest {
                    Rest::Stream(body) => body
                        .as_mut()
                        .poll_frame(cx)
                        .map(|frame| frame.map(|r| r.map(into_bytes_frame).map_err(Into::into))),
                    Rest::Ended(trailers) => {
                        Poll::Ready(trailers.take().map(|t| Ok(Frame::trailers(t))))
                    }
                    Rest::Failed(error) => Poll::Ready(error.take().map(Err)),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Untouched { body } => body.is_end_stream(),
            Kind::Replay { prefix, rest } => {
                prefix.as_ref().is_none_or(Bytes::is_empty)
                    && match rest {
                        Rest::Stream(body) => body.is_end_stream(),
                        Rest::Ended(trailers) => trailers.is_none(),
                        Rest::Failed(error) => error.is_none(),
                    }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Untouched { body } => body.size_hint(),
            Kind::Replay { prefix, rest } => {
                let len = prefix.as_ref().map_or(0, |b| b.len() as u64);
                let rest = match rest {
                    Rest::Stream(body) => body.size_hint(),
                    Rest::Ended(_) | Rest::Failed(_) => SizeHint::with_exact(0),
                };
                let mut hint = SizeHint::new();
                // Upper first: `set_lower` refuses a lower bound above the current upper one.
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(len));
                }
                hint.set_lower(rest.lower().saturating_add(len));
                hint
            }
        }
    }
}

/// The result of [`Collect`].
pub(crate) enum Collected<B> {
    /// The whole body, within the limit.
    Complete {
        bytes: Bytes,
        trailers: Option<HeaderMap>,
    },
    /// The body passed the limit or failed: what was read, followed by the rest.
    Partial(ReplayBody<B>),
}

/// Reads a body into memory, up to a limit.
pub(crate) struct Collect<B> {
    body: Option<Pin<Box<B>>>,
    chunks: Vec<Bytes>,
    len: usize,
    limit: usize,
}

impl<B> Collect<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    pub(crate) fn new(body: B, limit: usize) -> Self {
        Self {
            body: Some(Box::pin(body)),
            chunks: Vec::new(),
            len: 0,
            limit,
        }
    }

    /// Polls until the body ends, passes the limit or fails. Must not be polled again after it
    /// returned `Ready`.
    pub(crate) fn poll_collect(&mut self, cx: &mut Context<'_>) -> Poll<Collected<B>> {
        let Some(body) = self.body.as_mut() else {
            // Polled after completion: report an empty body rather than panic.
            return Poll::Ready(Collected::Complete {
                bytes: Bytes::new(),
                trailers: None,
            });
        };
        loop {
            let frame = match ready!(body.as_mut().poll_frame(cx)) {
                None => return Poll::Ready(self.complete(None)),
                Some(Err(error)) => {
                    self.body = None;
                    let prefix = self.take_bytes();
                    return Poll::Ready(Collected::Partial(ReplayBody::replay(
                        prefix,
                        Rest::Failed(Some(error.into())),
                    )));
                }
                Some(Ok(frame)) => frame,
            };
            match frame.into_data() {
                Ok(mut data) => {
                    let data = data.copy_to_bytes(data.remaining());
                    self.len += data.len();
                    self.chunks.push(data);
                    if self.len > self.limit {
                        let prefix = self.take_bytes();
                        let rest = self.body.take().map_or(Rest::Ended(None), Rest::Stream);
                        return Poll::Ready(Collected::Partial(ReplayBody::replay(prefix, rest)));
                    }
                }
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        return Poll::Ready(self.complete(Some(trailers)));
                    }
                    // An unknown frame kind: nothing to keep.
                }
            }
        }
    }

    fn complete(&mut self, trailers: Option<HeaderMap>) -> Collected<B> {
        self.body = None;
        Collected::Complete {
            bytes: self.take_bytes(),
            trailers,
        }
    }

    fn take_bytes(&mut self) -> Bytes {
        if self.chunks.len() == 1 {
            return self.chunks.pop().unwrap_or_default();
        }
        let mut all = BytesMut::with_capacity(self.len);
        for chunk in self.chunks.drain(..) {
            all.extend_from_slice(&chunk);
        }
        all.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// A body that yields the given frames, then ends.
    struct Frames(std::collections::VecDeque<Result<Frame<Bytes>, &'static str>>);

    impl Body for Frames {
        type Data = Bytes;
        type Error = &'static str;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
            Poll::Ready(self.0.pop_front())
        }
    }

    fn frames(items: Vec<Result<Frame<Bytes>, &'static str>>) -> Frames {
        Frames(items.into())
    }

    fn data(s: &'static str) -> Result<Frame<Bytes>, &'static str> {
        Ok(Frame::data(Bytes::from_static(s.as_bytes())))
    }

    fn collect(body: Frames, limit: usize) -> Collected<Frames> {
        let mut cx = Context::from_waker(Waker::noop());
        match Collect::new(body, limit).poll_collect(&mut cx) {
            Poll::Ready(c) => c,
            Poll::Pending => panic!("a ready body must collect at once"),
        }
    }

    /// Drains a body: its data, its trailers and its error, in order.
    fn drain<B: Body<Data = Bytes, Error = BoxError> + Unpin>(
        mut body: B,
    ) -> (Vec<u8>, Option<HeaderMap>, Option<String>) {
        let mut cx = Context::from_waker(Waker::noop());
        let (mut bytes, mut trailers, mut error) = (Vec::new(), None, None);
        while let Poll::Ready(Some(frame)) = Pin::new(&mut body).poll_frame(&mut cx) {
            match frame {
                Ok(frame) => match frame.into_data() {
                    Ok(d) => bytes.extend_from_slice(&d),
                    Err(f) => trailers = f.into_trailers().ok(),
                },
                Err(e) => error = Some(e.to_string()),
            }
        }
        (bytes, trailers, error)
    }

    #[test]
    fn within_the_limit_the_body_is_complete_with_its_trailers() {
        let mut t = HeaderMap::new();
        t.insert("x-t", "1".parse().unwrap());
        let body = frames(vec![data("ab"), data("cd"), Ok(Frame::trailers(t.clone()))]);
        let Collected::Complete { bytes, trailers } = collect(body, 4) else {
            panic!("complete")
        };
        assert_eq!(&bytes[..], b"abcd");
        let replay = ReplayBody::<Frames>::full(bytes, trailers);
        assert_eq!(replay.size_hint().exact(), Some(4));
        assert!(!replay.is_end_stream());
        assert_eq!(drain(replay), (b"abcd".to_vec(), Some(t), None));
        assert!(ReplayBody::<Frames>::full(Bytes::new(), None).is_end_stream());
    }

    #[test]
    fn over_the_limit_the_prefix_is_followed_by_the_rest() {
        let body = frames(vec![data("ab"), data("cde"), data("fg")]);
        let Collected::Partial(replay) = collect(body, 4) else {
            panic!("partial")
        };
        assert_eq!(drain(replay), (b"abcdefg".to_vec(), None, None));
    }

    #[test]
    fn a_failure_comes_after_what_was_read() {
        let body = frames(vec![data("ab"), Err("connection reset")]);
        let Collected::Partial(replay) = collect(body, 100) else {
            panic!("partial")
        };
        assert_eq!(
            drain(replay),
            (b"ab".to_vec(), None, Some("connection reset".into()))
        );
    }

    #[test]
    fn untouched_passes_everything_through() {
        let body = frames(vec![data("ab"), Err("boom")]);
        assert_eq!(
            drain(ReplayBody::untouched(body)),
            (b"ab".to_vec(), None, Some("boom".into()))
        );
    }
}
