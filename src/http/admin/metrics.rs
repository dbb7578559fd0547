//! What SDKs reported, for the Admin API.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::service::metrics;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_applications))
        .routes(routes!(get_feature_usage))
        .routes(routes!(get_environment_instances))
}

/// Applications that registered or reported metrics, with their instances.
#[utoipa::path(get, path = "/api/admin/metrics/applications", tag = "Metrics", responses((status = 200, description = "`{applications, total}`")))]
async fn get_applications(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Value>> {
    Ok(Json(metrics::applications(&state).await?))
}

/// A flag's yes/no counts per environment, application and hour (last 48 hours).
#[utoipa::path(get, path = "/api/admin/client-metrics/features/{name}", tag = "Metrics", params(("name" = String, Path, description = "Flag name")), responses((status = 200, description = "`{featureName, lastHourUsage, seenApplications}`")))]
async fn get_feature_usage(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    super::features::require_visible_flag(&state, &caller, &name).await?;
    Ok(Json(metrics::feature_usage(&state, &name).await?))
}

/// The instances of an application in one environment seen in the last 24 hours.
#[utoipa::path(get, path = "/api/admin/metrics/instances/{appName}/environment/{environment}", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
    ("environment" = String, Path, description = "Environment name"),
), responses((status = 200, description = "`applicationEnvironmentInstancesSchema`: `{instances: [{instanceId, sdkVersion, clientIp, lastSeen}]}`")))]
async fn get_environment_instances(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((app_name, environment)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    Ok(Json(
        metrics::environment_instances(&state, &app_name, &environment).await?,
    ))
}
