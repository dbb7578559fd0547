//! HTTP: router assembly, layers and the OpenAPI document.

pub mod admin;
pub mod auth;
pub mod client;
pub mod client_address;
pub mod cors;
pub mod edge;
pub mod extract;
pub mod frontend;
pub mod health;
pub mod leaked_tokens;
pub mod limits;
pub mod openapi;
pub mod prometheus;
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
use std::time::Duration;

use axum::extract::OriginalUri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
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
    let layered = tower::ServiceBuilder::new()
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // Path only: query strings may carry context values, never logged.
                tracing::info_span!("request", method = %req.method(), path = %admin::invite_links::loggable_path(req.uri().path()))
            }),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            limits::panic_response,
        ))
        .layer(axum::middleware::from_fn(limits::guard_request))
        .layer(axum::middleware::from_fn({
            let principals = state.principals.clone();
            let features = state.features.clone();
            let views = state.views.clone();
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let principals = principals.clone();
                let features = features.clone();
                let views = views.clone();
                async move {
                    // A change made through this node is seen by its next request at once,
                    // whatever it changed: once the handler has committed (and before the
                    // answer leaves), the cached token principals re-check the auth epoch
                    // and the SDK snapshots re-check the revision. Other nodes notice within
                    // those caches' bounds. SDK writes (metrics, registrations) change no
                    // one's access and no flag, but they do move a flag's last-seen time,
                    // which the Admin API's views show.
                    let writes = !req.method().is_safe();
                    let changes = writes && !is_sdk_path(req.uri().path());
                    let res = next.run(req).await;
                    if writes {
                        views.invalidate();
                    }
                    if changes {
                        principals.expire_epoch();
                        features.invalidate();
                    }
                    res
                }
            }
        }))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(limits::read_small_body))
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
        .service(app);
    let app = Router::new().fallback_service(layered);
    let base = state.config.base_path();
    if base.is_empty() {
        app
    } else {
        Router::new().nest(&base, app)
    }
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

/// The routes SDKs and Edge call, whose writes (metrics, registrations) change no one's access.
fn is_sdk_path(path: &str) -> bool {
    path.starts_with("/api/client/")
        || path.starts_with("/api/frontend")
        || path.starts_with("/edge/")
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Response {
    AppError::NotFound(format!(
        "The path you were looking for ({}) is not available.",
        uri.path()
    ))
    .into_response()
}
