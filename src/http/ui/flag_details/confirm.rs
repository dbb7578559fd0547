//! The pages that ask before a flag is archived, a strategy deleted or an archived flag
//! deleted for good, and deleting an archived flag.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::{DELETE_FEATURE, DELETE_FEATURE_STRATEGY};
use crate::http::ui::forms::{Confirm, ConfirmPage};
use crate::http::ui::widgets::{flag_path, require, seg};
use crate::http::ui::{redirect_with_flash, CsrfForm, PageError, PageResult, PageUser};
use crate::service::features::{self};
use crate::state::AppState;

/// The page that asks before a flag is archived.
pub(in crate::http::ui) async fn archive_confirmation(
    state: &AppState,
    page: &PageUser,
    project: &str,
    flag: &str,
) -> PageResult {
    features::detail(state, project, flag)
        .await
        .map_err(page.fail())?;
    let path = flag_path(project, flag);
    Ok(ConfirmPage {
        ctx: page.ctx("Archive flag?", "projects"),
        heading: "Archive flag?",
        before: "The flag ",
        subject: flag.to_string(),
        after: " will be archived: SDKs will no longer see it. You can revive it from the archive."
            .into(),
        action: format!("{path}/archive"),
        button: "Archive flag",
        button_id: "confirm-archive",
        cancel: path,
    }
    .show())
}

pub(super) async fn confirm_archive(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
) -> PageResult {
    require(
        &page,
        DELETE_FEATURE,
        Scope::project(&project),
        "archive flags here",
    )?;
    archive_confirmation(&state, &page, &project, &flag).await
}

/// The page that asks before a strategy is deleted.
pub(in crate::http::ui) async fn strategy_confirmation(
    state: &AppState,
    page: &PageUser,
    project: &str,
    flag: &str,
    env: &str,
    id: &str,
) -> PageResult {
    let strategy = features::strategy(state, project, flag, env, id)
        .await
        .map_err(page.fail())?
        .to_json();
    let title = strategy["title"].as_str().unwrap_or_default();
    let name = if title.trim().is_empty() {
        strategy["name"].as_str().unwrap_or_default()
    } else {
        title
    };
    let path = flag_path(project, flag);
    Ok(ConfirmPage {
        ctx: page.ctx("Delete strategy?", "projects"),
        heading: "Delete strategy?",
        before: "The strategy ",
        subject: name.to_string(),
        after: format!(
            " will be removed from the environment {env} of the flag {flag}. You cannot undo this action."
        ),
        action: format!(
            "{path}/environments/{}/strategies/{}/delete",
            seg(env),
            seg(id)
        ),
        button: "Delete strategy",
        button_id: "confirm-delete-strategy",
        cancel: path,
    }
    .show())
}

pub(super) async fn confirm_delete_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
) -> PageResult {
    require(
        &page,
        DELETE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "delete strategies in this environment",
    )?;
    strategy_confirmation(&state, &page, &project, &flag, &env, &id).await
}

/// The project of an archived flag and the proof that the user may delete flags there.
async fn archived_flag_project(
    state: &AppState,
    page: &PageUser,
    flag: &str,
) -> Result<(String, Authorized), PageError> {
    let f = features::get_archived(state, flag)
        .await
        .map_err(page.fail())?;
    let auth = require(
        page,
        DELETE_FEATURE,
        Scope::project(&f.project),
        "delete flags of this project",
    )?;
    Ok((f.project, auth))
}

fn delete_flag_confirmation(page: &PageUser, project: &str, flag: &str) -> Response {
    ConfirmPage {
        ctx: page.ctx("Delete flag?", "archive"),
        heading: "Delete flag?",
        before: "The archived flag ",
        subject: flag.to_string(),
        after: format!(
            " of the project {project} will be deleted permanently, with its strategies and settings. You cannot undo this action."
        ),
        action: format!("/archive/{}/delete", seg(flag)),
        button: "Delete flag",
        button_id: "confirm-delete-flag",
        cancel: "/archive".into(),
    }
    .show()
}

pub(super) async fn confirm_delete_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
) -> PageResult {
    let (project, _) = archived_flag_project(&state, &page, &flag).await?;
    Ok(delete_flag_confirmation(&page, &project, &flag))
}

/// Deletes an archived flag for good once confirmed; without `confirm=yes` it only asks.
pub(super) async fn delete_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let (project, auth) = archived_flag_project(&state, &page, &flag).await?;
    if !input.confirmed() {
        return Ok(delete_flag_confirmation(&page, &project, &flag));
    }
    features::delete(&state, &auth, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        "/archive",
        &format!("Flag \"{flag}\" deleted"),
    ))
}
