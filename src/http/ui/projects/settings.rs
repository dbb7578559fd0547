//! A project's **Settings**: its name and description, the environments it uses, and
//! deleting it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::{error_field, non_empty, project_path};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::{DELETE_PROJECT, UPDATE_PROJECT};
use crate::domain::projects::{Project, DEFAULT_PROJECT};
use crate::error::AppError;
use crate::http::ui::forms::Empty;
use crate::http::ui::widgets::{require, seg, ProjectTabs, NO_PERMISSION};
use crate::http::ui::{error_text, redirect_with_flash, render, CsrfForm, Ctx};
use crate::http::ui::{PageResult, PageUser};
use crate::service::{self, projects};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{project}/settings", get(settings).post(save))
        .route(
            "/projects/{project}/settings/environments/{env}/enable",
            post(enable_environment),
        )
        .route(
            "/projects/{project}/settings/environments/{env}/disable",
            get(confirm_disable).post(disable_environment),
        )
        .route(
            "/projects/{project}/delete",
            get(confirm_delete).post(delete),
        )
}

struct SettingsForm {
    name: String,
    description: String,
    error: Option<String>,
    error_field: &'static str,
}

#[derive(Clone)]
struct EnvRow {
    name: String,
    link: String,
    kind: String,
    enabled: bool,
    /// Flags of this project switched on in it.
    enabled_flags: i64,
}

#[derive(Template)]
#[template(path = "project_settings.html")]
struct SettingsPage {
    ctx: Ctx,
    tabs: ProjectTabs,
    id: String,
    name: String,
    form: SettingsForm,
    can_update: bool,
    envs: Vec<EnvRow>,
    enabled_envs: usize,
    env_error: Option<String>,
    /// Why the project cannot be deleted, when it cannot.
    delete_blocked: Option<String>,
    delete_error: Option<String>,
    confirm_delete: bool,
    confirm_env: Option<EnvRow>,
    reason: &'static str,
}

/// What a settings page shows besides the project itself: the page as stored, or one
/// message or question in the part of the page it concerns.
enum Extra {
    Nothing,
    /// The settings form as typed, with the reason it was not saved.
    Form(SettingsForm),
    /// Why an environment was not enabled or disabled.
    EnvError(String),
    /// Why the project was not deleted.
    DeleteError(String),
    /// Asks before the project is deleted.
    ConfirmDelete,
    /// Asks before this environment is disabled.
    ConfirmEnv(String),
}

/// The address of a project's settings, below the base path.
fn settings_path(project: &str) -> String {
    format!("{}/settings", project_path(project))
}

fn delete_blocked(page: &PageUser, p: &Project) -> Option<String> {
    if p.id == DEFAULT_PROJECT {
        Some("The default project cannot be deleted.".into())
    } else if !page.principal.can(&[DELETE_PROJECT], Scope::project(&p.id)) {
        Some("Your role does not allow deleting this project.".into())
    } else if p.feature_count > 0 {
        Some(format!(
            "This project still has {} flag{}. Archive {} before deleting the project.",
            p.feature_count,
            if p.feature_count == 1 { "" } else { "s" },
            if p.feature_count == 1 { "it" } else { "them" },
        ))
    } else {
        None
    }
}

async fn show_settings(
    state: &AppState,
    page: &PageUser,
    project: &str,
    status: StatusCode,
    extra: Extra,
) -> PageResult {
    let (p, _, _) = projects::get(state, project).await.map_err(page.fail())?;
    let envs: Vec<EnvRow> = service::environments::of_project(state, project)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|e| EnvRow {
            link: seg(&e.environment.name),
            name: e.environment.name,
            kind: e.environment.env_type,
            enabled: e.visible,
            enabled_flags: e.enabled_flags,
        })
        .collect();
    let confirm_env = match &extra {
        Extra::ConfirmEnv(name) => match envs.iter().find(|e| e.name == *name && e.enabled) {
            Some(e) => Some(e.clone()),
            None => {
                return Err(page.fail()(AppError::not_found(format!(
                    "The environment \"{name}\" is not enabled in the project \"{project}\"."
                ))))
            }
        },
        _ => None,
    };
    let confirm_delete = matches!(extra, Extra::ConfirmDelete);
    let (form, env_error, delete_error) = match extra {
        Extra::Form(form) => (Some(form), None, None),
        Extra::EnvError(message) => (None, Some(message), None),
        Extra::DeleteError(message) => (None, None, Some(message)),
        Extra::Nothing | Extra::ConfirmDelete | Extra::ConfirmEnv(_) => (None, None, None),
    };
    let ctx = page.ctx(format!("{} · Settings", p.name), "projects");
    let form = form.unwrap_or_else(|| SettingsForm {
        name: p.name.clone(),
        description: p.description.clone().unwrap_or_default(),
        error: None,
        error_field: "",
    });
    Ok(render(
        &ctx,
        status,
        &SettingsPage {
            ctx: ctx.clone(),
            tabs: ProjectTabs::new(page, &p.id, "settings"),
            can_update: page.principal.can(&[UPDATE_PROJECT], Scope::project(&p.id)),
            enabled_envs: envs.iter().filter(|e| e.enabled).count(),
            envs,
            env_error,
            delete_blocked: delete_blocked(page, &p),
            delete_error,
            confirm_delete,
            confirm_env,
            reason: NO_PERMISSION,
            id: p.id,
            name: p.name,
            form,
        },
    ))
}

