//! What Unleash's Terraform provider sets on projects: `PUT /api/admin/projects/{projectId}/settings`
//! and `PUT /api/admin/projects/{projectId}/access`.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{PROJECT_USER_ACCESS_WRITE, UPDATE_PROJECT};
use crate::domain::projects::ProjectSettings;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::EmptyObject;
use crate::service::projects;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(update_settings))
}

/// Sets the project's mode (`open` only), feature naming pattern (new flag names must match
/// it) and link templates.
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/settings", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), request_body = ProjectSettings, responses(
    (status = 200, description = "Stored"),
    (status = 400, description = "Unsupported mode, invalid pattern, or an example that does not match it"),
    (status = 403, description = "Needs UPDATE_PROJECT"),
    (status = 404, description = "No such project"),
))]
async fn update_settings(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<ProjectSettings>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_PROJECT], Scope::project(&project_id))?;
    projects::update_settings(&state, &auth, &project_id, &body).await
}

/// One role and who holds it, in [`AccessConfiguration`].
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    /// A project role id (Owner, Member, Reader).
    id: i64,
    #[serde(default)]
    users: Vec<i64>,
    #[serde(default)]
    groups: Vec<Value>,
}

/// The body of `PUT /api/admin/projects/{projectId}/access`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AccessConfiguration {
    roles: Vec<RoleAssignment>,
}

/// Replaces who holds which role in the project: afterwards exactly the listed users hold
/// the listed roles.
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/access", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), request_body = AccessConfiguration, responses(
    (status = 200, description = "Replaced", body = EmptyObject),
    (status = 400, description = "Not a project role, or groups given"),
    (status = 404, description = "No such project or user"),
))]
pub async fn set_access(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<AccessConfiguration>,
) -> AppResult<Json<EmptyObject>> {
    let auth = p.require(
        &[UPDATE_PROJECT, PROJECT_USER_ACCESS_WRITE],
        Scope::project(&project_id),
    )?;
    if let Some(i) = body.roles.iter().position(|r| !r.groups.is_empty()) {
        return Err(AppError::bad_field(
            &format!("/body/roles/{i}/groups"),
            "Groups are not supported; give roles to users.",
        ));
    }
    let roles: Vec<(i64, Vec<i64>)> = body.roles.into_iter().map(|r| (r.id, r.users)).collect();
    projects::replace_access(&state, &auth, &project_id, &roles).await?;
    Ok(Json(EmptyObject {}))
}
