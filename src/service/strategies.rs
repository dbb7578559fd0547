//! Strategy definitions: list, read, create, update, deprecate, reactivate, delete.

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::strategies::{self as rules, StrategyDefinition, StrategyInput};
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store;

fn not_found(name: &str) -> AppError {
    AppError::not_found(format!("Could not find strategy with name {name}"))
}

fn built_in(name: &str) -> AppError {
    AppError::OperationDenied(format!("Cannot edit strategy {name}: it is built in. Built-in strategies cannot be changed or deleted."))
}

pub async fn list(state: &AppState) -> AppResult<Vec<StrategyDefinition>> {
    let mut db = state.db.clone();
    Ok(store::strategies::list(&mut db).await?)
}

pub async fn get(state: &AppState, name: &str) -> AppResult<StrategyDefinition> {
    let mut db = state.db.clone();
    store::strategies::get(&mut db, name)
        .await?
        .ok_or_else(|| not_found(name))
}

/// Input of a create request, including the optional `deprecated` flag.
/// (Fields are listed rather than flattened so that type errors name the exact field.)
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStrategy {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub parameters: Option<Vec<rules::ParameterInput>>,
    pub deprecated: Option<bool>,
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    body: CreateStrategy,
) -> AppResult<StrategyDefinition> {
    let name = rules::validate_name(body.name.as_deref())?;
    let parameters = rules::validate_parameters(body.parameters)?;
    let now = state.clock.now();
    let def = StrategyDefinition {
        name: name.clone(),
        title: body.title.filter(|t| !t.is_empty()),
        display_name: None,
        description: body.description,
        parameters,
        built_in: false,
        deprecated: body.deprecated.unwrap_or(false),
        sort_order: 9999,
        created_at: now,
    };
    let exists = || AppError::NameExists(format!("Strategy with name {name} already exist!"));
    let mut tx = state.db.begin().await?;
    store::strategies::insert(&mut tx, &def)
        .await
        .on_unique_violation(exists)?;
    let ev = NewEvent::new(rules::STRATEGY_CREATED).data(def.event_data());
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(def)
}

/// Replaces description, title (when given) and parameters of a custom strategy.
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    body: StrategyInput,
) -> AppResult<StrategyDefinition> {
    let parameters = rules::validate_parameters(body.parameters)?;
    let mut tx = state.db.begin().await?;
    let before = store::strategies::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if before.built_in {
        return Err(built_in(name));
    }
    let after = StrategyDefinition {
        title: match body.title {
            Some(t) if t.is_empty() => None,
            Some(t) => Some(t),
            None => before.title.clone(),
        },
        description: body.description,
        parameters,
        ..before.clone()
    };
    store::strategies::update(&mut tx, &after).await?;
    let ev = NewEvent::new(rules::STRATEGY_UPDATED)
        .pre_data(before.event_data())
        .data(after.event_data());
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Marks a strategy deprecated (or active again); built-ins may be deprecated too, as in Unleash.
pub async fn set_deprecated(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    deprecated: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    if store::strategies::set_deprecated(&mut tx, name, deprecated).await? == 0 {
        return Err(not_found(name));
    }
    let kind = if deprecated {
        rules::STRATEGY_DEPRECATED
    } else {
        rules::STRATEGY_REACTIVATED
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(kind).data(json!({"name": name})),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a custom strategy that no flag uses.
pub async fn delete(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::strategies::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if before.built_in {
        return Err(built_in(name));
    }
    let used = store::strategies::usage_count(&mut tx, name).await?;
    if used > 0 {
        return Err(AppError::bad_data(format!(
            "Strategy {name} is used by {used} flag strateg{} and cannot be deleted. Remove it from those flags first, or deprecate it instead.",
            if used == 1 { "y" } else { "ies" }
        )));
    }
    store::strategies::delete(&mut tx, name).await?;
    let ev = NewEvent::new(rules::STRATEGY_DELETED)
        .pre_data(before.event_data())
        .data(json!({"name": name}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
