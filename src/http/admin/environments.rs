//! Environments: `/api/admin/environments`. Reading is open to every signed-in user;
//! changes need ADMIN, as in Unleash.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::{EnvironmentList, EnvironmentSchema};
use crate::service::environments::{self, EnvironmentInput};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_environments, create_environment))
        .routes(routes!(update_sort_order))
        .routes(routes!(
            get_environment,
            update_environment,
            delete_environment
        ))
        .routes(routes!(update_environment_legacy))
        .routes(routes!(toggle_environment_on))
        .routes(routes!(toggle_environment_off))
        .routes(routes!(get_project_environments))
}

/// Every environment, by sort order (`environmentsSchema`).
#[utoipa::path(get, path = "/api/admin/environments", tag = "Environments", responses(
    (status = 200, description = "Every environment, with the projects and enabled flags it counts", body = EnvironmentList),
    (status = 401, description = "Not signed in"),
))]
async fn list_environments(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<EnvironmentList>> {
    let list = environments::list(&state)
        .await?
        .iter()
        .map(|(e, c)| EnvironmentSchema {
            enabled_toggle_count: Some(c.enabled_flags),
            project_count: Some(c.projects),
            ..EnvironmentSchema::from(e)
        })
        .collect();
    Ok(Json(EnvironmentList {
        environments: list,
        version: 1,
    }))
}

/// Creates an environment, available in every project at once (ADMIN).
#[utoipa::path(post, path = "/api/admin/environments", tag = "Environments", responses(
    (status = 201, description = "The new environment", body = EnvironmentSchema),
    (status = 400, description = "Invalid name or type"),
    (status = 403, description = "Needs ADMIN"),
    (status = 409, description = "The name is taken"),
))]
async fn create_environment(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<EnvironmentInput>,
) -> AppResult<Response> {
    let auth = p.require_admin()?;
    let env = environments::create(&state, &auth, body).await?;
    let location = crate::http::location(&["environments", &env.name]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(EnvironmentSchema::from(&env)),
    )
        .into_response())
}

/// Sets the sort order of environments: `{"<name>": <order>, ...}` (ADMIN).
#[utoipa::path(put, path = "/api/admin/environments/sort-order", tag = "Environments", responses(
    (status = 200, description = "Saved"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "An environment does not exist"),
))]
async fn update_sort_order(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<BTreeMap<String, i64>>,
) -> AppResult<()> {
    let auth = p.require_admin()?;
    environments::set_sort_order(&state, &auth, body).await
}

/// One environment.
#[utoipa::path(get, path = "/api/admin/environments/{name}", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 200, description = "The environment", body = EnvironmentSchema),
    (status = 404, description = "No such environment"),
))]
async fn get_environment(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<EnvironmentSchema>> {
    let env = environments::get(&state, &name).await?;
    Ok(Json(EnvironmentSchema::from(&env)))
}

/// Changes an environment's type or sort order (ADMIN).
#[utoipa::path(put, path = "/api/admin/environments/{name}", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 200, description = "The updated environment", body = EnvironmentSchema),
    (status = 403, description = "Needs ADMIN, or the environment is protected"),
    (status = 404, description = "No such environment"),
))]
async fn update_environment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<EnvironmentInput>,
) -> AppResult<Json<EnvironmentSchema>> {
    let auth = p.require_admin()?;
    let env = environments::update(&state, &auth, &name, body).await?;
    Ok(Json(EnvironmentSchema::from(&env)))
}

/// The same as `PUT /api/admin/environments/{name}`, at the path Unleash Enterprise uses.
#[utoipa::path(put, path = "/api/admin/environments/update/{name}", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 200, description = "The updated environment", body = EnvironmentSchema),
    (status = 403, description = "Needs ADMIN, or the environment is protected"),
    (status = 404, description = "No such environment"),
))]
async fn update_environment_legacy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<EnvironmentInput>,
) -> AppResult<Json<EnvironmentSchema>> {
    let auth = p.require_admin()?;
    let env = environments::update(&state, &auth, &name, body).await?;
    Ok(Json(EnvironmentSchema::from(&env)))
}

/// Deletes an environment with every flag setting in it (ADMIN).
#[utoipa::path(delete, path = "/api/admin/environments/{name}", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs ADMIN, or the environment is protected"),
    (status = 404, description = "No such environment"),
))]
async fn delete_environment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<()> {
    let auth = p.require_admin()?;
    environments::delete(&state, &auth, &name).await
}

/// Switches an environment on (ADMIN).
#[utoipa::path(post, path = "/api/admin/environments/{name}/on", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 204, description = "On"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such environment"),
))]
async fn toggle_environment_on(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<StatusCode> {
    let auth = p.require_admin()?;
    environments::set_enabled(&state, &auth, &name, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches an environment off: SDKs no longer receive it (ADMIN).
#[utoipa::path(post, path = "/api/admin/environments/{name}/off", tag = "Environments", params(("name" = String, Path, description = "Environment name")), responses(
    (status = 204, description = "Off"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such environment"),
))]
async fn toggle_environment_off(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<StatusCode> {
    let auth = p.require_admin()?;
    environments::set_enabled(&state, &auth, &name, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every environment as seen from a project (`environmentsProjectSchema`).
#[utoipa::path(get, path = "/api/admin/environments/project/{projectId}", tag = "Environments", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "Every environment, with whether the project uses it and the project's flags enabled in it", body = EnvironmentList),
    (status = 404, description = "No such project"),
))]
async fn get_project_environments(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Json<EnvironmentList>> {
    let list = environments::of_project(&state, &project_id)
        .await?
        .into_iter()
        .map(|pe| EnvironmentSchema {
            project_enabled_toggle_count: Some(pe.enabled_flags),
            visible: Some(pe.visible),
            ..EnvironmentSchema::from(&pe.environment)
        })
        .collect();
    Ok(Json(EnvironmentList {
        environments: list,
        version: 1,
    }))
}
