//! The projects list and **New project**.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use super::{error_field, non_empty, project_path};
use crate::auth::permission::Scope;
use crate::domain::permissions::CREATE_PROJECT;
use crate::http::ui::forms::field;
use crate::http::ui::widgets::{require, seg};
use crate::http::ui::{error_text, redirect_with_flash, refusal, render, CsrfForm, Ctx};
use crate::http::ui::{PageResult, PageUser};
use crate::service::{self, projects};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/new", get(new_form))
}

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
