//! Instance statistics for administrators.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::service::stats;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(instance_statistics))
}

/// What this installation holds, counted: users, flags, projects, environments, segments,
/// API tokens, recent production changes and more (ADMIN).
#[utoipa::path(get, path = "/api/admin/instance-admin/statistics", tag = "Instance Admin", responses(
    (status = 200, description = "`instanceAdminStatsSchema`"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn instance_statistics(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<Value>> {
    p.require_admin()?;
    Ok(Json(stats::instance_statistics(&state).await?))
}
