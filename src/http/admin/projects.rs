//! Projects, the environments they use and project access: `/api/admin/projects`,
//! `/api/admin/roles`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_PROJECT, DELETE_PROJECT, PROJECT_USER_ACCESS_WRITE, UPDATE_PROJECT,
};
use crate::error::{AppError, AppResult};
use crate::http::extract::{parse_id, ApiJson, Caller};
use crate::http::wire::projects::{
    FlagCreator, ProjectAccess, ProjectAccessUser, ProjectDetail, ProjectList, ProjectSchema,
    RoleList, RoleSchema,
};
use crate::service;
use crate::service::projects::{self, CreateProject, UpdateProject};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(add_environment))
        .routes(routes!(remove_environment))
        .routes(routes!(
            get_access,
            add_access,
            super::project_settings::set_access
        ))
        .routes(routes!(set_user_roles, remove_user_roles))
        .routes(routes!(list_roles))
        .routes(routes!(flag_creators))
}

/// Every project.
#[utoipa::path(get, path = "/api/admin/projects", tag = "Projects", responses(
    (status = 200, description = "The projects the caller sees", body = ProjectList),
    (status = 401, description = "Not signed in"),
))]
async fn list_projects(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> AppResult<Response> {
    Ok(super::json_bytes(
        service::views::project_list(&state, &caller).await?,
    ))
}

/// Creates a project (CREATE_PROJECT); the creator becomes its Owner.
#[utoipa::path(post, path = "/api/admin/projects", tag = "Projects", responses(
    (status = 201, description = "The new project, with the environments it uses", body = ProjectSchema),
    (status = 400, description = "Invalid id or name"),
    (status = 403, description = "Needs CREATE_PROJECT"),
    (status = 409, description = "The id is taken"),
))]
async fn create_project(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreateProject>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_PROJECT], Scope::ROOT)?;
    let created = projects::create(&state, &auth, body).await?;
    let (project, owners, envs) = projects::get(&state, &created.id).await?;
    let mut answer = ProjectSchema::new(&project, &owners);
    answer.environments = Some(envs);
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// One project with its environments and flags.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The project", body = ProjectDetail),
    (status = 404, description = "No such project"),
))]
async fn get_project(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Response> {
    Ok(super::json_bytes(
        service::views::project(&state, &caller, &project_id).await?,
    ))
}

/// Renames a project or changes its description (UPDATE_PROJECT).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The updated project", body = ProjectSchema),
    (status = 403, description = "Needs UPDATE_PROJECT"),
    (status = 404, description = "No such project"),
))]
async fn update_project(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<UpdateProject>,
) -> AppResult<Json<ProjectSchema>> {
    let auth = p.require(&[UPDATE_PROJECT], Scope::project(&project_id))?;
    projects::update(&state, &auth, &project_id, body).await?;
    let (project, owners, _) = projects::get(&state, &project_id).await?;
    Ok(Json(ProjectSchema::new(&project, &owners)))
}

/// Deletes a project without active flags (DELETE_PROJECT); `default` stays.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs DELETE_PROJECT, or the project still holds flags, or it is `default`"),
    (status = 404, description = "No such project"),
))]
async fn delete_project(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[DELETE_PROJECT], Scope::project(&project_id))?;
    projects::delete(&state, &auth, &project_id).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ProjectEnvironmentBody {
    environment: String,
}

/// Enables an environment in a project (UPDATE_PROJECT).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/environments", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), request_body = ProjectEnvironmentBody, responses(
    (status = 200, description = "Enabled"),
    (status = 404, description = "No such project or environment"),
    (status = 409, description = "Already enabled"),
))]
async fn add_environment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<ProjectEnvironmentBody>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_PROJECT], Scope::project(&project_id))?;
    projects::add_environment(&state, &auth, &project_id, &body.environment).await
}

/// Disables an environment in a project (UPDATE_PROJECT); one must remain.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/environments/{environment}", tag = "Projects", params(
    ("projectId" = String, Path, description = "Project id"),
    ("environment" = String, Path, description = "Environment name"),
), responses(
    (status = 200, description = "Disabled"),
    (status = 400, description = "It is the project's last environment"),
    (status = 404, description = "No such project or environment"),
))]
async fn remove_environment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, environment)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_PROJECT], Scope::project(&project_id))?;
    projects::remove_environment(&state, &auth, &project_id, &environment).await
}

