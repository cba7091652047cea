//! Running the server: the timer task, the listener, graceful shutdown on
//! ctrl-c or SIGTERM, and a last flush.

use crate::AppState;
use std::future::Future;
use std::net::SocketAddr;

/// Serves `exam` on `listener` until `shutdown` resolves, with the timer
/// running beside it; flushes the store before returning.
pub async fn serve(
    listener: tokio::net::TcpListener,
    exam: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timer = tokio::spawn(exam.clone().run_timer());
    let app = crate::router(exam.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
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
