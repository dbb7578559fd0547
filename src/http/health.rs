//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// The server is up.
#[utoipa::path(get, path = "/health", tag = "Operational", responses((status = 200, description = "`{\"health\":\"GOOD\"}`")))]
async fn health() -> Json<Value> {
    Json(json!({"health": "GOOD"}))
}

/// The server can reach its database.
#[utoipa::path(get, path = "/ready", tag = "Operational", responses(
    (status = 200, description = "The database answers"),
    (status = 503, description = "The database does not answer"),
))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.db.ping().await {
        (StatusCode::OK, Json(json!({"health": "GOOD"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"health": "BAD"})),
        )
    }
}
