//! What SDKs reported, for the Admin API.

use axum::extract::{Path, State};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::http::wire::applications::{
    EnvironmentInstance, EnvironmentInstances, FeatureUsage, MetricsApplication,
    MetricsApplicationList,
};
use crate::service::metrics;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_applications))
        .routes(routes!(get_feature_usage))
        .routes(routes!(get_environment_instances))
}

/// Applications that registered or reported metrics, with their instances.
#[utoipa::path(get, path = "/api/admin/metrics/applications", tag = "Metrics", responses((status = 200, description = "The applications, with their instances", body = MetricsApplicationList)))]
async fn get_applications(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<MetricsApplicationList>> {
    let applications: Vec<MetricsApplication> = metrics::applications(&state)
        .await?
        .into_iter()
        .map(|(a, instances)| MetricsApplication::new(a, &instances))
        .collect();
    Ok(Json(MetricsApplicationList {
        total: applications.len(),
        applications,
    }))
}

/// A flag's yes/no counts per environment, application and hour (last 48 hours).
#[utoipa::path(get, path = "/api/admin/client-metrics/features/{name}", tag = "Metrics", params(("name" = String, Path, description = "Flag name")), responses((status = 200, description = "The flag's usage in the last 48 hours", body = FeatureUsage)))]
async fn get_feature_usage(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<FeatureUsage>> {
    super::features::require_visible_flag(&state, &caller, &name).await?;
    let rows = metrics::feature_usage(&state, &name).await?;
    Ok(Json(FeatureUsage::new(&name, &rows)))
}

/// The instances of an application in one environment seen in the last 24 hours.
#[utoipa::path(get, path = "/api/admin/metrics/instances/{appName}/environment/{environment}", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
    ("environment" = String, Path, description = "Environment name"),
), responses((status = 200, description = "The instances seen in the last 24 hours, most recent first", body = EnvironmentInstances)))]
async fn get_environment_instances(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((app_name, environment)): Path<(String, String)>,
) -> AppResult<Json<EnvironmentInstances>> {
    let list = metrics::environment_instances(&state, &app_name, &environment).await?;
    Ok(Json(EnvironmentInstances {
        instances: list.into_iter().map(EnvironmentInstance::from).collect(),
    }))
}
