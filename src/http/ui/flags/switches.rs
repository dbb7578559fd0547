//! Turning a flag on or off in one environment, archiving it and reviving it.

use axum::extract::{Path, State};

use crate::auth::permission::Scope;
use crate::domain::permissions::{DELETE_FEATURE, UPDATE_FEATURE, UPDATE_FEATURE_ENVIRONMENT};
use crate::http::ui::flag_details;
use crate::http::ui::forms::{Confirm, Empty};
use crate::http::ui::widgets::{flag_path, require, seg};
use crate::http::ui::PageUser;
use crate::http::ui::{redirect_with_flash, CsrfForm, PageResult};
use crate::service::features;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub(super) struct ToggleInput {
    enabled: String,
}

pub(super) async fn toggle(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(input): CsrfForm<ToggleInput>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_ENVIRONMENT,
        Scope::environment(&project, &env),
        "switch this flag in this environment",
    )?;
    let on = input.enabled == "true";
    features::set_enabled(&state, &auth, &project, &flag, &env, on)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!(
            "\"{flag}\" {} in {env}",
            if on { "enabled" } else { "disabled" }
        ),
    ))
}

/// Archives a flag once confirmed; without `confirm=yes` it only asks.
pub(super) async fn archive_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let auth = require(
        &page,
        DELETE_FEATURE,
        Scope::project(&project),
        "archive flags here",
    )?;
    if !input.confirmed() {
        return flag_details::archive_confirmation(&state, &page, &project, &flag).await;
    }
    features::archive(&state, &auth, &project, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &format!("/projects/{}", seg(&project)),
        &format!("Flag \"{flag}\" archived"),
    ))
}

pub(super) async fn revive_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
    CsrfForm(_input): CsrfForm<Empty>,
) -> PageResult {
    let project = features::project_of(&state, &flag)
        .await
        .and_then(|p| p.ok_or_else(|| features::feature_not_found(&flag)))
        .map_err(page.fail())?;
    let auth = require(
        &page,
        UPDATE_FEATURE,
        Scope::project(&project),
        "revive flags of this project",
    )?;
    features::revive(&state, &auth, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Flag \"{flag}\" revived"),
    ))
}
