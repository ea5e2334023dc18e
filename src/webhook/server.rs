//! The HTTPS server: `/mutate` (AdmissionReview), `/healthz`, `/readyz`,
//! `/metrics`.
//!
//! Every step has a bound, because the apiserver waits on this server
//! while a Pod is being created: 10 s for the TLS handshake and for the
//! request headers, 10 s and 4 MiB for a body (the apiserver's own limit
//! on an object is 3 MiB), 512 connections at once. On SIGTERM `/readyz`
//! turns 503 and the server keeps accepting for 5 s (until the endpoints
//! stop sending it reviews); then the listener closes, and open connections
//! get 10 s to finish.

use super::metrics::Metrics;
use super::review::review;
use super::tls::{CertFiles, Reload, Reloading};
use crate::exposition::CONTENT_TYPE;
use crate::mutate::Settings;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const HANDSHAKE: Duration = Duration::from_secs(10);
const HEADERS: Duration = Duration::from_secs(10);
const BODY: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 4 * 1024 * 1024;
const MAX_CONNECTIONS: usize = 512;
const DRAIN: Duration = Duration::from_secs(10);
/// How long the webhook keeps accepting after SIGTERM: the apiserver sends
/// to a Pod until the endpoints drop it, and a refused connection would
/// leave a Pod uninjected (failurePolicy Ignore) or refused (Fail).
const LINGER: Duration = Duration::from_secs(5);
const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub files: CertFiles,
    pub settings: Settings,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the webhook's certificate: {0}")]
    Certificate(String),
}

struct State {
    settings: Settings,
    metrics: Metrics,
    ready: AtomicBool,
}

/// Serve until `shutdown` completes; `bound` is told the address (port 0
/// picks a free one).
pub async fn serve(
    options: Options,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), WebhookError> {
    let (acceptor, resolver) = tls_acceptor(&options)?;
    let (listener, local) = bind(options.listen).await?;
    let state = Arc::new(State {
        settings: options.settings,
        metrics: Metrics::default(),
        ready: AtomicBool::new(true),
    });
    let reloader = tokio::spawn(watch_certificate(resolver, state.clone()));
    bound(local);
    tracing::info!(%local, "kvault webhook serving /mutate, /healthz, /readyz, /metrics");

    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    // After SIGTERM: still accepting, /readyz 503, until LINGER has passed.
    let mut closing: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown, if closing.is_none() => {
                state.ready.store(false, Ordering::SeqCst);
                tracing::info!("shutting down: /readyz answers 503, serving {LINGER:?} more");
                closing = Some(Box::pin(tokio::time::sleep(LINGER)));
                continue;
            }
            () = async { closing.as_mut().expect("guarded").await }, if closing.is_some() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: pause, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "{MAX_CONNECTIONS} connections open: refused one");
            continue;
        };
        tokio::spawn(serve_connection(
            tcp,
            peer,
            acceptor.clone(),
            state.clone(),
            graceful.watcher(),
            slot,
        ));
    }
    drop(listener);
    reloader.abort();
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}: closing them");
    }
    Ok(())
}

/// TLS from the certificate files, reloaded as they change; HTTP/2 offered.
fn tls_acceptor(options: &Options) -> Result<(TlsAcceptor, Arc<Reloading>), WebhookError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let resolver = Arc::new(
        Reloading::new(options.files.clone(), provider.clone())
            .map_err(WebhookError::Certificate)?,
    );
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| WebhookError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(resolver.clone());
    // The apiserver speaks HTTP/2 to webhooks when offered.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), resolver))
}

/// The listening socket and the address it got.
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), WebhookError> {
    let listen = |source| WebhookError::Listen { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(listen)?;
    let local = listener.local_addr().map_err(listen)?;
    Ok((listener, local))
}

/// One connection, in its own task: the handshake (so that a client that
/// stalls in it holds one slot, not the accept loop), then HTTP/1.1 or
/// HTTP/2 with header and keep-alive deadlines, watched for the drain.
async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    watcher: hyper_util::server::graceful::Watcher,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let _slot = slot;
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await else {
        tracing::debug!(%peer, "TLS handshake failed or timed out");
        return;
    };
    let service = service_fn(move |request| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(route(request, &state).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADERS);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let connection = builder
        .serve_connection(TokioIo::new(tls), service)
        .into_owned();
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}

/// Look at the certificate files every second; say once what changed.
async fn watch_certificate(resolver: Arc<Reloading>, state: Arc<State>) {
    let mut last_error = None;
    loop {
        tokio::time::sleep(RELOAD_EVERY).await;
        match resolver.check() {
            Reload::Unchanged => {}
            Reload::Loaded => {
                last_error = None;
                state.metrics.reloaded(true);
                tracing::info!("certificate reloaded");
            }
            Reload::Failed(e) => {
                if last_error.as_ref() != Some(&e) {
                    state.metrics.reloaded(false);
                    tracing::warn!("certificate not reloaded, the old one stays in use: {e}");
                    last_error = Some(e);
                }
            }
        }
    }
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()))
        .expect("a static response builds")
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    reply(status, "text/plain; charset=utf-8", body)
}

async fn route(request: Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    match (request.method(), request.uri().path()) {
        (&Method::POST, "/mutate") => mutate(request, state).await,
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") if state.ready.load(Ordering::SeqCst) => {
            text(StatusCode::OK, "ok\n")
        }
        (&Method::GET, "/readyz") => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
        (&Method::GET, "/metrics") => reply(StatusCode::OK, CONTENT_TYPE, state.metrics.encode()),
        (_, "/mutate" | "/healthz" | "/readyz" | "/metrics") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

async fn mutate(request: Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let body = Limited::new(request.into_body(), MAX_BODY);
    let bytes = match tokio::time::timeout(BODY, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            state
                .metrics
                .reviewed(None, started.elapsed().as_secs_f64());
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the review is larger than 4 MiB\n",
            );
        }
        Ok(Err(_)) | Err(_) => {
            state
                .metrics
                .reviewed(None, started.elapsed().as_secs_f64());
            return text(
                StatusCode::REQUEST_TIMEOUT,
                "the review did not arrive in time\n",
            );
        }
    };
    match review(&bytes, &state.settings) {
        Ok((answer, outcome)) => {
            state
                .metrics
                .reviewed(Some(outcome), started.elapsed().as_secs_f64());
            if let Some(message) = answer
                .pointer("/response/status/message")
                .and_then(|m| m.as_str())
            {
                tracing::warn!("denied: {message}");
            } else {
                tracing::debug!(?outcome, "reviewed");
            }
            let body = serde_json::to_vec(&answer).expect("an answer serializes");
            reply(StatusCode::OK, "application/json", body)
        }
        Err(e) => {
            state
                .metrics
                .reviewed(None, started.elapsed().as_secs_f64());
            reply(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                format!("{e}\n"),
            )
        }
    }
}
