//! Adding a strategy and editing one: the form's pages and what a posted form does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use super::form::{form_of, parse_form};
use super::page::{form_status, show_strategy_form, variant_stop};
use crate::auth::permission::Scope;
use crate::domain::permissions::{CREATE_FEATURE_STRATEGY, UPDATE_FEATURE_STRATEGY};
use crate::http::ui::variants;
use crate::http::ui::widgets::{flag_path, form_error_text, require};
use crate::http::ui::{redirect_with_flash, CsrfForm, PageResult, PageUser};
use crate::service::features;
use crate::state::AppState;

pub(super) async fn new_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
) -> PageResult {
    require(
        &page,
        CREATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "add strategies in this environment",
    )?;
    features::strategies(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    let form = form_of(
        &json!({"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "default", "groupId": flag}}),
    );
    show_strategy_form(
        &state,
        &page,
        &project,
        &flag,
        &env,
        None,
        form,
        StatusCode::OK,
    )
    .await
}

pub(super) async fn add_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        CREATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "add strategies in this environment",
    )?;
    let (mut form, body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return show_strategy_form(&state, &page, &project, &flag, &env, None, form, status).await;
    }
    match features::add_strategy(&state, &auth, &project, &flag, &env, &body).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Strategy added in {env}"),
        )),
        Err(e) => {
            let status = form_status(&e);
            form.error = Some(form_error_text(&e));
            show_strategy_form(&state, &page, &project, &flag, &env, None, form, status).await
        }
    }
}

pub(super) async fn edit_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
) -> PageResult {
    require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "edit strategies in this environment",
    )?;
    let s = features::strategy(&state, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    show_strategy_form(
        &state,
        &page,
        &project,
        &flag,
        &env,
        Some(&id),
        form_of(&s.to_json()),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn save_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "edit strategies in this environment",
    )?;
    let (mut form, mut body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return show_strategy_form(
            &state,
            &page,
            &project,
            &flag,
            &env,
            Some(&id),
            form,
            status,
        )
        .await;
    }
    // Saving without touching the variants keeps them exactly as stored.
    let before = features::strategy(&state, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    body["variants"] = variants::keep_if_unchanged(&before.variants, body["variants"].take());
    let change = features::StrategyChange::Update(body);
    match features::update_strategy(&state, &auth, &project, &flag, &env, &id, change).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Strategy saved in {env}"),
        )),
        Err(e) => {
            let status = form_status(&e);
            form.error = Some(form_error_text(&e));
            show_strategy_form(
                &state,
                &page,
                &project,
                &flag,
                &env,
                Some(&id),
                form,
                status,
            )
            .await
        }
    }
}
