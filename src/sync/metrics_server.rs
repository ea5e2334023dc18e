//! The plain-HTTP endpoint of `sync --watch --metrics-addr`: `/metrics`,
//! `/healthz` and `/readyz` (200 once a run has finished, or while a
//! follower waits for the Lease). HTTP/1 only, 10 s to send the request
//! headers, at most 64 connections: a scraper, not the internet.

use super::metrics::SyncMetrics;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What the endpoint serves.
#[derive(Debug, Default)]
pub struct Exposed {
    pub metrics: SyncMetrics,
    /// A follower is ready without running: it is waiting, as it should.
    pub following: AtomicBool,
}

/// Bind now (a taken port is an error at start), serve in the background.
pub async fn start(addr: SocketAddr, exposed: Arc<Exposed>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let slots = Arc::new(tokio::sync::Semaphore::new(64));
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                continue;
            };
            let exposed = exposed.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let service = service_fn(move |request| {
                    let exposed = exposed.clone();
                    async move { Ok::<_, Infallible>(route(&request, &exposed)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    Ok(local)
}

fn route(request: &Request<Incoming>, exposed: &Exposed) -> Response<Full<Bytes>> {
    let (status, content_type, body): (StatusCode, &str, Bytes) =
        match (request.method(), request.uri().path()) {
            (&Method::GET, "/metrics") => (
                StatusCode::OK,
                crate::exposition::CONTENT_TYPE,
                exposed.metrics.encode().into(),
            ),
            (&Method::GET, "/healthz") => (StatusCode::OK, "text/plain", "ok\n".into()),
            (&Method::GET, "/readyz")
                if exposed.metrics.has_run() || exposed.following.load(Ordering::SeqCst) =>
            {
                (StatusCode::OK, "text/plain", "ok\n".into())
            }
            (&Method::GET, "/readyz") => (
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "no run has finished yet\n".into(),
            ),
            _ => (StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
        };
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body))
        .expect("a static response builds")
}
