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
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service};

use crate::auth::throttle::{observe, TokenKey, TokenThrottle};
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
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let throttle = &self.layer.throttle;
        if !throttle.enabled() {
            return Either::Left(self.inner.call(req));
        }
        let Some(token) = presented_token(throttle, &req) else {
            return Either::Left(self.inner.call(req));
        };
        let addr: Option<IpAddr> = crate::http::client_address::client_ip_of(
            req.headers(),
            req.extensions(),
            self.layer.trusted_header.as_deref(),
        );
        if let Err(retry_after_secs) = throttle.check(addr, token) {
            let refused = AppError::TooManyRequests { retry_after_secs }.into_response();
            return Either::Right(Box::pin(std::future::ready(Ok(refused))));
        }
        let handled = self.inner.call(req);
        let throttle = throttle.clone();
        Either::Right(Box::pin(async move {
            let (res, outcome) = observe(handled).await;
            throttle.record(addr, token, outcome);
            res
        }))
    }
}

/// The key of the request's token, when it carries a non-empty `Authorization` value.
fn presented_token(throttle: &TokenThrottle, req: &Request) -> Option<TokenKey> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = strip_bearer(value);
    (!token.is_empty()).then(|| throttle.token_key(token))
}
