//! A total deadline on every Kubernetes API request that is not a watch:
//! headers and the whole body must arrive in time. kube's own timeouts
//! bound the connect and each read, so a server that stalls after the
//! handshake is caught; this bounds one that answers a byte at a time.
//! Watches are long-lived by design and keep only the per-read bound.
//!
//! The same layer caps the size of every answer that is not a watch
//! ([`MAX_ANSWER_BYTES`]): a server that streams without end would
//! otherwise fill memory before the deadline passes (a loopback peer
//! sends gigabytes in ten seconds).

use bytes::Bytes;
use http::{Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The deadline passed; the message names how long was allowed.
#[derive(Debug, thiserror::Error)]
#[error("no complete answer within {0:?} (the request deadline; KVAULT_KUBE_TIMEOUT)")]
pub struct DeadlinePassed(pub Duration);

/// The largest answer kvault reads from the Kubernetes API (watches
/// aside). Lists come in pages (the audit asks for 500 objects at a time),
/// so a real answer is far smaller; 256 MiB only stops the endless one.
pub const MAX_ANSWER_BYTES: u64 = 256 << 20;

/// The answer passed [`MAX_ANSWER_BYTES`].
#[derive(Debug, thiserror::Error)]
#[error("the answer is larger than {} MiB, more than any Kubernetes API answer kvault asks for", .0 >> 20)]
pub struct AnswerTooLarge(pub u64);

#[derive(Clone, Copy, Debug)]
pub struct DeadlineLayer {
    pub total: Duration,
}

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            total: self.total,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
    total: Duration,
}

fn is_watch<B>(req: &Request<B>) -> bool {
    req.uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

impl<S, ReqB, ResB> tower::Service<Request<ReqB>> for Deadline<S>
where
    S: tower::Service<Request<ReqB>, Response = Response<ResB>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    ResB: http_body::Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<DeadlineBody<ResB>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let until = (!is_watch(&req)).then(|| Instant::now() + self.total);
        let total = self.total;
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = match until {
                Some(until) => tokio::time::timeout_at(until, response)
                    .await
                    .map_err(|_| Box::new(DeadlinePassed(total)) as BoxError)?,
                None => response.await,
            }
            .map_err(Into::into)?;
            Ok(response.map(|body| DeadlineBody {
                body,
                sleep: until.map(|u| Box::pin(tokio::time::sleep_until(u))),
                total,
                budget: until.map(|_| MAX_ANSWER_BYTES),
            }))
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that fails once the request's deadline passes.
    pub struct DeadlineBody<B> {
        #[pin]
        body: B,
        sleep: Option<Pin<Box<Sleep>>>,
        total: Duration,
        // Bytes still allowed; `None` for a watch.
        budget: Option<u64>,
    }
}

impl<B> http_body::Body for DeadlineBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let this = self.project();
        if let Some(sleep) = this.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Err(Box::new(DeadlinePassed(*this.total)))));
            }
        }
        let frame = this.body.poll_frame(cx).map_err(Into::into);
        if let (Some(budget), Poll::Ready(Some(Ok(frame)))) = (this.budget.as_mut(), &frame) {
            let len = frame.data_ref().map_or(0, |d| d.len() as u64);
            match budget.checked_sub(len) {
                Some(left) => *budget = left,
                None => return Poll::Ready(Some(Err(Box::new(AnswerTooLarge(MAX_ANSWER_BYTES))))),
            }
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
