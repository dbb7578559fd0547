//! Segments: `/api/admin/segments`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::context::NameBody;
use crate::auth::permission::{Authorized, Scope};
use crate::auth::Principal;
use crate::domain::permissions::{
    CREATE_SEGMENT, DELETE_SEGMENT, UPDATE_FEATURE_STRATEGY, UPDATE_PROJECT_SEGMENT, UPDATE_SEGMENT,
};
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiJson, Caller};
use crate::http::wire::flags::{SegmentList, SegmentSchema, SegmentStrategies, SegmentStrategy};
use crate::service::segments::{self, Deleted, SegmentInput};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_segments, create_segment))
        .routes(routes!(validate_segment))
        .routes(routes!(get_segment, update_segment, delete_segment))
        .routes(routes!(get_strategies_by_segment))
        .routes(routes!(set_strategy_segments))
        .routes(routes!(get_strategy_segments))
}

/// Unleash's `updateFeatureStrategySegmentsSchema`.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategySegmentsBody {
    /// The project of the strategy's flag.
    project_id: String,
    /// The strategy's id.
    strategy_id: String,
    /// The strategy's environment.
    environment_id: String,
    /// Exactly the segments the strategy should use.
    segment_ids: Vec<i64>,
}

/// Sets a strategy's segments to exactly the ones given (UPDATE_FEATURE_STRATEGY in that
/// environment). Each segment must exist.
#[utoipa::path(post, path = "/api/admin/segments/strategies", tag = "Segments", request_body = StrategySegmentsBody, responses(
    (status = 201, description = "The request, as applied", body = StrategySegmentsBody),
    (status = 400, description = "Invalid body or an unknown segment"),
    (status = 403, description = "Needs UPDATE_FEATURE_STRATEGY"),
    (status = 404, description = "No such strategy in that project and environment"),
    (status = 415, description = "Not JSON"),
))]
async fn set_strategy_segments(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<StrategySegmentsBody>,
) -> AppResult<Response> {
    let auth = p.require(
        &[UPDATE_FEATURE_STRATEGY],
        Scope::environment(&body.project_id, &body.environment_id),
    )?;
    crate::service::features::set_strategy_segments(
        &state,
        &auth,
        &body.project_id,
        &body.environment_id,
        &body.strategy_id,
        &body.segment_ids,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The segments a strategy uses (`segmentsSchema`); an empty list for an unknown strategy,
/// as Unleash answers.
#[utoipa::path(get, path = "/api/admin/segments/strategies/{strategyId}", tag = "Segments", params(("strategyId" = String, Path, description = "Strategy id")), responses(
    (status = 200, description = "The segments the strategy uses", body = SegmentList),
    (status = 401, description = "Not signed in"),
))]
async fn get_strategy_segments(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(strategy_id): Path<String>,
) -> AppResult<Json<SegmentList>> {
    let list = segments::of_strategy(&state, &strategy_id).await?;
    Ok(Json(SegmentList {
        segments: list.iter().map(SegmentSchema::from).collect(),
    }))
}

/// A global segment needs the root permission; a project segment may also be managed with
/// the project's UPDATE_PROJECT_SEGMENT.
fn require_for(
    p: &Principal,
    root_permission: &str,
    project: Option<&str>,
) -> AppResult<Authorized> {
    match project {
        Some(project) => p.require(
            &[root_permission, UPDATE_PROJECT_SEGMENT],
            Scope::project(project),
        ),
        None => p.require(&[root_permission], Scope::ROOT),
    }
}

/// Every segment, with how many flags and projects use it (`segmentsSchema`).
#[utoipa::path(get, path = "/api/admin/segments", tag = "Segments", responses(
    (status = 200, description = "Every segment, with how many flags and projects use it", body = SegmentList),
    (status = 401, description = "Not signed in"),
))]
async fn list_segments(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<SegmentList>> {
    let list = segments::list(&state)
        .await?
        .iter()
        .map(|(s, (features, projects))| SegmentSchema {
            used_in_features: Some(*features),
            used_in_projects: Some(*projects),
            ..SegmentSchema::from(s)
        })
        .collect();
    Ok(Json(SegmentList { segments: list }))
}

/// Creates a segment (CREATE_SEGMENT, or UPDATE_PROJECT_SEGMENT for a project segment).
#[utoipa::path(post, path = "/api/admin/segments", tag = "Segments", responses(
    (status = 201, description = "The new segment", body = SegmentSchema),
    (status = 400, description = "Invalid name, constraints or project"),
    (status = 403, description = "Needs CREATE_SEGMENT"),
    (status = 409, description = "The name is taken"),
    (status = 415, description = "Not JSON"),
))]
async fn create_segment(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<SegmentInput>,
) -> AppResult<Response> {
    let auth = require_for(
        &p,
        CREATE_SEGMENT,
        body.project.as_deref().filter(|s| !s.is_empty()),
    )?;
    let segment = segments::create(&state, &auth, body).await?;
    let location = crate::http::location(&["segments", &segment.id.to_string()]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(SegmentSchema::from(&segment)),
    )
        .into_response())
}

