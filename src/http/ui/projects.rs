//! Projects in the UI: the projects list, **New project** (`/projects/new`), a project's
//! **Settings** (name and description, the environments it uses, deleting it) and its
//! **API access** (the API tokens that reach it, and tokens made for it alone).
//!
//! Every page calls the same services as the Admin API and checks the same permission as
//! the matching route: `CREATE_PROJECT` to create, `UPDATE_PROJECT` for settings and
//! environments, `DELETE_PROJECT` to delete, `READ_/CREATE_/DELETE_PROJECT_API_TOKEN` (in
//! the project) for its tokens. Controls a user may not use are greyed out with the reason,
//! and a crafted POST is refused anyway.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::api_tokens::{
    confirming, form_error, token_to_delete, Empty, TokenForm, TokenRow, TokenSection, CLIENT_KIND,
    FRONTEND_KIND,
};
use super::widgets::{require, seg, ProjectTabs, NO_PERMISSION};
use super::{error_text, redirect_with_flash, refusal, render, CsrfForm, Ctx};
use super::{PageResult, PageUser};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::{
    CREATE_PROJECT, CREATE_PROJECT_API_TOKEN, DELETE_PROJECT, DELETE_PROJECT_API_TOKEN,
    READ_PROJECT_API_TOKEN, UPDATE_PROJECT,
};
use crate::domain::projects::{Project, DEFAULT_PROJECT};
use crate::error::{AppError, AppResult};
use crate::service::{self, projects, tokens};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/new", get(new_form))
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
        .route(
            "/projects/{project}/api-access",
            get(api_access).post(create_token),
        )
        .route(
            "/projects/{project}/api-access/{selector}/delete",
            get(confirm_token_delete).post(delete_token),
        )
}

const REACHES_OTHERS: &str =
    "This token reaches other projects too; delete it on the API access page for all projects";

fn project_path(project: &str) -> String {
    format!("/projects/{}", seg(project))
}

/// Which input a service error is about, to mark it invalid: `id`, `name` or none.
fn error_field(e: &AppError) -> &'static str {
    match e {
        AppError::NameExists(_) => "id",
        AppError::BadData { details, .. } => {
            match details.first().and_then(|d| d.path.as_deref()) {
                Some("/body/id") => "id",
                Some("/body/name") => "name",
                _ => "",
            }
        }
        _ => "",
    }
}

// ---------------------------------------------------------------- the list

struct ProjectRow {
    id: String,
    link: String,
    name: String,
    description: String,
    flags: i64,
    members: i64,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    ctx: Ctx,
    rows: Vec<ProjectRow>,
    can_create: bool,
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    let list = service::projects::list(&state).await.map_err(page.fail())?;
    let rows = list
        .into_iter()
        .map(|(p, _)| ProjectRow {
            link: seg(&p.id),
            id: p.id,
            name: p.name,
            description: p.description.unwrap_or_default(),
            flags: p.feature_count,
            members: p.member_count,
        })
        .collect();
    let ctx = page.ctx("Projects", "projects");
    Ok(render(
        &ctx,
        StatusCode::OK,
        &ProjectsPage {
            ctx: ctx.clone(),
            rows,
            can_create: page.principal.can(&[CREATE_PROJECT], Scope::ROOT),
        },
    ))
}

// ---------------------------------------------------------------- new project

