//! Adding a strategy and editing one: the form's pages and what a posted form does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use super::form::{form_of, parse_form, StrategyForm};
use super::page::{form_status, show_strategy_form, variant_stop};
use crate::auth::permission::Scope;
use crate::domain::permissions::{CREATE_FEATURE_STRATEGY, UPDATE_FEATURE_STRATEGY};
use crate::error::AppError;
use crate::http::ui::variants;
use crate::http::ui::widgets::{flag_path, form_error_text, require};
use crate::http::ui::{redirect_with_flash, CsrfForm, PageResult, PageUser};
use crate::service::features;
use crate::state::AppState;

/// Where a posted strategy form belongs: the flag's environment, and the strategy when one
/// is edited. Shows the form again on a stop or a refusal.
struct Target<'a> {
    project: &'a str,
    flag: &'a str,
    env: &'a str,
    id: Option<&'a str>,
}

impl<'a> Target<'a> {
    fn of(project: &'a str, flag: &'a str, env: &'a str, id: Option<&'a str>) -> Self {
        Target {
            project,
            flag,
            env,
            id,
        }
    }

    async fn show(
        &self,
        state: &AppState,
        page: &PageUser,
        form: StrategyForm,
        status: StatusCode,
    ) -> PageResult {
        show_strategy_form(
            state,
            page,
            self.project,
            self.flag,
            self.env,
            self.id,
            form,
            status,
        )
        .await
    }

    /// The form again, with the refusal's message and status.
    async fn refused(
        &self,
        state: &AppState,
        page: &PageUser,
        mut form: StrategyForm,
        e: &AppError,
    ) -> PageResult {
        form.error = Some(form_error_text(e));
        self.show(state, page, form, form_status(e)).await
    }
}

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
    let at = Target::of(&project, &flag, &env, None);
    at.show(&state, &page, form, StatusCode::OK).await
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
    let at = Target::of(&project, &flag, &env, None);
    let (mut form, body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return at.show(&state, &page, form, status).await;
    }
    match features::add_strategy(&state, &auth, &project, &flag, &env, &body).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Strategy added in {env}"),
        )),
        Err(e) => at.refused(&state, &page, form, &e).await,
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
    let at = Target::of(&project, &flag, &env, Some(&id));
    at.show(&state, &page, form_of(&s.to_json()), StatusCode::OK)
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
    let at = Target::of(&project, &flag, &env, Some(&id));
    let (mut form, mut body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return at.show(&state, &page, form, status).await;
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
        Err(e) => at.refused(&state, &page, form, &e).await,
    }
}
