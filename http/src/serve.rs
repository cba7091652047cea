//! Running the server: the timer task, the listener, graceful shutdown on
//! ctrl-c or SIGTERM, and a last flush.

use crate::state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// How long requests under way may take to finish once shutdown begins;
/// idle keep-alive connections and event streams are then closed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves `exam` on `listener` until `shutdown` resolves, with the timer
/// running beside it; then lets requests under way finish for at most
/// [`SHUTDOWN_GRACE`] and flushes the store before returning.
pub async fn serve(
    listener: tokio::net::TcpListener,
    exam: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timer = tokio::spawn(exam.clone().run_timer());
    let app = crate::router::router(exam.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (began, grace) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = began.send(());
    };
    let graceful = axum::serve(listener, app).with_graceful_shutdown(signal);
    let served = tokio::select! {
        served = graceful => served,
        _ = async {
            if grace.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
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
