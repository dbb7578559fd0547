//! Strategy definitions: `/api/admin/strategies`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{CREATE_STRATEGY, DELETE_STRATEGY, UPDATE_STRATEGY};
use crate::domain::strategies::StrategyInput;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::{StrategyDefinition, StrategyDefinitionList};
use crate::service::strategies::{self, CreateStrategy};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_strategies, create_strategy))
        .routes(routes!(get_strategy, update_strategy, delete_strategy))
        .routes(routes!(deprecate_strategy))
        .routes(routes!(reactivate_strategy))
}

/// Every strategy definition, built-in and custom (`{version: 1, strategies}`).
#[utoipa::path(get, path = "/api/admin/strategies", tag = "Strategies", responses(
    (status = 200, description = "Every strategy type", body = StrategyDefinitionList),
    (status = 401, description = "Not signed in"),
))]
async fn list_strategies(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<StrategyDefinitionList>> {
    let list = strategies::list(&state).await?;
    Ok(Json(StrategyDefinitionList {
        strategies: list.iter().map(StrategyDefinition::from).collect(),
        version: 1,
    }))
}

/// Creates a custom strategy definition (CREATE_STRATEGY).
#[utoipa::path(post, path = "/api/admin/strategies", tag = "Strategies", responses(
    (status = 201, description = "The new strategy type", body = StrategyDefinition),
    (status = 400, description = "Invalid name or parameters"),
    (status = 403, description = "Needs CREATE_STRATEGY"),
    (status = 409, description = "The name is taken"),
    (status = 415, description = "Not JSON"),
))]
async fn create_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreateStrategy>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_STRATEGY], Scope::ROOT)?;
    let def = strategies::create(&state, &auth, body).await?;
    let location = crate::http::location(&["strategies", &def.name]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(StrategyDefinition::from(&def)),
    )
        .into_response())
}

/// One strategy definition.
#[utoipa::path(get, path = "/api/admin/strategies/{name}", tag = "Strategies", params(("name" = String, Path, description = "Strategy name")), responses(
    (status = 200, description = "The strategy type", body = StrategyDefinition),
    (status = 404, description = "No such strategy"),
))]
async fn get_strategy(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<StrategyDefinition>> {
    let def = strategies::get(&state, &name).await?;
    Ok(Json(StrategyDefinition::from(&def)))
}

/// Replaces a custom strategy's description and parameters (UPDATE_STRATEGY).
#[utoipa::path(put, path = "/api/admin/strategies/{name}", tag = "Strategies", params(("name" = String, Path, description = "Strategy name")), responses(
    (status = 200, description = "Updated"),
    (status = 400, description = "Invalid parameters"),
    (status = 403, description = "Needs UPDATE_STRATEGY, or the strategy is built in"),
    (status = 404, description = "No such strategy"),
    (status = 415, description = "Not JSON"),
))]
async fn update_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<StrategyInput>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_STRATEGY], Scope::ROOT)?;
    strategies::update(&state, &auth, &name, body).await?;
    Ok(())
}

/// Deletes a custom strategy that no flag uses (DELETE_STRATEGY).
#[utoipa::path(delete, path = "/api/admin/strategies/{name}", tag = "Strategies", params(("name" = String, Path, description = "Strategy name")), responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "Flags still use it"),
    (status = 403, description = "Needs DELETE_STRATEGY, or the strategy is built in"),
    (status = 404, description = "No such strategy"),
))]
async fn delete_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[DELETE_STRATEGY], Scope::ROOT)?;
    strategies::delete(&state, &auth, &name).await
}

/// Marks a strategy deprecated (UPDATE_STRATEGY).
#[utoipa::path(post, path = "/api/admin/strategies/{strategyName}/deprecate", tag = "Strategies", params(("strategyName" = String, Path, description = "Strategy name")), responses(
    (status = 200, description = "Deprecated"),
    (status = 403, description = "Needs UPDATE_STRATEGY"),
    (status = 404, description = "No such strategy"),
))]
async fn deprecate_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(strategy_name): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_STRATEGY], Scope::ROOT)?;
    strategies::set_deprecated(&state, &auth, &strategy_name, true).await
}

/// Makes a deprecated strategy active again (UPDATE_STRATEGY).
#[utoipa::path(post, path = "/api/admin/strategies/{strategyName}/reactivate", tag = "Strategies", params(("strategyName" = String, Path, description = "Strategy name")), responses(
    (status = 200, description = "Reactivated"),
    (status = 403, description = "Needs UPDATE_STRATEGY"),
    (status = 404, description = "No such strategy"),
))]
async fn reactivate_strategy(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(strategy_name): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_STRATEGY], Scope::ROOT)?;
    strategies::set_deprecated(&state, &auth, &strategy_name, false).await
}
