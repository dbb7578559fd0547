//! Unleash's `validate` helpers that check input without changing anything: a constraint,
//! a password, which flags an archive would orphan, a project's new context field name.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::context::NameBody;
use crate::auth::permission::Scope;
use crate::domain::permissions::{CREATE_CONTEXT_FIELD, DELETE_FEATURE, UPDATE_CONTEXT_FIELD};
use crate::domain::users::validate_password;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::ArchiveValidation;
use crate::service::{context, features};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(validate_constraint))
        .routes(routes!(validate_user_password))
        .routes(routes!(validate_reset_password))
        .routes(routes!(validate_archive_features))
        .routes(routes!(validate_project_context_name))
}

/// Checks one constraint (`constraintSchema`): the operator, its value(s), and the context
/// field's legal values when it has some. Any signed-in caller.
#[utoipa::path(post, path = "/api/admin/constraints/validate", tag = "Features", responses(
    (status = 204, description = "The constraint is valid"),
    (status = 400, description = "What is wrong with it"),
    (status = 401, description = "Not signed in"),
))]
async fn validate_constraint(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    context::validate_constraint(&state, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordOnly {
    pub password: Option<String>,
}

fn check_password(body: PasswordOnly) -> AppResult<()> {
    let password = body.password.ok_or_else(|| {
        AppError::bad_field(
            "/body/password",
            "The `/body/password` property is required. It was not present on the data you sent.",
        )
    })?;
    validate_password(&password)
}

/// Checks a would-be password against the password rule (any signed-in caller).
#[utoipa::path(post, path = "/api/admin/user-admin/validate-password", tag = "Users", request_body = PasswordOnly, responses(
    (status = 200, description = "Strong enough"),
    (status = 400, description = "What the password lacks"),
    (status = 401, description = "Not signed in"),
))]
async fn validate_user_password(
    Caller(_caller): Caller,
    ApiJson(body): ApiJson<PasswordOnly>,
) -> AppResult<()> {
    check_password(body)
}

/// Checks a would-be password against the password rule, before signing in (the page that
/// sets a new password).
#[utoipa::path(post, path = "/auth/reset/validate-password", tag = "Auth", request_body = PasswordOnly, responses(
    (status = 200, description = "Strong enough"),
    (status = 400, description = "What the password lacks"),
))]
async fn validate_reset_password(ApiJson(body): ApiJson<PasswordOnly>) -> AppResult<()> {
    check_password(body)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct FeatureNames {
    pub features: Option<Vec<String>>,
}

/// What archiving these flags would do to dependencies (DELETE_FEATURE in the project):
/// `{hasDeletedDependencies, parentsWithChildFeatures}`.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/archive/validate", tag = "Features", params(("projectId" = String, Path, description = "Project id")), request_body = FeatureNames, responses(
    (status = 200, description = "What archiving them would do to dependencies", body = ArchiveValidation),
    (status = 400, description = "No `features` list"),
    (status = 403, description = "Needs DELETE_FEATURE"),
))]
async fn validate_archive_features(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<FeatureNames>,
) -> AppResult<Json<ArchiveValidation>> {
    p.require(&[DELETE_FEATURE], Scope::project(&project))?;
    let names = body.features.ok_or_else(|| {
        AppError::bad_field(
            "/body/features",
            "The `/body/features` property is required: a list of flag names.",
        )
    })?;
    let (has_dependencies, orphaned_parents) =
        features::archive_dependency_impact(&state, &names).await?;
    Ok(Json(ArchiveValidation {
        has_deleted_dependencies: has_dependencies,
        parents_with_child_features: orphaned_parents,
    }))
}

/// Checks that a name is valid and free for a new context field in a project: 200, or
/// 400/409.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/context/validate", tag = "Context", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The name is valid and free"),
    (status = 400, description = "Invalid name"),
    (status = 403, description = "Needs CREATE_CONTEXT_FIELD or UPDATE_CONTEXT_FIELD"),
    (status = 409, description = "The name is taken"),
))]
async fn validate_project_context_name(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<NameBody>,
) -> AppResult<()> {
    p.require(
        &[CREATE_CONTEXT_FIELD, UPDATE_CONTEXT_FIELD],
        Scope::project(&project),
    )?;
    context::validate_name(&state, body.name.as_deref()).await
}
