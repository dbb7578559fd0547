//! Environments: list, read, create, update, delete, order, switch on and off.
//!
//! An environment's existence and enabled state decide what SDKs receive, so every change
//! bumps the state revision in the same transaction.

use std::collections::BTreeMap;

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::environments::{self as rules, Environment, EnvironmentCounts};
use crate::domain::events::NewEvent;
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::{self, environments::counts_for, Tx};

fn not_found(name: &str) -> AppError {
    AppError::not_found(format!("Could not find environment with name: {name}"))
}

fn protected(name: &str, action: &str) -> AppError {
    AppError::OperationDenied(format!(
        "Environment {name} is protected and cannot be {action}."
    ))
}

pub async fn list(state: &AppState) -> AppResult<Vec<(Environment, EnvironmentCounts)>> {
    let mut db = state.db.clone();
    let envs = store::environments::list(&mut db).await?;
    let projects = store::environments::project_counts(&mut db).await?;
    let flags = store::environments::enabled_flag_counts(&mut db, None).await?;
    Ok(envs
        .into_iter()
        .map(|e| {
            let c = counts_for(&e.name, &projects, &flags);
            (e, c)
        })
        .collect())
}

pub async fn get(state: &AppState, name: &str) -> AppResult<Environment> {
    let mut db = state.db.clone();
    store::environments::get(&mut db, name)
        .await?
        .ok_or_else(|| not_found(name))
}

/// One environment as seen from a project.
#[derive(Debug, Clone)]
pub struct ProjectEnvironment {
    pub environment: Environment,
    /// Enabled for this project.
    pub visible: bool,
    pub enabled_flags: i64,
}

/// Every environment, marked with whether `project` uses it; 404 for an unknown project.
pub async fn of_project(state: &AppState, project: &str) -> AppResult<Vec<ProjectEnvironment>> {
    let mut db = state.db.clone();
    if !store::environments::project_exists(&mut db, project).await? {
        return Err(AppError::not_found(format!(
            "Could not find project with id {project}"
        )));
    }
    let used = store::environments::of_project(&mut db, project).await?;
    let flags = store::environments::enabled_flag_counts(&mut db, Some(project)).await?;
    Ok(store::environments::list(&mut db)
        .await?
        .into_iter()
        .map(|e| ProjectEnvironment {
            visible: used.contains(&e.name),
            enabled_flags: flags.get(&e.name).copied().unwrap_or(0),
            environment: e,
        })
        .collect())
}

/// A create or update request.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub env_type: Option<String>,
    pub enabled: Option<bool>,
    pub sort_order: Option<i64>,
}

async fn finish(state: &AppState, auth: &Authorized, mut tx: Tx, ev: NewEvent) -> AppResult<()> {
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    super::commit_flag_change(tx, state).await?;
    Ok(())
}

/// Creates an environment and makes it available in every project, ready for flags.
pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: EnvironmentInput,
) -> AppResult<Environment> {
    let name = rules::validate_name(input.name.as_deref())?;
    let env_type = rules::validate_type(input.env_type.as_deref())?;
    let env = Environment {
        name: name.clone(),
        env_type,
        sort_order: input.sort_order.unwrap_or(1),
        enabled: input.enabled.unwrap_or(true),
        protected: false,
        created_at: state.clock.now(),
    };
    let mut tx = state.db.begin().await?;
    store::environments::insert(&mut tx, &env)
        .await
        .on_unique_violation(|| {
            AppError::NameExists(format!("Environment with name {name} already exists"))
        })?;
    store::environments::add_to_all_projects(&mut tx, &name).await?;
    let ev = NewEvent::new(rules::ENVIRONMENT_CREATED)
        .data(env.to_json())
        .environment(name.clone());
    finish(state, auth, tx, ev).await?;
    Ok(env)
}

/// Changes an environment's type and sort order.
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    input: EnvironmentInput,
) -> AppResult<Environment> {
    let env_type = input
        .env_type
        .as_deref()
        .map(|t| rules::validate_type(Some(t)))
        .transpose()?;
    let mut tx = state.db.begin().await?;
    let before = store::environments::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if before.protected {
        return Err(protected(name, "changed"));
    }
    let after = Environment {
        env_type: env_type.unwrap_or_else(|| before.env_type.clone()),
        sort_order: input.sort_order.unwrap_or(before.sort_order),
        ..before.clone()
    };
    store::environments::update(&mut tx, &after).await?;
    let ev = NewEvent::new(rules::ENVIRONMENT_UPDATED)
        .pre_data(before.to_json())
        .data(after.to_json())
        .environment(name);
    finish(state, auth, tx, ev).await?;
    Ok(after)
}

/// Switches an environment on or off for every project.
pub async fn set_enabled(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    enabled: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::environments::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if before.enabled == enabled {
        return Ok(());
    }
    let after = Environment {
        enabled,
        ..before.clone()
    };
    store::environments::update(&mut tx, &after).await?;
    let ev = NewEvent::new(rules::ENVIRONMENT_UPDATED)
        .pre_data(before.to_json())
        .data(after.to_json())
        .environment(name);
    finish(state, auth, tx, ev).await
}

/// Sets the sort order of the named environments; every name must exist.
pub async fn set_sort_order(
    state: &AppState,
    auth: &Authorized,
    order: BTreeMap<String, i64>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let mut changed = Vec::new();
    for (name, sort_order) in &order {
        let before = store::environments::get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        if before.sort_order != *sort_order {
            let after = Environment {
                sort_order: *sort_order,
                ..before.clone()
            };
            store::environments::update(&mut tx, &after).await?;
            changed.push((before, after));
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    for (before, after) in &changed {
        let ev = NewEvent::new(rules::ENVIRONMENT_UPDATED)
            .pre_data(before.to_json())
            .data(after.to_json())
            .environment(after.name.clone());
        store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    }
    super::commit_flag_change(tx, state).await?;
    Ok(())
}

/// Deletes an environment with every flag setting and strategy in it.
pub async fn delete(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::environments::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if before.protected {
        return Err(protected(name, "deleted"));
    }
    store::environments::delete(&mut tx, name).await?;
    let ev = NewEvent::new(rules::ENVIRONMENT_DELETED)
        .pre_data(before.to_json())
        .data(json!({"name": name}))
        .environment(name);
    finish(state, auth, tx, ev).await
}