/// Who holds which role in a project.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/access", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The project roles and the users holding them", body = ProjectAccess),
    (status = 404, description = "No such project"),
))]
async fn get_access(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Json<ProjectAccess>> {
    let access = projects::access(&state, &project_id).await?;
    let users = access
        .members
        .iter()
        .map(|(u, roles)| {
            let role_ids: Vec<i64> = roles.iter().map(|m| m.role_id).collect();
            ProjectAccessUser::new(u, role_ids, roles.iter().map(|m| m.added_at).min())
        })
        .collect();
    Ok(Json(ProjectAccess {
        groups: Vec::new(),
        roles: access.roles.iter().map(RoleSchema::from).collect(),
        users,
    }))
}

/// A user named by id or by `{id}`, as Unleash's UI sends either.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum UserRef {
    Id(i64),
    Object { id: i64 },
}

impl UserRef {
    fn id(&self) -> i64 {
        match self {
            UserRef::Id(id) | UserRef::Object { id } => *id,
        }
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AccessBody {
    roles: Vec<i64>,
    #[serde(default)]
    users: Vec<UserRef>,
    #[serde(default)]
    groups: Vec<Value>,
}

/// Gives users project roles (UPDATE_PROJECT or PROJECT_USER_ACCESS_WRITE).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/access", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), request_body = AccessBody, responses(
    (status = 200, description = "Added"),
    (status = 400, description = "Not a project role, or groups given"),
    (status = 404, description = "No such project or user"),
))]
async fn add_access(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<AccessBody>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_PROJECT, PROJECT_USER_ACCESS_WRITE],
        Scope::project(&project_id),
    )?;
    if !body.groups.is_empty() {
        return Err(AppError::bad_field(
            "/body/groups",
            "Groups are not supported; give roles to users.",
        ));
    }
    let users: Vec<i64> = body.users.iter().map(UserRef::id).collect();
    projects::add_access(&state, &auth, &project_id, &body.roles, &users).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RolesBody {
    roles: Vec<i64>,
}

/// Replaces a user's roles in a project.
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/users/{userId}/roles", tag = "Projects", params(
    ("projectId" = String, Path, description = "Project id"),
    ("userId" = i64, Path, description = "User id"),
), request_body = RolesBody, responses(
    (status = 200, description = "Replaced"),
    (status = 404, description = "No such project or user"),
))]
async fn set_user_roles(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RolesBody>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_PROJECT, PROJECT_USER_ACCESS_WRITE],
        Scope::project(&project_id),
    )?;
    let user_id = parse_id("userId", &user_id)?;
    projects::set_user_roles(&state, &auth, &project_id, user_id, &body.roles).await
}

/// Removes a user from a project.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/users/{userId}/roles", tag = "Projects", params(
    ("projectId" = String, Path, description = "Project id"),
    ("userId" = i64, Path, description = "User id"),
), responses(
    (status = 200, description = "Removed"),
    (status = 404, description = "No such project or user"),
))]
async fn remove_user_roles(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, user_id)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_PROJECT, PROJECT_USER_ACCESS_WRITE],
        Scope::project(&project_id),
    )?;
    let user_id = parse_id("userId", &user_id)?;
    projects::remove_user(&state, &auth, &project_id, user_id).await
}

/// Every role, root and project.
#[utoipa::path(get, path = "/api/admin/roles", tag = "Projects", responses((status = 200, description = "Every role", body = RoleList)))]
async fn list_roles(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<RoleList>> {
    let roles = service::users::roles(&state).await?;
    Ok(Json(RoleList {
        roles: roles.iter().map(RoleSchema::from).collect(),
        version: 1,
    }))
}

/// The users who created flags in the project (`[{id, name}]`), for filtering its flags.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/flag-creators", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The users who created flags in the project", body = Vec<FlagCreator>),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such project"),
))]
async fn flag_creators(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Json<Vec<FlagCreator>>> {
    let list = projects::flag_creators(&state, &project_id)
        .await?
        .into_iter()
        .map(|(id, name)| FlagCreator { id, name })
        .collect();
    Ok(Json(list))
}
