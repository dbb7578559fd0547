//! Favourite flags and projects: per user, shown as `favorite: true` where Unleash shows it.

use std::collections::HashSet;

use serde_json::json;

use crate::auth::{Authorized, Principal};
use crate::domain::events::NewEvent;
use crate::error::{AppError, AppResult};
use crate::service::shapes::{mark_favourites, Favourite};
use crate::state::AppState;
use crate::store;

pub const FEATURE_FAVORITED: &str = "feature-favorited";
pub const FEATURE_UNFAVORITED: &str = "feature-unfavorited";
pub const PROJECT_FAVORITED: &str = "project-favorited";
pub const PROJECT_UNFAVORITED: &str = "project-unfavorited";

fn user_of(auth: &Authorized) -> AppResult<i64> {
    auth.user_id().ok_or_else(|| {
        AppError::bad_data("Favourites belong to a user; sign in or use a personal access token.")
    })
}

/// Marks a flag of a project as a favourite of the caller (or unmarks it).
pub async fn set_feature(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    feature: &str,
    favorite: bool,
) -> AppResult<()> {
    let user_id = user_of(auth)?;
    let mut tx = state.db.begin().await?;
    match store::features::get(&mut tx, feature).await? {
        Some(f) if f.project == project => {}
        _ => {
            return Err(AppError::not_found(format!(
                "Feature with name {feature} did not exist"
            )))
        }
    }
    let now = state.clock.now();
    if favorite {
        store::favorites::add(&mut tx, false, feature, user_id, now).await?;
    } else {
        store::favorites::remove(&mut tx, false, feature, user_id).await?;
    }
    let kind = if favorite {
        FEATURE_FAVORITED
    } else {
        FEATURE_UNFAVORITED
    };
    let ev = NewEvent::new(kind)
        .feature(feature)
        .project(project)
        .data(json!({ "feature": feature }));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a project as a favourite of the caller (or unmarks it).
pub async fn set_project(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    favorite: bool,
) -> AppResult<()> {
    let user_id = user_of(auth)?;
    let mut tx = state.db.begin().await?;
    if store::projects::get(&mut tx, project).await?.is_none() {
        return Err(AppError::not_found(format!(
            "Project with id {project} was not found"
        )));
    }
    let now = state.clock.now();
    if favorite {
        store::favorites::add(&mut tx, true, project, user_id, now).await?;
    } else {
        store::favorites::remove(&mut tx, true, project, user_id).await?;
    }
    let kind = if favorite {
        PROJECT_FAVORITED
    } else {
        PROJECT_UNFAVORITED
    };
    let ev = NewEvent::new(kind)
        .project(project)
        .data(json!({ "project": project }));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's favourite flags (`of_projects = false`) or projects; none for API tokens.
pub async fn of_caller(
    state: &AppState,
    caller: &Principal,
    of_projects: bool,
) -> AppResult<HashSet<String>> {
    let Some(user) = caller.user() else {
        return Ok(HashSet::new());
    };
    let mut db = state.db.clone();
    Ok(
        store::favorites::of_user(&mut db, of_projects, user.user.id)
            .await?
            .into_iter()
            .collect(),
    )
}

/// Sets `favorite` on each item, true for those that are the caller's favourites.
pub async fn mark<T: Favourite>(
    state: &AppState,
    caller: &Principal,
    of_projects: bool,
    items: &mut [T],
) -> AppResult<()> {
    let favorites = of_caller(state, caller, of_projects).await?;
    mark_favourites(items, &favorites);
    Ok(())
}
