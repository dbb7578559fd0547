//! Accepting connections: a deadline for each request head (which also closes silent and
//! idle kept-alive connections), a connection limit below the open-file limit that makes
//! room by closing the connections waiting longest for a request (so a flood of idle
//! connections cannot lock out health checks and real clients), and a graceful drain at
//! shutdown. HTTP/1.1, which is what the SDKs and Unleash Edge speak
//! (HTTP/2 is for a TLS-terminating proxy in front to offer).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

use crate::config::Config;

/// File descriptors kept back from connections: the database pool, SQLite's files, logs.
const RESERVED_FILES: u64 = 256;
/// The connection limit when the open-file limit is unlimited or unknown.
const DEFAULT_MAX_CONNECTIONS: usize = 16_384;
/// At the limit, a connection that has been answered is closed to make room only after
/// waiting this long for its next request: it may still be flushing its last response.
/// Connections that never sent a request go first, whatever their age.
const MIN_IDLE_TO_EVICT: Duration = Duration::from_secs(1);
/// Each time the limit is met, up to this share of the limit (at least one) is closed, so
/// that a burst of new connections does not scan the table for each one.
const EVICT_SHARE: usize = 64;
/// How long a new connection waits for the slot of a connection just closed for it.
const EVICT_WAIT: Duration = Duration::from_millis(200);

/// One open connection, as the limit sees it.
struct Tracked {
    /// A request is being answered (HTTP/1.1 answers one at a time).
    busy: AtomicBool,
    /// At least one request has been answered: a real client, kept alive.
    served: AtomicBool,
    /// Since when the connection has been waiting for a request head, in milliseconds
    /// since the server started.
    idle_since_ms: AtomicU64,
    /// Told to close the connection to make room for a new one.
    evict: Notify,
}

/// One connection's service: the shared stack of layers and router, called in place (an
/// HTTP/1.1 connection answers one request at a time) rather than cloned for every request as
/// a general tower-to-hyper adapter must, with the connection's busy and idle marks set
/// around each request.
struct ConnectionService<S> {
    stack: RefCell<S>,
    tracked: Arc<Tracked>,
    /// When the server started, the origin of [`Tracked::idle_since_ms`].
    started: Instant,
}

