//! Accepting connections: a deadline for each request head (which also closes silent and
//! idle kept-alive connections), a connection limit below the open-file limit, and a
//! graceful drain at shutdown. HTTP/1.1, which is what the SDKs and Unleash Edge speak
//! (HTTP/2 is for a TLS-terminating proxy in front to offer).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Config;

/// File descriptors kept back from connections: the database pool, SQLite's files, logs.
const RESERVED_FILES: u64 = 256;
/// The connection limit when the open-file limit is unlimited or unknown.
const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time allowed for a complete request head, counted from when the server starts
    /// waiting for it (so also the longest idle time between kept-alive requests).
    pub headers_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// From the configuration, with the connection limit derived from the open-file limit
    /// when none is configured.
    pub fn new(config: &Config, file_limit: Option<u64>) -> ConnectionLimits {
        let derived = file_limit
            .map(|n| n.saturating_sub(RESERVED_FILES).max(64))
            .map(|n| {
                usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(DEFAULT_MAX_CONNECTIONS)
            })
            .unwrap_or(DEFAULT_MAX_CONNECTIONS);
        ConnectionLimits {
            headers_timeout: Duration::from_millis(config.headers_timeout_ms.max(1)),
            max_connections: config.max_connections.unwrap_or(derived).max(1),
        }
    }
}

/// Raises the process's soft limit of open files to its hard limit, and returns the soft
/// limit in force afterwards (`None`: unlimited).
pub fn raise_file_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    if now.current != now.maximum {
        let wanted = Rlimit {
            current: now.maximum,
            maximum: now.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, wanted) {
            tracing::warn!(error = %e, "could not raise the open-file limit");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for open
/// connections to finish their requests.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers_timeout)
        .max_headers(crate::http::limits::MAX_HEADER_COUNT * 2);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let refused = AtomicU64::new(0);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors, or the peer gave up before we took it: pause
                // briefly instead of spinning.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Closing at once frees the descriptor; the log says why, once per 1,000.
            let n = refused.fetch_add(1, Ordering::Relaxed);
            if n.is_multiple_of(1000) {
                tracing::warn!(
                    limit = limits.max_connections,
                    refused = n + 1,
                    "connection limit reached (SERVER_MAX_CONNECTIONS): closing new connections until some end"
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            },
        );
        let service = TowerToHyperService::new(service);
        let builder = builder.clone();
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Errors here are the client's doing (reset, timed out head, bad request).
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
