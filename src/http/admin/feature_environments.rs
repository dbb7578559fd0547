//! A flag in one environment: enable and disable (one flag or several), and its activation
//! strategies.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_FEATURE_STRATEGY, DELETE_FEATURE_STRATEGY, UPDATE_FEATURE_ENVIRONMENT,
    UPDATE_FEATURE_STRATEGY,
};
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::{FlagEnvironmentDetail, FlagStrategy};
use crate::service::features::{self, SortOrderEntry, StrategyChange};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_feature_environment))
        .routes(routes!(environment_on))
        .routes(routes!(environment_off))
        .routes(routes!(bulk_on))
        .routes(routes!(bulk_off))
        .routes(routes!(list_strategies, add_strategy))
        .routes(routes!(
            get_strategy,
            update_strategy,
            patch_strategy,
            delete_strategy
        ))
        .routes(routes!(set_sort_order))
}

type FlagEnvPath = Path<(String, String, String)>;
type StrategyPath = Path<(String, String, String, String)>;

/// A flag's state in one environment.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "The flag in that environment", body = FlagEnvironmentDetail), (status = 404, description = "No such project, flag or environment")))]
async fn get_feature_environment(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, name, env)): FlagEnvPath,
) -> AppResult<Json<FlagEnvironmentDetail>> {
    match features::environment(&state, &project_id, &name, &env).await? {
        Some(e) => Ok(Json(FlagEnvironmentDetail {
            enabled: e.enabled,
            environment: env,
            feature_name: name,
            last_seen_at: e.last_seen_at.map(crate::domain::users::iso),
            name: e.name,
            no: 0,
            sort_order: e.sort_order,
            strategies: e.strategies.iter().map(FlagStrategy::from).collect(),
            env_type: e.env_type,
            variants: e.variants,
            yes: 0,
        })),
        None => {
            features::require_environment(&state, &env).await?;
            Err(crate::error::AppError::not_found(format!(
                "The environment \"{env}\" is not enabled in the project \"{project_id}\"."
            )))
        }
    }
}

/// Enables a flag in an environment (UPDATE_FEATURE_ENVIRONMENT there). Without strategies it
/// gets one that lets everyone in.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/on", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "Enabled"), (status = 403, description = "Needs UPDATE_FEATURE_ENVIRONMENT"), (status = 404, description = "No such project, flag or environment")))]
async fn environment_on(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): FlagEnvPath,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_FEATURE_ENVIRONMENT],
        Scope::environment(&project_id, &env),
    )?;
    features::set_enabled(&state, &auth, &project_id, &name, &env, true).await
}

/// Disables a flag in an environment (UPDATE_FEATURE_ENVIRONMENT there).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/off", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "Disabled"), (status = 403, description = "Needs UPDATE_FEATURE_ENVIRONMENT"), (status = 404, description = "No such project, flag or environment")))]
async fn environment_off(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): FlagEnvPath,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_FEATURE_ENVIRONMENT],
        Scope::environment(&project_id, &env),
    )?;
    features::set_enabled(&state, &auth, &project_id, &name, &env, false).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct BulkBody {
    features: Vec<String>,
}

/// Enables several flags of a project in an environment.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/bulk_features/environments/{environment}/on", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("environment" = String, Path, description = "Environment"),
), request_body = BulkBody, responses((status = 200, description = "Enabled"), (status = 404, description = "No such project, flag or environment")))]
async fn bulk_on(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, env)): Path<(String, String)>,
    ApiJson(body): ApiJson<BulkBody>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_FEATURE_ENVIRONMENT],
        Scope::environment(&project_id, &env),
    )?;
    features::bulk_set_enabled(&state, &auth, &project_id, &body.features, &env, true).await
}

/// Disables several flags of a project in an environment.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/bulk_features/environments/{environment}/off", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("environment" = String, Path, description = "Environment"),
), request_body = BulkBody, responses((status = 200, description = "Disabled"), (status = 404, description = "No such project, flag or environment")))]
async fn bulk_off(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, env)): Path<(String, String)>,
    ApiJson(body): ApiJson<BulkBody>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_FEATURE_ENVIRONMENT],
        Scope::environment(&project_id, &env),
    )?;
    features::bulk_set_enabled(&state, &auth, &project_id, &body.features, &env, false).await
}

