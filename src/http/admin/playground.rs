//! The playground: `/api/admin/playground` and `/api/admin/playground/advanced`.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::playground::answer::{AdvancedPlaygroundResponse, PlaygroundResponse};
use crate::domain::playground::{parse_advanced_request, parse_request, Projects};
use crate::domain::token_scope::narrow_projects;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::service;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(playground))
        .routes(routes!(advanced_playground))
}

/// The chosen projects narrowed to those the caller sees (a project-scoped token).
fn visible(caller: &crate::auth::Principal, chosen: Projects) -> Projects {
    let Some(seen) = caller.visible_projects() else {
        return chosen;
    };
    let requested = match chosen {
        Projects::All => None,
        Projects::Only(list) => Some(list),
    };
    Projects::Only(narrow_projects(requested, Some(seen)).unwrap_or_default())
}

/// Evaluates every flag of the chosen projects in one environment for a context, and
/// explains each result per strategy, segment and constraint. Any signed-in user.
#[utoipa::path(post, path = "/api/admin/playground", tag = "Playground", responses(
    (status = 200, description = "Every flag of the projects, evaluated for the context", body = crate::http::wire::playground::PlaygroundResponse),
    (status = 400, description = "Invalid input, or an environment that does not exist"),
    (status = 401, description = "Not signed in"),
))]
async fn playground(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<PlaygroundResponse>> {
    let mut req = parse_request(&body)?;
    req.projects = visible(&caller, req.projects);
    Ok(Json(service::playground::evaluate(&state, &req).await?))
}

/// As the playground, for several environments and every combination of comma-separated
/// context values. Any signed-in user.
#[utoipa::path(post, path = "/api/admin/playground/advanced", tag = "Playground", responses(
    (status = 200, description = "Every flag of the projects, evaluated per environment and context", body = crate::http::wire::playground::AdvancedPlaygroundResponse),
    (status = 400, description = "Invalid input, too many combinations, or an unknown environment"),
    (status = 401, description = "Not signed in"),
))]
async fn advanced_playground(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<AdvancedPlaygroundResponse>> {
    let mut req = parse_advanced_request(&body)?;
    req.projects = visible(&caller, req.projects);
    Ok(Json(
        service::playground::evaluate_advanced(&state, &req).await?,
    ))
}
