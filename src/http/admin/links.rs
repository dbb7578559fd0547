//! Flag links: `/api/admin/projects/{projectId}/features/{featureName}/link`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::UPDATE_FEATURE;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::service::links::{self, LinkInput};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_link))
        .routes(routes!(update_link, delete_link))
}

/// Adds a link to a flag (UPDATE_FEATURE; at most 10 per flag).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/link", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), request_body = LinkInput, responses(
    (status = 204, description = "Added"),
    (status = 400, description = "Not a URL"),
    (status = 403, description = "Needs UPDATE_FEATURE, or the flag has 10 links"),
    (status = 404, description = "No such flag in this project"),
))]
async fn create_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, feature)): Path<(String, String)>,
    ApiJson(body): ApiJson<LinkInput>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project))?;
    links::create(&state, &auth, &project, &feature, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes a link's URL or title (UPDATE_FEATURE).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}/link/{linkId}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("linkId" = String, Path, description = "Link id"),
), request_body = LinkInput, responses(
    (status = 204, description = "Changed"),
    (status = 400, description = "Not a URL"),
    (status = 403, description = "Needs UPDATE_FEATURE"),
    (status = 404, description = "No such flag or link"),
))]
async fn update_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, feature, id)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<LinkInput>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project))?;
    links::update(&state, &auth, &project, &feature, &id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a link (UPDATE_FEATURE).
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{featureName}/link/{linkId}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("linkId" = String, Path, description = "Link id"),
), responses(
    (status = 204, description = "Removed"),
    (status = 403, description = "Needs UPDATE_FEATURE"),
    (status = 404, description = "No such flag or link"),
))]
async fn delete_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, feature, id)): Path<(String, String, String)>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project))?;
    links::delete(&state, &auth, &project, &feature, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