/// A flag's strategies in an environment, in evaluation order.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "The strategies, in evaluation order", body = Vec<FlagStrategy>)))]
async fn list_strategies(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, name, env)): FlagEnvPath,
) -> AppResult<Json<Vec<FlagStrategy>>> {
    let list = features::strategies(&state, &project_id, &name, &env).await?;
    Ok(Json(list.iter().map(FlagStrategy::from).collect()))
}

/// Adds a strategy (CREATE_FEATURE_STRATEGY in that environment).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses(
    (status = 200, description = "The new strategy", body = FlagStrategy),
    (status = 400, description = "Unknown strategy or segment, or invalid constraints or variants"),
    (status = 403, description = "Needs CREATE_FEATURE_STRATEGY"),
))]
async fn add_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): FlagEnvPath,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<FlagStrategy>> {
    let auth = p.require(
        &[CREATE_FEATURE_STRATEGY],
        Scope::environment(&project_id, &env),
    )?;
    let s = features::add_strategy(&state, &auth, &project_id, &name, &env, &body).await?;
    Ok(Json(FlagStrategy::from(&s)))
}

/// One strategy.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
    ("strategyId" = String, Path, description = "Strategy id"),
), responses((status = 200, description = "The strategy", body = FlagStrategy), (status = 404, description = "No such strategy")))]
async fn get_strategy(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, name, env, id)): StrategyPath,
) -> AppResult<Json<FlagStrategy>> {
    let s = features::strategy(&state, &project_id, &name, &env, &id).await?;
    Ok(Json(FlagStrategy::from(&s)))
}

/// Changes a strategy (UPDATE_FEATURE_STRATEGY in that environment); absent fields stay.
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
    ("strategyId" = String, Path, description = "Strategy id"),
), responses((status = 200, description = "The updated strategy", body = FlagStrategy), (status = 400, description = "Invalid strategy"), (status = 404, description = "No such strategy")))]
async fn update_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env, id)): StrategyPath,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<FlagStrategy>> {
    change_strategy(
        &state,
        &p,
        (project_id, name, env, id),
        StrategyChange::Update(body),
    )
    .await
}

/// Changes a strategy with a JSON Patch (UPDATE_FEATURE_STRATEGY in that environment).
#[utoipa::path(patch, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
    ("strategyId" = String, Path, description = "Strategy id"),
), responses((status = 200, description = "The updated strategy", body = FlagStrategy), (status = 400, description = "Invalid patch or strategy"), (status = 404, description = "No such strategy")))]
async fn patch_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env, id)): StrategyPath,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<FlagStrategy>> {
    change_strategy(
        &state,
        &p,
        (project_id, name, env, id),
        StrategyChange::Patch(body),
    )
    .await
}

/// Removes a strategy (DELETE_FEATURE_STRATEGY in that environment).
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
    ("strategyId" = String, Path, description = "Strategy id"),
), responses((status = 200, description = "Removed"), (status = 404, description = "No such strategy")))]
async fn delete_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env, id)): StrategyPath,
) -> AppResult<()> {
    let auth = p.require(
        &[DELETE_FEATURE_STRATEGY],
        Scope::environment(&project_id, &env),
    )?;
    features::delete_strategy(&state, &auth, &project_id, &name, &env, &id).await
}

/// Reorders strategies (UPDATE_FEATURE_STRATEGY in that environment).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/set-sort-order", tag = "Strategies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "Reordered"), (status = 404, description = "No such strategy")))]
async fn set_sort_order(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): FlagEnvPath,
    ApiJson(body): ApiJson<Vec<SortOrderEntry>>,
) -> AppResult<()> {
    let auth = p.require(
        &[UPDATE_FEATURE_STRATEGY],
        Scope::environment(&project_id, &env),
    )?;
    features::set_sort_order(&state, &auth, &project_id, &name, &env, &body).await
}

/// PUT and PATCH of a strategy: the same check, then the service applies the change.
async fn change_strategy(
    state: &AppState,
    p: &crate::auth::Principal,
    (project_id, name, env, id): (String, String, String, String),
    change: StrategyChange,
) -> AppResult<Json<FlagStrategy>> {
    let auth = p.require(
        &[UPDATE_FEATURE_STRATEGY],
        Scope::environment(&project_id, &env),
    )?;
    let strategy =
        features::update_strategy(state, &auth, &project_id, &name, &env, &id, change).await?;
    Ok(Json(FlagStrategy::from(&strategy)))
}
