//! HTTP: router assembly, layers and the OpenAPI document.

pub mod admin;
pub mod auth;
pub mod client;
pub mod client_address;
pub mod cors;
pub mod edge;
pub mod extract;
pub mod frontend;
pub mod gate;
pub mod health;
pub mod leaked_tokens;
pub mod limits;
pub mod openapi;
pub mod prometheus;
pub mod sdk_poll;
pub mod serve;
pub mod token_throttle;
pub mod ui;
pub mod wire;

#[cfg(test)]
mod location_tests {
    #[test]
    fn location_segments_are_percent_encoded() {
        assert_eq!(
            super::location(&["tags", "simple", "a b/é\u{4}"]),
            "tags/simple/a%20b%2F%C3%A9%04"
        );
        assert_eq!(
            super::location(&["environments", "prod.eu-1"]),
            "environments/prod.eu-1"
        );
    }
}

use std::sync::Arc;

use axum::extract::OriginalUri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchyard API", description = "Unleash-compatible Admin, client and frontend APIs served by Switchyard."),
    tags(
        (name = "Operational", description = "Health and readiness"),
        (name = "Auth", description = "Sign-in and sign-out"),
        (name = "Users", description = "Users, roles and the caller's own account"),
        (name = "Events", description = "The audit log"),
        (name = "Personal access tokens", description = "Tokens that act as their user on the Admin API"),
        (name = "API tokens", description = "Admin, client (backend) and frontend tokens"),
        (name = "Service accounts", description = "Password-less accounts with a root role that act through tokens minted by Admins"),
        (name = "Metrics", description = "Applications and flag usage reported by SDKs"),
        (name = "Client API", description = "For backend SDKs"),
        (name = "Frontend API", description = "For browser and mobile SDKs"),
        (name = "Unleash Edge", description = "What Unleash Edge calls on its upstream: token validation, bulk metrics, its own report"),
        (name = "Admin UI", description = "Configuration for the web UI"),
        (name = "Maintenance", description = "Pausing every change while SDKs keep being served"),
        (name = "Addons", description = "Webhooks that receive events, including token expiry notices"),
        (name = "Leaked tokens", description = "Revoking tokens reported as leaked, and telling their owners"),
    )
)]
struct ApiDoc;

/// Every documented route, with its OpenAPI description.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::routes())
        .merge(prometheus::routes())
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(client::routes())
        .merge(frontend::routes())
        .merge(edge::routes())
        .merge(leaked_tokens::routes())
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes().split_for_parts().1;
    openapi::complete(&mut doc);
    doc
}

/// The complete application router, mounted under `BASE_URI_PATH`.
pub fn router(state: AppState) -> Router {
    let base = state.config.base_path();
    let app = Router::new().fallback_service(service(state));
    if base.is_empty() {
        app
    } else {
        Router::new().nest(&base, app)
    }
}

/// The application as one service, every route behind the shared layers, without a base path
/// (what [`router`] mounts). Served as it is when `BASE_URI_PATH` is not set: the router
/// that [`router`] wraps it in would clone and box the whole stack for every request.
pub fn service(
    state: AppState,
) -> impl tower::Service<
    axum::extract::Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
       + Send
       + Sync
       + 'static {
    let (routes, mut doc) = api_routes().split_for_parts();
    openapi::complete(&mut doc);
    state.metrics.install_routes(&doc);
    let doc = Arc::new(doc);
    let app = routes
        .merge(ui::routes())
        .route(
            "/docs/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(not_found)
        .with_state(state.clone());
    // The shared layers wrap the router once, outside routing, rather than each route
    // (`Router::layer`): every layer there is boxed per route and cloned per request.
    tower::ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            limits::panic_response,
        ))
        .layer(gate::GateLayer::new(gate::LocalCaches {
            principals: state.principals.clone(),
            features: state.features.clone(),
            views: state.views.clone(),
        }))
        .layer(cors::ApiHeadersLayer::new(&state.config))
        .layer(crate::telemetry::RequestMetricsLayer::new(
            state.metrics.clone(),
        ))
        .layer(token_throttle::TokenThrottleLayer::new(
            state.token_throttle.clone(),
            state.config.trusted_proxy_header.as_deref(),
        ))
        .layer(client_address::ClientAddressLayer::new(
            state.config.trusted_proxy_header.as_deref(),
        ))
        .service(sdk_poll::SdkPoll::new(state, app))
}

/// A relative `Location` for a created resource, each segment percent-encoded: names and
/// tag values may hold characters (controls, spaces, non-ASCII) that a header cannot carry.
pub fn location(segments: &[&str]) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'/')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    segments
        .iter()
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Response {
    AppError::NotFound(format!(
        "The path you were looking for ({}) is not available.",
        uri.path()
    ))
    .into_response()
}