impl<S> hyper::service::Service<axum::http::Request<hyper::body::Incoming>> for ConnectionService<S>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = Served<S>;

    fn call(&self, req: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        self.tracked.busy.store(true, Ordering::Relaxed);
        let req = req.map(axum::body::Body::new);
        let mut stack = self.stack.borrow_mut();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let future = match stack.poll_ready(&mut cx) {
            std::task::Poll::Ready(Ok(())) => ServedInner::Called {
                future: stack.call(req),
            },
            std::task::Poll::Ready(Err(never)) => match never {},
            // No layer of the stack waits to be ready today; should one ever, a clone waits
            // for its readiness without holding the connection's copy.
            std::task::Poll::Pending => ServedInner::Waiting {
                future: tower::ServiceExt::oneshot(stack.clone(), req),
            },
        };
        Served {
            future,
            tracked: self.tracked.clone(),
            started: self.started,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being answered on a tracked connection.
    struct Served<S: tower::Service<axum::extract::Request>> {
        #[pin]
        future: ServedInner<S>,
        tracked: Arc<Tracked>,
        started: Instant,
    }
}

pin_project_lite::pin_project! {
    #[project = ServedInnerProj]
    enum ServedInner<S: tower::Service<axum::extract::Request>> {
        Called { #[pin] future: S::Future },
        Waiting { #[pin] future: tower::util::Oneshot<S, axum::extract::Request> },
    }
}

impl<S> Future for Served<S>
where
    S: tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
    >,
{
    type Output = Result<axum::response::Response, std::convert::Infallible>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(match this.future.project() {
            ServedInnerProj::Called { future } => future.poll(cx),
            ServedInnerProj::Waiting { future } => future.poll(cx),
        });
        let idle_since = u64::try_from(this.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        this.tracked
            .idle_since_ms
            .store(idle_since, Ordering::Relaxed);
        this.tracked.served.store(true, Ordering::Relaxed);
        this.tracked.busy.store(false, Ordering::Relaxed);
        std::task::Poll::Ready(res)
    }
}

/// The open connections, so that at the limit the ones waiting longest for a request can
/// be closed for new ones.
struct Connections {
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
}

impl Connections {
    fn new() -> Connections {
        Connections {
            started: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn add(&self) -> (u64, Arc<Tracked>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            busy: AtomicBool::new(false),
            served: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(self.now_ms()),
            evict: Notify::new(),
        });
        self.lock().insert(id, tracked.clone());
        (id, tracked)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Tracked>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells up to `limit / EVICT_SHARE` (at least one) idle connections to close: first
    /// those that never sent a request, oldest first, then those answered before and idle at
    /// least [`MIN_IDLE_TO_EVICT`], longest idle first. Returns how many.
    fn evict_idle(&self, limit: usize) -> usize {
        let now = self.now_ms();
        let floor = u64::try_from(MIN_IDLE_TO_EVICT.as_millis()).unwrap_or(u64::MAX);
        let mut idle: Vec<((bool, u64), Arc<Tracked>)> = self
            .lock()
            .values()
            .filter(|t| !t.busy.load(Ordering::Relaxed))
            .map(|t| {
                let served = t.served.load(Ordering::Relaxed);
                ((served, t.idle_since_ms.load(Ordering::Relaxed)), t.clone())
            })
            .filter(|((served, since), _)| !served || now.saturating_sub(*since) >= floor)
            .collect();
        let n = idle.len().min((limit / EVICT_SHARE).max(1));
        if n == 0 {
            return 0;
        }
        // Never served (`false`) before served, then the oldest.
        idle.select_nth_unstable_by_key(n - 1, |(rank, _)| *rank);
        for (_, t) in &idle[..n] {
            t.evict.notify_one();
        }
        n
    }
}

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

/// Connections the kernel may hold for us before we accept them (capped by the system's
/// `somaxconn`). Tokio's default of 1,024 overflows in bursts of new connections, and every
/// overflow costs the client a retransmitted connection attempt, a second or more.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `addr` (`host:port`) with a deep accept queue ([`LISTEN_BACKLOG`]).
pub async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for sa in tokio::net::lookup_host(addr).await? {
        let socket = if sa.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(sa).and_then(|()| socket.listen(LISTEN_BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{addr} resolves to no address"),
        )
    }))
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
pub async fn serve_connections<S>(
    listener: TcpListener,
    router: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // hyper's own bound on header lines (100) is left as it is: a larger bound makes it
        // fill a heap buffer of that many entries for every request head it parses.
        .header_read_timeout(limits.headers_timeout);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let full = AtomicU64::new(0);
    let connections = Arc::new(Connections::new());
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
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => Some(slot),
            Err(_) => {
                // Full: close the connections waiting longest for a request and take the
                // first slot freed; with none to close, refuse this one.
                let evicted = connections.evict_idle(limits.max_connections);
                let slot = if evicted > 0 {
                    tokio::time::timeout(EVICT_WAIT, slots.clone().acquire_owned())
                        .await
                        .ok()
                        .and_then(Result::ok)
                } else {
                    None
                };
                let n = full.fetch_add(1, Ordering::Relaxed);
                if n.is_multiple_of(1000) {
                    tracing::warn!(
                        limit = limits.max_connections,
                        times = n + 1,
                        closed_idle = evicted,
                        "connection limit reached (SERVER_MAX_CONNECTIONS): closing idle connections to make room (those that never sent a request first), or the new one when none is idle"
                    );
                }
                slot
            }
        };
        let Some(slot) = slot else {
            // Closing at once frees the descriptor.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (id, tracked) = connections.add();
        let service = ConnectionService {
            stack: RefCell::new(router.clone()),
            tracked: tracked.clone(),
            started: connections.started,
        };
        let builder = builder.clone();
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let connections = connections.clone();
        tokio::spawn(super::client_address::with_peer(peer, async move {
            let mut conn = std::pin::pin!(conn);
            loop {
                tokio::select! {
                    ended = &mut conn => {
                        // Errors here are the client's doing (reset, timed out head, bad
                        // request).
                        if let Err(e) = ended {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    // Dropping the connection closes it; one that started a request since
                    // it was chosen is left to finish.
                    () = tracked.evict.notified() => {
                        if !tracked.busy.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                }
            }
            connections.remove(id);
            drop(slot);
        }));
    }
    drop(listener);
    graceful.shutdown().await;
}