struct NewProjectForm {
    id: String,
    name: String,
    description: String,
    /// The environments ticked.
    environments: Vec<String>,
    error: Option<String>,
    error_field: &'static str,
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct NewProjectPage {
    ctx: Ctx,
    form: NewProjectForm,
    /// Every environment, offered as a checkbox.
    all_environments: Vec<String>,
}

async fn show_new_form(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    form: Option<NewProjectForm>,
) -> PageResult {
    let ctx = page.ctx("New project", "projects");
    let all_environments: Vec<String> = service::environments::list(state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|(e, _)| e.name)
        .collect();
    let form = form.unwrap_or_else(|| NewProjectForm {
        id: String::new(),
        name: String::new(),
        description: String::new(),
        environments: all_environments.clone(),
        error: None,
        error_field: "",
    });
    Ok(render(
        &ctx,
        status,
        &NewProjectPage {
            ctx: ctx.clone(),
            form,
            all_environments,
        },
    ))
}

async fn new_form(State(state): State<AppState>, page: PageUser) -> PageResult {
    if !page.principal.can(&[CREATE_PROJECT], Scope::ROOT) {
        return Ok(refusal(
            &page.ctx("Not allowed", "projects"),
            "create projects",
        ));
    }
    show_new_form(&state, &page, StatusCode::OK, None).await
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(&page, CREATE_PROJECT, Scope::ROOT, "create projects")?;
    let mut form = NewProjectForm {
        id: field(&pairs, "id"),
        name: field(&pairs, "name"),
        description: field(&pairs, "description"),
        environments: pairs
            .iter()
            .filter(|(k, _)| k == "environments")
            .map(|(_, v)| v.clone())
            .collect(),
        error: None,
        error_field: "",
    };
    let input = projects::CreateProject {
        id: non_empty(&form.id),
        name: form.name.clone(),
        description: non_empty(&form.description),
        environments: Some(form.environments.clone()),
    };
    match projects::create(&state, &auth, input).await {
        Ok(p) => Ok(redirect_with_flash(
            &state,
            &project_path(&p.id),
            &format!("Project \"{}\" created", p.name),
        )),
        Err(e) => {
            form.error = Some(error_text(&e));
            form.error_field = error_field(&e);
            show_new_form(&state, &page, e.status(), Some(form)).await
        }
    }
}

// ---------------------------------------------------------------- settings

struct SettingsForm {
    name: String,
    description: String,
    error: Option<String>,
    error_field: &'static str,
}

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

/// What a settings page shows besides the project itself.
#[derive(Default)]
struct SettingsState {
    form: Option<SettingsForm>,
    env_error: Option<String>,
    delete_error: Option<String>,
    confirm_delete: bool,
    confirm_env: Option<String>,
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
    extra: SettingsState,
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
    let confirm_env = match extra.confirm_env {
        Some(name) => match envs.iter().find(|e| e.name == name && e.enabled) {
            Some(e) => Some(EnvRow {
                name: e.name.clone(),
                link: e.link.clone(),
                kind: e.kind.clone(),
                enabled: e.enabled,
                enabled_flags: e.enabled_flags,
            }),
            None => {
                return Err(page.fail()(AppError::not_found(format!(
                    "The environment \"{name}\" is not enabled in the project \"{project}\"."
                ))))
            }
        },
        None => None,
    };
    let ctx = page.ctx(format!("{} · Settings", p.name), "projects");
    let form = extra.form.unwrap_or_else(|| SettingsForm {
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
            env_error: extra.env_error,
            delete_blocked: delete_blocked(page, &p),
            delete_error: extra.delete_error,
            confirm_delete: extra.confirm_delete,
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
    show_settings(
        &state,
        &page,
        &project,
        StatusCode::OK,
        SettingsState::default(),
    )
    .await
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
            &format!("{}/settings", project_path(&p.id)),
            "Project settings saved",
        )),
        Err(e) => {
            let form = SettingsForm {
                name: input.name,
                description: input.description,
                error: Some(error_text(&e)),
                error_field: error_field(&e),
            };
            let extra = SettingsState {
                form: Some(form),
                ..SettingsState::default()
            };
            show_settings(&state, &page, &project, e.status(), extra).await
        }
    }
}

async fn enable_environment(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let auth = may_update(&page, &project)?;
    let result = projects::add_environment(&state, &auth, &project, &env).await;
    environment_changed(&state, &page, &project, &env, "enabled", result).await
}

/// Back to the settings with a message, or the settings again with the refusal.
async fn environment_changed(
    state: &AppState,
    page: &PageUser,
    project: &str,
    env: &str,
    done: &str,
    result: AppResult<()>,
) -> PageResult {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            state,
            &format!("{}/settings", project_path(project)),
            &format!("Environment \"{env}\" {done} in this project"),
        )),
        Err(e) => {
            let extra = SettingsState {
                env_error: Some(error_text(&e)),
                ..SettingsState::default()
            };
            show_settings(state, page, project, e.status(), extra).await
        }
    }
}

async fn confirm_disable(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
) -> PageResult {
    may_update(&page, &project)?;
    let extra = SettingsState {
        confirm_env: Some(env),
        ..SettingsState::default()
    };
    show_settings(&state, &page, &project, StatusCode::OK, extra).await
}

async fn disable_environment(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, env)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let auth = may_update(&page, &project)?;
    let result = projects::remove_environment(&state, &auth, &project, &env).await;
    environment_changed(&state, &page, &project, &env, "disabled", result).await
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
    let extra = SettingsState {
        confirm_delete: true,
        ..SettingsState::default()
    };
    show_settings(&state, &page, &project, StatusCode::OK, extra).await
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
        Err(e) => {
            let extra = SettingsState {
                delete_error: Some(error_text(&e)),
                ..SettingsState::default()
            };
            show_settings(&state, &page, &project, e.status(), extra).await
        }
    }
}

// ---------------------------------------------------------------- API access

#[derive(Template)]
#[template(path = "project_api_tokens.html")]
struct ApiAccessPage {
    ctx: Ctx,
    tabs: ProjectTabs,
    id: String,
    name: String,
    tokens: TokenSection,
}

