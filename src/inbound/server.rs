//! The HTTP/1.1 server loop: accepts connections and serves the router with timeouts.
//!
//! Owns: the header read timeout (a client that stalls while sending headers is cut off), keep-alive,
//! and graceful shutdown (stop accepting, let requests in flight finish, then return).
//!
//! Never does: routing or request handling; those are [`crate::web`]'s.

use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long requests in flight may take to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves `app` on `listener` until `shutdown` turns true, then drains connections.
pub async fn serve(listener: TcpListener, app: Router, header_timeout: Duration, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    // Every connection's task, so that those still open when draining times out can be ended.
    let mut connections = tokio::task::JoinSet::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(app.clone());
                let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                while connections.try_join_next().is_some() {} // forget those that ended
                connections.spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections drained"),
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; closing them"),
    }
    // A client that never reads its answers would otherwise hold its connection, and the router with
    // it, for good.
    connections.shutdown().await;
}
