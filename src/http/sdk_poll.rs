//! `GET /api/client/features`, the request SDKs poll most often, handed straight to its
//! handler inside the shared layers. The router would do the same work and more on every
//! poll: look the route up, insert the path parameters and the matched path, and clone and
//! box the routed handler. Every other request, other methods on that path included, goes
//! to the router, which also keeps the route in the OpenAPI document.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The path this service answers itself, as the router sees it (below any base path).
const POLLED: &str = "/api/client/features";

/// The router, with `GET` [`POLLED`] answered without it.
#[derive(Clone)]
pub struct SdkPoll<R> {
    state: AppState,
    router: R,
}

impl<R> SdkPoll<R> {
    pub fn new(state: AppState, router: R) -> Self {
        SdkPoll { state, router }
    }
}

impl<R> tower::Service<Request> for SdkPoll<R>
where
    R: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = SdkPollFuture<R::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.router.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.method() == Method::GET && req.uri().path() == POLLED {
            let state = self.state.clone();
            return SdkPollFuture::Polled {
                future: Box::pin(async move {
                    super::client::client_features(&state, req)
                        .await
                        .into_response()
                }),
            };
        }
        SdkPollFuture::Routed {
            future: self.router.call(req),
        }
    }
}

pin_project_lite::pin_project! {
    /// An SDK poll's answer, or the router's.
    #[project = SdkPollProj]
    pub enum SdkPollFuture<F> {
        Polled { future: Pin<Box<dyn Future<Output = Response> + Send>> },
        Routed { #[pin] future: F },
    }
}

impl<F> Future for SdkPollFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            SdkPollProj::Polled { future } => future.as_mut().poll(cx).map(Ok),
            SdkPollProj::Routed { future } => future.poll(cx),
        }
    }
}
