//! Favourite flags and projects of the signed-in user.

use axum::extract::{Path, State};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::service::favorites;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(favorite_feature, unfavorite_feature))
        .routes(routes!(favorite_project, unfavorite_project))
}

/// Marks a flag as one of your favourites.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/favorites", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 200, description = "Marked"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such flag in this project"),
))]
async fn favorite_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, feature)): Path<(String, String)>,
) -> AppResult<()> {
    favorites::set_feature(&state, &p.authenticated(), &project, &feature, true).await
}

/// Removes a flag from your favourites.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{featureName}/favorites", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 200, description = "Unmarked"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such flag in this project"),
))]
async fn unfavorite_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, feature)): Path<(String, String)>,
) -> AppResult<()> {
    favorites::set_feature(&state, &p.authenticated(), &project, &feature, false).await
}

/// Marks a project as one of your favourites.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/favorites", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "Marked"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such project"),
))]
async fn favorite_project(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
) -> AppResult<()> {
    favorites::set_project(&state, &p.authenticated(), &project, true).await
}

/// Removes a project from your favourites.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/favorites", tag = "Projects", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "Unmarked"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such project"),
))]
async fn unfavorite_project(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
) -> AppResult<()> {
    favorites::set_project(&state, &p.authenticated(), &project, false).await
}
