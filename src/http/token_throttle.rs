//! The layer that refuses token-bearing requests from client addresses with too many failed
//! token authentications (see [`crate::auth::throttle`]).
//!
//! Requests without an `Authorization` header pass untouched. Others are checked against
//! the address's failures before any route runs, and what authentication concluded (noted by
//! the resolvers in [`crate::service::caller`]) is counted when the response is ready.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::auth::throttle::{observe, outcome, Observed, TokenKey, TokenThrottle};
use crate::auth::token::strip_bearer;
use crate::error::AppError;

#[derive(Clone)]
pub struct TokenThrottleLayer {
    throttle: Arc<TokenThrottle>,
    trusted_header: Option<Arc<str>>,
}

impl TokenThrottleLayer {
    pub fn new(throttle: Arc<TokenThrottle>, trusted_header: Option<&str>) -> Self {
        TokenThrottleLayer {
            throttle,
            trusted_header: trusted_header.filter(|h| !h.is_empty()).map(Arc::from),
        }
    }
}

impl<S> Layer<S> for TokenThrottleLayer {
    type Service = TokenThrottleService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TokenThrottleService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct TokenThrottleService<S> {
    inner: S,
    layer: TokenThrottleLayer,
}

impl<S> Service<Request> for TokenThrottleService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ThrottleFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let throttle = &self.layer.throttle;
        if !throttle.enabled() {
            return ThrottleFuture::Passed {
                future: self.inner.call(req),
            };
        }
        let Some(token) = presented_token(throttle, &req) else {
            return ThrottleFuture::Passed {
                future: self.inner.call(req),
            };
        };
        let addr: Option<IpAddr> = crate::http::client_address::client_ip_of(
            req.headers(),
            req.extensions(),
            self.layer.trusted_header.as_deref(),
        );
        if let Err(retry_after_secs) = throttle.check(addr, token) {
            let refused = AppError::TooManyRequests { retry_after_secs }.into_response();
            return ThrottleFuture::Refused {
                response: Some(refused),
            };
        }
        ThrottleFuture::Observed {
            future: observe(self.inner.call(req)),
            throttle: throttle.clone(),
            addr,
            token,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's handling: passed untouched, refused, or watched for what token
    /// authentication concluded (recorded when it completes).
    #[project = ThrottleProj]
    pub enum ThrottleFuture<F: std::future::Future> {
        Passed { #[pin] future: F },
        Refused { response: Option<Response> },
        Observed {
            #[pin] future: Observed<F>,
            throttle: Arc<TokenThrottle>,
            addr: Option<IpAddr>,
            token: TokenKey,
        },
    }
}

impl<F> std::future::Future for ThrottleFuture<F>
where
    F: std::future::Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ThrottleProj::Passed { future } => future.poll(cx),
            ThrottleProj::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| StatusCode::TOO_MANY_REQUESTS.into_response()))),
            ThrottleProj::Observed {
                mut future,
                throttle,
                addr,
                token,
            } => {
                let res = std::task::ready!(future.as_mut().poll(cx));
                throttle.record(*addr, *token, outcome(future));
                Poll::Ready(res)
            }
        }
    }
}

/// The key of the request's token, when it carries a non-empty `Authorization` value.
fn presented_token(throttle: &TokenThrottle, req: &Request) -> Option<TokenKey> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = strip_bearer(value);
    (!token.is_empty()).then(|| throttle.token_key(token))
}
