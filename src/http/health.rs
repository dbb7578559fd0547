//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::http::wire::operations::HealthBody;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// The server is up.
#[utoipa::path(get, path = "/health", tag = "Operational", responses(
    (status = 200, description = "Always `GOOD`", body = HealthBody),
))]
async fn health() -> Json<HealthBody> {
    Json(HealthBody {
        health: "GOOD".into(),
    })
}

/// The server can reach its database.
#[utoipa::path(get, path = "/ready", tag = "Operational", responses(
    (status = 200, description = "The database answers: `GOOD`", body = HealthBody),
    (status = 503, description = "The database does not answer: `BAD`", body = HealthBody),
))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<HealthBody>) {
    let (status, health) = if state.db.ping().await {
        (StatusCode::OK, "GOOD")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "BAD")
    };
    (
        status,
        Json(HealthBody {
            health: health.into(),
        }),
    )
}