/// Checks that a segment name is free: 204, or 400/409.
#[utoipa::path(post, path = "/api/admin/segments/validate", tag = "Segments", responses(
    (status = 204, description = "The name is valid and free"),
    (status = 400, description = "Empty name"),
    (status = 409, description = "The name is taken"),
))]
async fn validate_segment(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiJson(body): ApiJson<NameBody>,
) -> AppResult<StatusCode> {
    segments::validate_name(&state, body.name.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One segment.
#[utoipa::path(get, path = "/api/admin/segments/{id}", tag = "Segments", params(("id" = i64, Path, description = "Segment id")), responses(
    (status = 200, description = "The segment, with how many flags and projects use it", body = SegmentSchema),
    (status = 404, description = "No such segment"),
))]
async fn get_segment(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<SegmentSchema>> {
    let id = parse_id("id", &id)?;
    let (segment, (features, projects)) = segments::get(&state, id).await?;
    Ok(Json(SegmentSchema {
        used_in_features: Some(features),
        used_in_projects: Some(projects),
        ..SegmentSchema::from(&segment)
    }))
}

/// Replaces a segment's name, description, project and constraints (UPDATE_SEGMENT).
#[utoipa::path(put, path = "/api/admin/segments/{id}", tag = "Segments", params(("id" = i64, Path, description = "Segment id")), responses(
    (status = 204, description = "Updated"),
    (status = 400, description = "Invalid name, constraints or project"),
    (status = 403, description = "Needs UPDATE_SEGMENT"),
    (status = 404, description = "No such segment"),
    (status = 409, description = "The name is taken"),
))]
async fn update_segment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SegmentInput>,
) -> AppResult<StatusCode> {
    let id = parse_id("id", &id)?;
    let (current, _) = segments::get(&state, id).await?;
    let auth = require_for(&p, UPDATE_SEGMENT, current.project.as_deref())?;
    let target = body.project.as_deref().filter(|s| !s.is_empty());
    if target != current.project.as_deref() {
        require_for(&p, UPDATE_SEGMENT, target)?;
    }
    segments::update(&state, &auth, id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a segment no flag uses (DELETE_SEGMENT); 409 while flags use it.
#[utoipa::path(delete, path = "/api/admin/segments/{id}", tag = "Segments", params(("id" = i64, Path, description = "Segment id")), responses(
    (status = 204, description = "Deleted"),
    (status = 403, description = "Needs DELETE_SEGMENT"),
    (status = 404, description = "No such segment"),
    (status = 409, description = "Flags still use it"),
))]
async fn delete_segment(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id("id", &id)?;
    let (current, _) = segments::get(&state, id).await?;
    let auth = require_for(&p, DELETE_SEGMENT, current.project.as_deref())?;
    match segments::delete(&state, &auth, id).await? {
        Deleted::Yes => Ok(StatusCode::NO_CONTENT.into_response()),
        Deleted::InUse(n) => {
            let message = format!(
                "Segment {id} ({}) is used by {n} flag strateg{} and cannot be deleted. Remove it from those strategies first (see GET /api/admin/segments/{id}/strategies).",
                current.name,
                if n == 1 { "y" } else { "ies" }
            );
            let body = json!({"id": uuid::Uuid::new_v4(), "name": "ConflictError", "message": message, "details": [{"message": message}]});
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}

/// The flag strategies that use a segment (`segmentStrategiesSchema`).
#[utoipa::path(get, path = "/api/admin/segments/{id}/strategies", tag = "Segments", params(("id" = i64, Path, description = "Segment id")), responses(
    (status = 200, description = "The strategies that use the segment", body = SegmentStrategies),
))]
async fn get_strategies_by_segment(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<SegmentStrategies>> {
    let id = parse_id("id", &id)?;
    let list = segments::strategies_using(&state, id).await?;
    Ok(Json(SegmentStrategies {
        change_request_strategies: Vec::new(),
        strategies: list.into_iter().map(SegmentStrategy::from).collect(),
    }))
}
