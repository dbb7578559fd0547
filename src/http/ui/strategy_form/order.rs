//! Deleting a strategy (after a confirmation) and moving it up or down the list.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::permission::Scope;
use crate::domain::permissions::{DELETE_FEATURE_STRATEGY, UPDATE_FEATURE_STRATEGY};
use crate::http::ui::flag_details;
use crate::http::ui::forms::Confirm;
use crate::http::ui::widgets::{flag_path, require};
use crate::http::ui::{message_page, redirect_with_flash, CsrfForm, PageResult, PageUser};
use crate::service::features;
use crate::state::AppState;

/// Deletes a strategy once confirmed; without `confirm=yes` it only asks.
pub(super) async fn delete_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let auth = require(
        &page,
        DELETE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "delete strategies in this environment",
    )?;
    if !input.confirmed() {
        return flag_details::strategy_confirmation(&state, &page, &project, &flag, &env, &id)
            .await;
    }
    features::delete_strategy(&state, &auth, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Strategy deleted from {env}"),
    ))
}

#[derive(serde::Deserialize)]
pub(super) struct MoveInput {
    direction: String,
}

pub(super) async fn move_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(input): CsrfForm<MoveInput>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "reorder strategies in this environment",
    )?;
    let list = features::strategies(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    let mut ids: Vec<String> = list.iter().map(|s| s.id.clone()).collect();
    let Some(at) = ids.iter().position(|s| *s == id) else {
        return Ok(message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such strategy",
            "This flag has no such strategy in this environment.",
        ));
    };
    let to = match input.direction.as_str() {
        "up" if at > 0 => at - 1,
        "down" if at + 1 < ids.len() => at + 1,
        _ => at,
    };
    ids.swap(at, to);
    let entries: Vec<features::SortOrderEntry> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| features::SortOrderEntry {
            id,
            sort_order: i as i64,
        })
        .collect();
    features::set_sort_order(&state, &auth, &project, &flag, &env, &entries)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Strategy order changed in {env}"),
    ))
}
