//! Response headers every route shares: `Cache-Control: no-store` unless a route chose its
//! own, and CORS for the frontend API, which browsers call from other origins. Other routes
//! send no CORS headers, so browsers keep them same-origin.
//!
//! This is one hand-written layer rather than a chain of `from_fn` middlewares: it sits on
//! the SDK hot path, and it neither clones the inner service nor boxes a future per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::config::Config;

/// What the layer needs from the configuration, computed once.
#[derive(Clone)]
pub struct ApiHeadersLayer {
    policy: Arc<CorsPolicy>,
}

struct CorsPolicy {
    base: String,
    any_origin: bool,
    origins: Vec<String>,
}

impl ApiHeadersLayer {
    pub fn new(config: &Config) -> Self {
        let origins: Vec<String> = config
            .cors_origins
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        ApiHeadersLayer {
            policy: Arc::new(CorsPolicy {
                base: config.base_path(),
                any_origin: origins.iter().any(|o| o == "*"),
                origins,
            }),
        }
    }
}

impl CorsPolicy {
    fn is_frontend(&self, path: &str) -> bool {
        path.strip_prefix(self.base.as_str())
            .unwrap_or(path)
            .starts_with("/api/frontend")
    }

    fn allowed_origin(&self, origin: &str) -> Option<HeaderValue> {
        if self.any_origin {
            return Some(HeaderValue::from_static("*"));
        }
        self.origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
            .then(|| HeaderValue::from_str(origin).ok())
            .flatten()
    }

    fn preflight(&self, allow: Option<HeaderValue>, headers: &HeaderMap) -> Response {
        let mut res = StatusCode::NO_CONTENT.into_response();
        if let Some(allow) = allow {
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            let requested = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                requested.unwrap_or(HeaderValue::from_static(
                    "authorization, content-type, if-none-match, unleash-appname, unleash-sdk, unleash-connection-id",
                )),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        res
    }
}

fn no_store(res: &mut Response) {
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

impl<S> Layer<S> for ApiHeadersLayer {
    type Service = ApiHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApiHeaders {
            inner,
            policy: self.policy.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ApiHeaders<S> {
    inner: S,
    policy: Arc<CorsPolicy>,
}

impl<S> Service<Request> for ApiHeaders<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ApiHeadersFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let cors = req
            .headers()
            .get(header::ORIGIN)
            .filter(|_| self.policy.is_frontend(req.uri().path()))
            .and_then(|v| v.to_str().ok())
            .map(|origin| self.policy.allowed_origin(origin));
        match cors {
            Some(allow) if req.method() == Method::OPTIONS => ApiHeadersFuture::Ready {
                response: Some(self.policy.preflight(allow, req.headers())),
            },
            cors => ApiHeadersFuture::Inner {
                future: self.inner.call(req),
                allow: cors.flatten(),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner route's response, with the shared headers added.
    #[project = ApiHeadersProj]
    pub enum ApiHeadersFuture<F> {
        Inner { #[pin] future: F, allow: Option<HeaderValue> },
        Ready { response: Option<Response> },
    }
}

impl<F, E> Future for ApiHeadersFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ApiHeadersProj::Ready { response } => Poll::Ready(Ok(response
                .take()
                .expect("an answered request is not polled again"))),
            ApiHeadersProj::Inner { future, allow } => {
                let mut res = std::task::ready!(future.poll(cx))?;
                no_store(&mut res);
                if let Some(allow) = allow.take() {
                    let h = res.headers_mut();
                    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
                    h.insert(
                        header::ACCESS_CONTROL_EXPOSE_HEADERS,
                        HeaderValue::from_static("ETag"),
                    );
                    h.insert(header::VARY, HeaderValue::from_static("Origin"));
                }
                Poll::Ready(Ok(res))
            }
        }
    }
}
