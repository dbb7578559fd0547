//! A project's **API access**: the API tokens that reach it, and tokens made for it alone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::project_path;
use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_PROJECT_API_TOKEN, DELETE_PROJECT_API_TOKEN, READ_PROJECT_API_TOKEN,
};
use crate::error::AppError;
use crate::http::ui::api_tokens::{
    confirming, token_to_delete, TokenForm, TokenRow, TokenSection, CLIENT_KIND, FRONTEND_KIND,
};
use crate::http::ui::forms::Empty;
use crate::http::ui::widgets::{form_error_text, require, ProjectTabs};
use crate::http::ui::{redirect_with_flash, refusal, render, CsrfForm, Ctx};
use crate::http::ui::{PageResult, PageUser};
use crate::service::{projects, tokens};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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
        Ok(body) => match tokens::parse_api_token(&state, &body.into()) {
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
            form.error = Some(form_error_text(&e));
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
