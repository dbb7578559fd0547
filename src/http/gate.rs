//! The gate every request passes before routing, as one layer: the request's log span
//! (method and path, never the query) and the log line of a server error, the guards of
//! [`super::limits`] (bounded headers, no NUL in the URL, small bodies read first), the
//! request deadline, and after a write, making this node's caches re-check what changed.
//!
//! One hand-written layer instead of a middleware function per concern: a request that
//! carries no body (every SDK and Admin API read) is passed to the router without boxing a
//! future, cloning the service behind it or arming a timer. The deadline's timer is armed
//! only when the handler does not answer at its first poll (it waits on the database), so
//! the reads answered from memory never touch the timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use super::limits;
use crate::auth::principal_cache::PrincipalCache;
use crate::cache::views::ViewCache;
use crate::cache::FeatureCache;
use crate::error::AppError;

/// How long a handler may take to start its answer before the request answers 408.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// The caches a write through this node makes re-check the database at once.
#[derive(Clone)]
pub struct LocalCaches {
    pub principals: Arc<PrincipalCache>,
    pub features: Arc<FeatureCache>,
    pub views: Arc<ViewCache>,
}

impl LocalCaches {
    /// A change made through this node is seen by its next request at once, whatever it
    /// changed: once the handler has committed (and before the answer leaves), the cached
    /// token principals re-check the auth epoch and the SDK snapshots re-check the
    /// revision. Other nodes notice within those caches' bounds. SDK writes (metrics,
    /// registrations) change no one's access and no flag, but they do move a flag's
    /// last-seen time, which the Admin API's views show.
    fn after(&self, write: Write) {
        match write {
            Write::None => {}
            Write::Sdk => self.views.invalidate(),
            Write::Change => {
                self.views.invalidate();
                self.principals.expire_epoch();
                self.features.invalidate();
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Write {
    /// A safe method: nothing changed.
    None,
    /// A write by an SDK or Edge.
    Sdk,
    /// Any other write.
    Change,
}

#[derive(Clone)]
pub struct GateLayer {
    caches: Option<LocalCaches>,
    deadline: Duration,
}

impl GateLayer {
    pub fn new(caches: LocalCaches) -> Self {
        Self {
            caches: Some(caches),
            deadline: REQUEST_DEADLINE,
        }
    }

    /// With another deadline and no caches to refresh (for tests).
    pub fn with_deadline(deadline: Duration) -> Self {
        Self {
            caches: None,
            deadline,
        }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Gate<S> {
    inner: S,
    layer: GateLayer,
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = GateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let write = if req.method().is_safe() {
            Write::None
        } else if is_sdk_path(req.uri().path()) {
            Write::Sdk
        } else {
            Write::Change
        };
        let caches = self
            .layer
            .caches
            .clone()
            .filter(|_| !matches!(write, Write::None));
        let deadline = self.layer.deadline;
        // Path only: query strings may carry context values, never logged. Costs nothing
        // when the log level is above INFO.
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %super::admin::invite_links::loggable_path(req.uri().path())
        );
        if let Some(refused) = limits::refusal(&req) {
            return GateFuture::answered(refused, caches, write, deadline, span);
        }
        let state = match small_body_length(&req) {
            None => State::Inner {
                future: self.inner.call(req),
            },
            Some(limit) => {
                // The service was made ready for this call; a clone takes its place.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                State::Boxed {
                    future: Box::pin(async move {
                        let (parts, body) = req.into_parts();
                        match axum::body::to_bytes(body, limit).await {
                            Ok(bytes) => {
                                let req = Request::from_parts(parts, axum::body::Body::from(bytes));
                                match inner.call(req).await {
                                    Ok(res) => res,
                                    Err(never) => match never {},
                                }
                            }
                            Err(e) => {
                                AppError::bad_data(format!("Could not read the request body: {e}"))
                                    .into_response()
                            }
                        }
                    }),
                }
            }
        };
        GateFuture {
            state,
            timer: None,
            deadline,
            caches,
            write,
            span,
        }
    }
}

/// The length of a body to read before the handler runs: a declared length up to
/// [`limits::SMALL_BODY_BYTES`] (see there for why).
fn small_body_length(req: &Request) -> Option<usize> {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()?;
    (declared > 0 && declared <= limits::SMALL_BODY_BYTES).then_some(declared as usize)
}

/// The answer to a request whose handler did not answer within the deadline, in Unleash's
/// error shape.
fn timed_out(deadline: Duration) -> Response {
    let message = format!(
        "The request took longer than {} seconds and was stopped. Try again; if it keeps happening, the server's database may be overloaded.",
        deadline.as_secs_f64()
    );
    let body = serde_json::json!({
        "id": uuid::Uuid::new_v4(),
        "name": "RequestTimeoutError",
        "message": message,
        "details": [{"message": message}],
    });
    (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response()
}

/// The routes SDKs and Edge call, whose writes (metrics, registrations) change no one's access.
pub fn is_sdk_path(path: &str) -> bool {
    path.starts_with("/api/client/")
        || path.starts_with("/api/frontend")
        || path.starts_with("/edge/")
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        // Answered by the gate itself.
        Answered { res: Option<Response> },
        // The router's future, for a request without a body to read first.
        Inner { #[pin] future: F },
        // Reading a small body, then the router's future.
        Boxed { future: BoxFuture<'static, Response> },
    }
}

pin_project_lite::pin_project! {
    pub struct GateFuture<F> {
        #[pin]
        state: State<F>,
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
        deadline: Duration,
        caches: Option<LocalCaches>,
        write: Write,
        span: tracing::Span,
    }
}

impl<F> GateFuture<F> {
    fn answered(
        res: Response,
        caches: Option<LocalCaches>,
        write: Write,
        deadline: Duration,
        span: tracing::Span,
    ) -> Self {
        Self {
            state: State::Answered { res: Some(res) },
            timer: None,
            deadline,
            caches,
            write,
            span,
        }
    }
}

impl<F> Future for GateFuture<F>
where
    F: Future<Output = Result<Response, std::convert::Infallible>>,
{
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let polled = match this.state.project() {
            StateProj::Answered { res } => Poll::Ready(res.take().unwrap_or_else(|| {
                AppError::internal(anyhow::anyhow!("a request was answered twice")).into_response()
            })),
            StateProj::Inner { future } => future.poll(cx).map(|r| match r {
                Ok(res) => res,
                Err(never) => match never {},
            }),
            StateProj::Boxed { future } => future.as_mut().poll(cx),
        };
        let res = match polled {
            Poll::Ready(res) => res,
            Poll::Pending => {
                // Armed at the first wait: answers from memory never reach this.
                let deadline = *this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(deadline)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                timed_out(deadline)
            }
        };
        if let Some(caches) = this.caches.take() {
            caches.after(*this.write);
        }
        if res.status().is_server_error() {
            tracing::error!(status = res.status().as_u16(), "request failed");
        }
        Poll::Ready(Ok(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, post};
    use axum::Router;
    use tower::ServiceExt;

    fn app(
        deadline: Duration,
    ) -> impl Service<Request, Response = Response, Error = std::convert::Infallible, Future: Send> + Clone
    {
        let router = Router::new()
            .route("/fast", get(|| async { "fast" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "slow"
                }),
            )
            .route("/echo", post(|body: String| async move { body }));
        tower::ServiceBuilder::new()
            .layer(GateLayer::with_deadline(deadline))
            .service(router)
    }

    async fn call(req: Request) -> (StatusCode, String) {
        let res = app(Duration::from_millis(100)).oneshot(req).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_handler_past_the_deadline_answers_408_and_others_are_untouched() {
        let started = std::time::Instant::now();
        let (status, body) = call(Request::get("/slow").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["name"], "RequestTimeoutError");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        let (status, body) = call(Request::get("/fast").body(Body::empty()).unwrap()).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "fast"));
    }

    #[tokio::test]
    async fn small_bodies_are_read_first_and_reach_the_handler() {
        let req = Request::post("/echo")
            .header("content-length", "5")
            .body(Body::from("hello"))
            .unwrap();
        assert_eq!(call(req).await, (StatusCode::OK, "hello".to_string()));
    }

    #[tokio::test]
    async fn refused_requests_never_reach_the_router() {
        let (status, body) = call(Request::get("/fast?q=%00").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("NUL"), "{body}");
        let mut req = Request::get("/fast");
        for i in 0..150 {
            req = req.header(format!("x-h{i}"), "v");
        }
        let (status, _) = call(req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
}