async fn settings(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
) -> PageResult {
    show_settings(&state, &page, &project, StatusCode::OK, Extra::Nothing).await
}

/// The settings page again after a refused change, with the refusal where `place` shows it.
async fn refused(
    state: &AppState,
    page: &PageUser,
    project: &str,
    e: &AppError,
    place: fn(String) -> Extra,
) -> PageResult {
    show_settings(state, page, project, e.status(), place(error_text(e))).await
}

#[derive(serde::Deserialize)]
struct SettingsInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

fn may_update(page: &PageUser, project: &str) -> Result<Authorized, Response> {
    require(
        page,
        UPDATE_PROJECT,
        Scope::project(project),
        "change this project",
    )
}

async fn save(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    CsrfForm(input): CsrfForm<SettingsInput>,
) -> PageResult {
    let auth = may_update(&page, &project)?;
    let update = projects::UpdateProject {
        name: input.name.clone(),
        description: non_empty(&input.description),
    };
    match projects::update(&state, &auth, &project, update).await {
        Ok(p) => Ok(redirect_with_flash(
            &state,
            &settings_path(&p.id),
            "Project settings saved",
        )),
        Err(e) => {
            let form = SettingsForm {
                name: input.name,
                description: input.description,
                error: Some(error_text(&e)),
                error_field: error_field(&e),
            };
            show_settings(&state, &page, &project, e.status(), Extra::Form(form)).await
        }
    }
}

async fn enable_environment(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    change_environment(&state, &page, &project, &env, true).await
}

/// Enables or disables `env` in the project; back to the settings with a message, or the
/// settings again with the refusal.
async fn change_environment(
    state: &AppState,
    page: &PageUser,
    project: &str,
    env: &str,
    enable: bool,
) -> PageResult {
    let auth = may_update(page, project)?;
    let (result, done) = if enable {
        let result = projects::add_environment(state, &auth, project, env).await;
        (result, "enabled")
    } else {
        let result = projects::remove_environment(state, &auth, project, env).await;
        (result, "disabled")
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            state,
            &settings_path(project),
            &format!("Environment \"{env}\" {done} in this project"),
        )),
        Err(e) => refused(state, page, project, &e, Extra::EnvError).await,
    }
}

async fn confirm_disable(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
) -> PageResult {
    may_update(&page, &project)?;
    show_settings(
        &state,
        &page,
        &project,
        StatusCode::OK,
        Extra::ConfirmEnv(env),
    )
    .await
}

async fn disable_environment(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    change_environment(&state, &page, &project, &env, false).await
}

fn may_delete(page: &PageUser, project: &str) -> Result<Authorized, Response> {
    require(
        page,
        DELETE_PROJECT,
        Scope::project(project),
        "delete this project",
    )
}

async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
) -> PageResult {
    may_delete(&page, &project)?;
    show_settings(
        &state,
        &page,
        &project,
        StatusCode::OK,
        Extra::ConfirmDelete,
    )
    .await
}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let auth = may_delete(&page, &project)?;
    match projects::delete(&state, &auth, &project).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            "/projects",
            &format!("Project \"{project}\" deleted"),
        )),
        Err(e) => refused(&state, &page, &project, &e, Extra::DeleteError).await,
    }
}
