//! One application (`/api/admin/metrics/applications/{appName}`), its overview, where a
//! project's flags are used, raw flag usage, outdated SDKs and unknown flags.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::UPDATE_APPLICATION;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::applications::{
    ApplicationOverviewSchema, ApplicationSchema, OutdatedSdk, OutdatedSdks,
    ProjectApplicationSchema, ProjectApplications, RawFeatureUsage, RawUsageSchema,
    UnknownFlagSchema, UnknownFlags,
};
use crate::service::applications;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            get_application,
            save_application,
            delete_application
        ))
        .routes(routes!(get_overview))
        .routes(routes!(project_applications))
        .routes(routes!(raw_feature_usage))
        .routes(routes!(outdated_sdks))
        .routes(routes!(project_outdated_sdks))
        .routes(routes!(unknown_flags))
}

/// An application: details, registered strategies, instances and the flags it reported.
#[utoipa::path(get, path = "/api/admin/metrics/applications/{appName}", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
), responses(
    (status = 200, description = "The application", body = ApplicationSchema),
    (status = 404, description = "No such application"),
))]
async fn get_application(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(app_name): Path<String>,
) -> AppResult<Json<ApplicationSchema>> {
    let detail = applications::get(&state, &app_name).await?;
    Ok(Json(ApplicationSchema::from(detail)))
}

/// Creates an application or changes its description, url, colour or icon (UPDATE_APPLICATION).
#[utoipa::path(post, path = "/api/admin/metrics/applications/{appName}", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
), request_body(content = Object, description = "`createApplicationSchema`: `{description?, url?, color?, icon?, strategies?}`"), responses(
    (status = 202, description = "Saved"),
    (status = 400, description = "A field of the wrong type"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs UPDATE_APPLICATION"),
))]
async fn save_application(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(app_name): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[UPDATE_APPLICATION], Scope::ROOT)?;
    applications::save(&state, &auth, &app_name, &body).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Deletes an application and its instances (UPDATE_APPLICATION); 200 also when it did not exist.
#[utoipa::path(delete, path = "/api/admin/metrics/applications/{appName}", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
), responses(
    (status = 200, description = "Deleted"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs UPDATE_APPLICATION"),
))]
async fn delete_application(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(app_name): Path<String>,
) -> AppResult<StatusCode> {
    p.require(&[UPDATE_APPLICATION], Scope::ROOT)?;
    applications::delete(&state, &app_name).await?;
    Ok(StatusCode::OK)
}

/// Where an application is used: projects, flag count, environments with instances and SDKs,
/// and what may be wrong.
#[utoipa::path(get, path = "/api/admin/metrics/applications/{appName}/overview", tag = "Metrics", params(
    ("appName" = String, Path, description = "Application name"),
), responses(
    (status = 200, description = "Where the application runs and what may be wrong", body = ApplicationOverviewSchema),
    (status = 404, description = "No such application"),
))]
async fn get_overview(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(app_name): Path<String>,
) -> AppResult<Json<ApplicationOverviewSchema>> {
    let overview = applications::overview(&state, &app_name).await?;
    Ok(Json(ApplicationOverviewSchema::from(overview)))
}

/// Applications that reported usage of the project's flags (paged).
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/applications", tag = "Projects", params(
    ("projectId" = String, Path, description = "Project id"),
    ("query" = Option<String>, Query, description = "Part of an application, environment, instance or SDK name"),
    ("offset" = Option<i64>, Query, description = "Applications to skip (0 to 1000000, default 0)"),
    ("limit" = Option<i64>, Query, description = "Applications to return (1 to 100, default 50)"),
    ("sortBy" = Option<String>, Query, description = "Sorted by application name"),
    ("sortOrder" = Option<String>, Query, description = "`desc`, otherwise ascending"),
), responses(
    (status = 200, description = "One page of the applications", body = ProjectApplications),
    (status = 400, description = "A query parameter out of range"),
    (status = 401, description = "Not signed in"),
))]
async fn project_applications(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Json<ProjectApplications>> {
    let (total, page) = applications::project_applications(&state, &project, &params).await?;
    Ok(Json(ProjectApplications {
        applications: page
            .into_iter()
            .map(ProjectApplicationSchema::from)
            .collect(),
        total,
    }))
}

/// A flag's usage per application, environment and hour.
#[utoipa::path(get, path = "/api/admin/client-metrics/features/{name}/raw", tag = "Metrics", params(
    ("name" = String, Path, description = "Flag name"),
    ("hoursBack" = Option<i64>, Query, description = "Hours of usage to return (1 to 48, default 24)"),
), responses(
    (status = 200, description = "The flag's hourly counts", body = RawFeatureUsage),
    (status = 400, description = "`hoursBack` out of range"),
    (status = 401, description = "Not signed in"),
))]
async fn raw_feature_usage(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Json<RawFeatureUsage>> {
    super::features::require_visible_flag(&state, &caller, &name).await?;
    let hours_back = applications::bounded(&params, "hoursBack", 1, 48, 24)?;
    let data = applications::raw_usage(&state, &name, hours_back).await?;
    Ok(Json(RawFeatureUsage {
        data: data.into_iter().map(RawUsageSchema::from).collect(),
        maturity: "stable".to_string(),
        version: 1,
    }))
}

/// SDK versions older than the supported minimum, with the applications using them.
#[utoipa::path(get, path = "/api/admin/metrics/sdks/outdated", tag = "Metrics", responses(
    (status = 200, description = "The outdated SDK versions", body = OutdatedSdks),
    (status = 401, description = "Not signed in"),
))]
async fn outdated_sdks(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<OutdatedSdks>> {
    Ok(Json(outdated(
        applications::outdated_sdks(&state, None).await?,
    )))
}

/// Outdated SDK versions among applications that reported usage of the project's flags.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/sdks/outdated", tag = "Projects", params(
    ("projectId" = String, Path, description = "Project id"),
), responses(
    (status = 200, description = "The outdated SDK versions", body = OutdatedSdks),
    (status = 401, description = "Not signed in"),
))]
async fn project_outdated_sdks(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project): Path<String>,
) -> AppResult<Json<OutdatedSdks>> {
    Ok(Json(outdated(
        applications::outdated_sdks(&state, Some(&project)).await?,
    )))
}

/// Flags that SDKs reported usage for in the last 24 hours but that do not exist.
#[utoipa::path(get, path = "/api/admin/metrics/unknown-flags", tag = "Metrics", responses(
    (status = 200, description = "The unknown flags", body = UnknownFlags),
    (status = 401, description = "Not signed in"),
))]
async fn unknown_flags(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<UnknownFlags>> {
    let list = applications::unknown_flags(&state).await?;
    Ok(Json(UnknownFlags {
        unknown_flags: list.into_iter().map(UnknownFlagSchema::from).collect(),
    }))
}

/// The outdated SDK versions with the applications running each.
fn outdated(list: Vec<(String, Vec<String>)>) -> OutdatedSdks {
    OutdatedSdks {
        sdks: list
            .into_iter()
            .map(|(sdk_version, applications)| OutdatedSdk {
                applications,
                sdk_version,
            })
            .collect(),
    }
}
