//! Maintenance mode: `GET|POST /api/admin/maintenance`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::operations::MaintenanceBody;
use crate::service::maintenance;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_maintenance, toggle_maintenance))
}

/// Unleash's `toggleMaintenanceSchema`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToggleMaintenance {
    /// `true` pauses every change through the Admin API and the web UI; `false` ends it.
    enabled: bool,
}

/// Whether maintenance mode is on (any signed-in caller).
#[utoipa::path(get, path = "/api/admin/maintenance", tag = "Maintenance", responses(
    (status = 200, description = "Whether it is on", body = MaintenanceBody),
    (status = 401, description = "Not signed in"),
))]
async fn get_maintenance(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<MaintenanceBody>> {
    Ok(Json(MaintenanceBody {
        enabled: maintenance::is_enabled(&state).await?,
    }))
}

/// Turns maintenance mode on or off (ADMIN). While it is on, every other write to the Admin
/// API answers 503 and the web UI refuses changes; reads, sign-in and the client, frontend
/// and Edge APIs keep working, on every node.
#[utoipa::path(post, path = "/api/admin/maintenance", tag = "Maintenance", request_body = ToggleMaintenance, responses(
    (status = 204, description = "Switched"),
    (status = 400, description = "`enabled` missing or not a boolean"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn toggle_maintenance(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<ToggleMaintenance>,
) -> AppResult<StatusCode> {
    let auth = p.require_admin()?;
    maintenance::set(&state, &auth, body.enabled).await?;
    Ok(StatusCode::NO_CONTENT)
}