fn api_path(project: &str) -> String {
    format!("{}/api-access", project_path(project))
}

fn may_read_tokens(page: &PageUser, project: &str) -> Result<(), Response> {
    if page
        .principal
        .can(&[READ_PROJECT_API_TOKEN], Scope::project(project))
    {
        Ok(())
    } else {
        Err(refusal(
            &page.ctx("Not allowed", "projects"),
            "see this project's API tokens",
        ))
    }
}

async fn show_api_access(
    state: &AppState,
    page: &PageUser,
    project: &str,
    status: StatusCode,
    form: Option<TokenForm>,
    created: Option<String>,
    confirm: Option<String>,
) -> PageResult {
    may_read_tokens(page, project)?;
    let (p, _, environments) = projects::get(state, project).await.map_err(page.fail())?;
    let list = tokens::list_api_tokens_reaching_project(state, &page.principal, project)
        .await
        .map_err(page.fail())?;
    let may_delete = page
        .principal
        .can(&[DELETE_PROJECT_API_TOKEN], Scope::project(project));
    let rows: Vec<TokenRow> = list
        .iter()
        .map(|t| {
            let reason = if !may_delete {
                Some("Your role does not allow deleting this project's API tokens".to_string())
            } else {
                // Every token listed here reaches the project, so a refusal means it
                // reaches others too (all projects, or several).
                tokens::check_deletable_from_project(t, project)
                    .err()
                    .map(|_| REACHES_OTHERS.to_string())
            };
            TokenRow::new(t, reason)
        })
        .collect();
    let path = api_path(project);
    let confirm = match confirming(&page.base, &rows, confirm.as_deref())? {
        Some(row) if !row.can_delete => {
            return Err(page.fail()(AppError::OperationDenied(row.delete_reason)))
        }
        c => c,
    };
    let kinds = if page
        .principal
        .can(&[CREATE_PROJECT_API_TOKEN], Scope::project(project))
    {
        vec![CLIENT_KIND, FRONTEND_KIND]
    } else {
        Vec::new()
    };
    let default_env = if environments.iter().any(|e| e == "development") {
        "development".to_string()
    } else {
        environments.first().cloned().unwrap_or_default()
    };
    let form = form.unwrap_or_else(|| TokenForm::empty(&default_env, vec![project.to_string()]));
    let ctx = page.ctx(format!("{} · API access", p.name), "projects");
    Ok(render(
        &ctx,
        status,
        &ApiAccessPage {
            ctx: ctx.clone(),
            tabs: ProjectTabs::new(page, &p.id, "api-access"),
            id: p.id,
            name: p.name,
            tokens: TokenSection {
                path,
                rows,
                form,
                kinds,
                no_create: "Your role does not allow creating API tokens in this project.",
                environments,
                projects: None,
                created,
                confirm,
                rotate: None,
                rotated_until: None,
            },
        },
    ))
}

async fn api_access(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
) -> PageResult {
    show_api_access(&state, &page, &project, StatusCode::OK, None, None, None).await
}

async fn create_token(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        CREATE_PROJECT_API_TOKEN,
        Scope::project(&project),
        "create API tokens in this project",
    )?;
    projects::get(&state, &project).await.map_err(page.fail())?;
    let mut form = TokenForm::from_pairs(&pairs);
    // As on the Admin API's project route, the token is for this project alone.
    form.projects = vec![project.clone()];
    let result = match form.body(state.clock.now()) {
        Ok(body) => match tokens::parse_api_token(&state, &body) {
            Ok(new) => tokens::create_api_token(&state, &auth, new).await,
            Err(e) => Err(e),
        },
        Err(message) => Err(AppError::bad_data(message)),
    };
    match result {
        Ok((_, secret)) => {
            show_api_access(
                &state,
                &page,
                &project,
                StatusCode::OK,
                None,
                Some(secret.expose().to_string()),
                None,
            )
            .await
        }
        Err(e) => {
            form.error = Some(form_error(&e));
            show_api_access(&state, &page, &project, e.status(), Some(form), None, None).await
        }
    }
}

async fn confirm_token_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, selector)): Path<(String, String)>,
) -> PageResult {
    show_api_access(
        &state,
        &page,
        &project,
        StatusCode::OK,
        None,
        None,
        Some(selector),
    )
    .await
}

async fn delete_token(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, selector)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let auth = require(
        &page,
        DELETE_PROJECT_API_TOKEN,
        Scope::project(&project),
        "delete this project's API tokens",
    )?;
    projects::get(&state, &project).await.map_err(page.fail())?;
    let token = token_to_delete(&state, &page, &selector).await?;
    tokens::check_deletable_from_project(&token, &project).map_err(page.fail())?;
    tokens::delete_api_token(&state, &auth, &token)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &api_path(&project),
        "API token deleted",
    ))
}
