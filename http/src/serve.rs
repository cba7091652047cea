//! Running the server: the timer task, the accept loop (admission caps, a
//! header-read timeout, optional TLS), graceful shutdown on ctrl-c or
//! SIGTERM, and a last flush.

use crate::gate::{Caps, Gate, Refused};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use kaoshi_exam::Exam;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tower::ServiceExt;

/// How long requests under way may take to finish once shutdown begins;
/// idle keep-alive connections and event streams are then closed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How long a client may take to send a request's headers (and, with TLS,
/// its handshake) and how long an idle keep-alive connection stays open:
/// a client that trickles bytes holds its connection no longer than this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How a server listens.
#[derive(Clone)]
pub struct Options {
    /// Connection caps.
    pub caps: Caps,
    /// TLS, when given; plain HTTP otherwise.
    pub tls: Option<crate::tls::Config>,
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options { caps: Caps::for_descriptors(1024), tls: None, header_read_timeout: HEADER_READ_TIMEOUT }
    }
}

/// Serves `exam` on `listener` with default options (plain HTTP); see [`serve_with`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    exam: Arc<Exam>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, exam, Options::default(), shutdown).await
}

/// Serves `exam` on `listener` until `shutdown` resolves, with the timer
/// running beside it; then lets requests under way finish for at most
/// [`SHUTDOWN_GRACE`] and flushes the store before returning.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    exam: Arc<Exam>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timer = tokio::spawn(exam.clone().run_timer());
    let app = crate::router::router(exam.clone());
    let gate = Gate::new(options.caps);
    let tls = options.tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused_logged = 0u64;
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept:
                    // wait a moment rather than spin, and go on serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let admission = match gate.admit(peer.ip()) {
            Ok(a) => a,
            Err(why) => {
                refused_logged += 1;
                if refused_logged.is_power_of_two() {
                    let (open, most) = gate.open();
                    let why = match why {
                        Refused::Address => "its address holds the most connections allowed",
                        Refused::Full => "the server holds the most connections allowed",
                    };
                    tracing::warn!(%peer, open, most_from_one_address = most, refused = refused_logged, "connection refused: {why}");
                }
                drop(tcp);
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        let header_timeout = options.header_read_timeout;
        tokio::spawn(async move {
            let _admission = admission;
            match tls {
                None => serve_connection(tcp, peer, app, header_timeout, watcher).await,
                Some(acceptor) => match tokio::time::timeout(header_timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => serve_connection(stream, peer, app, header_timeout, watcher).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
    }
    drop(listener);
    let served = tokio::select! {
        () = graceful.shutdown() => Ok(()),
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::info!("connections still open after the grace period: closing them");
            Ok(())
        }
    };
    timer.abort();
    if let Err(e) = exam.store().flush() {
        tracing::error!(error = %e, "the last flush at shutdown failed");
    }
    served
}

/// One HTTP/1.1 connection, its peer's address given to handlers as
/// [`ConnectInfo`].
async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    app: axum::Router,
    header_timeout: Duration,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
