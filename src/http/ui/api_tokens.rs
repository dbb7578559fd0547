//! API tokens (client/backend and frontend) at Unleash's address `/admin/api`: list, create
//! (the secret is shown once, with a Copy button), delete after a confirmation. Listing
//! needs ADMIN or a READ_*_API_TOKEN permission and shows only the types the user may
//! read; creating and deleting need the permission of the token's type, as in the Admin API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::TimeDelta;
use serde_json::json;

use super::{date, date_time, error_page, error_text, redirect_with_flash, refusal, render};
use super::{CsrfForm, Ctx, PageUser};
use crate::auth::permission::Scope;
use crate::domain::permissions as perm;
use crate::domain::tokens::ApiToken;
use crate::domain::users::iso;
use crate::error::AppError;
use crate::service::{self, tokens};
use crate::state::AppState;

const PATH: &str = "/admin/api";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/admin/api/{selector}/delete", get(confirm).post(delete))
}

const READ: [&str; 3] = [
    perm::ADMIN,
    perm::READ_CLIENT_API_TOKEN,
    perm::READ_FRONTEND_API_TOKEN,
];

struct Row {
    selector: String,
    name: String,
    kind: String,
    projects: String,
    environment: String,
    expires: String,
    created: String,
    seen: String,
    can_delete: bool,
}

struct Form {
    name: String,
    kind: String,
    environment: String,
    projects: Vec<String>,
    expiry: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct Page {
    ctx: Ctx,
    rows: Vec<Row>,
    can_client: bool,
    can_frontend: bool,
    form: Form,
    environments: Vec<String>,
    projects: Vec<String>,
    created: Option<String>,
    confirm: Option<Row>,
}

fn rows(page: &PageUser, list: &[ApiToken]) -> Vec<Row> {
    list.iter()
        .map(|t| Row {
            selector: t.selector.clone(),
            name: t.token_name.clone(),
            kind: t.kind.as_str().to_string(),
            projects: t.projects.join(", "),
            environment: t.environment.clone(),
            expires: t.expires_at.map(date).unwrap_or_else(|| "Never".into()),
            created: date(t.created_at),
            seen: t.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
            can_delete: page
                .principal
                .can(&[tokens::delete_permission(t.kind)], Scope::ROOT),
        })
        .collect()
}

impl Form {
    fn all_projects(&self) -> bool {
        self.projects.iter().any(|p| p == "*")
    }
}

fn empty_form() -> Form {
    Form {
        name: String::new(),
        kind: "client".into(),
        environment: "development".into(),
        projects: vec!["*".into()],
        expiry: "never".into(),
        error: None,
    }
}

async fn show(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    form: Form,
    created: Option<String>,
    confirm: Option<String>,
) -> Response {
    let ctx = page.ctx("API access", "api-tokens");
    if !page.principal.can(&READ, Scope::ROOT) {
        return refusal(&ctx, "see API tokens");
    }
    let list = match tokens::list_api_tokens(state, &page.principal, None).await {
        Ok(l) => l,
        Err(e) => return error_page(page.base.clone(), e),
    };
    let environments = match service::environments::list(state).await {
        Ok(l) => l.into_iter().map(|(e, _)| e.name).collect(),
        Err(e) => return error_page(page.base.clone(), e),
    };
    let projects = match service::projects::list(state).await {
        Ok(l) => l.into_iter().map(|(p, _)| p.id).collect(),
        Err(e) => return error_page(page.base.clone(), e),
    };
    let rows = rows(page, &list);
    let confirm = match confirm {
        Some(sel) => match rows.iter().position(|r| r.selector == sel) {
            Some(i) => Some(rows_owned(&rows[i])),
            None => {
                return super::message_page(
                    &page.base,
                    StatusCode::NOT_FOUND,
                    "No such token",
                    "There is no API token you may see with that id.",
                )
            }
        },
        None => None,
    };
    render(
        &ctx,
        status,
        &Page {
            ctx: ctx.clone(),
            rows,
            can_client: page
                .principal
                .can(&[perm::CREATE_CLIENT_API_TOKEN], Scope::ROOT),
            can_frontend: page
                .principal
                .can(&[perm::CREATE_FRONTEND_API_TOKEN], Scope::ROOT),
            form,
            environments,
            projects,
            created,
            confirm,
        },
    )
}

fn rows_owned(r: &Row) -> Row {
    Row {
        selector: r.selector.clone(),
        name: r.name.clone(),
        kind: r.kind.clone(),
        projects: r.projects.clone(),
        environment: r.environment.clone(),
        expires: r.expires.clone(),
        created: r.created.clone(),
        seen: r.seen.clone(),
        can_delete: r.can_delete,
    }
}

async fn list(State(state): State<AppState>, page: PageUser) -> Response {
    show(&state, &page, StatusCode::OK, empty_form(), None, None).await
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut projects: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "projects")
        .map(|(_, v)| v.clone())
        .collect();
    if projects.is_empty() {
        projects.push("*".into());
    }
    let mut form = Form {
        name: get("name"),
        kind: get("type"),
        environment: get("environment"),
        projects: projects.clone(),
        expiry: get("expiry"),
        error: None,
    };
    let ctx = page.ctx("API access", "api-tokens");
    let auth = match page.principal.require(
        &[
            perm::ADMIN,
            perm::CREATE_CLIENT_API_TOKEN,
            perm::CREATE_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    ) {
        Ok(_) => page.principal.authenticated(),
        Err(_) => return refusal(&ctx, "create API tokens"),
    };
    let now = state.clock.now();
    let expires = match form.expiry.as_str() {
        "never" | "" => serde_json::Value::Null,
        d => match d.parse::<i64>() {
            Ok(days @ (7 | 30 | 60 | 90)) => json!(iso(now + TimeDelta::days(days))),
            _ => {
                form.error = Some("Choose when the token will expire.".into());
                return show(&state, &page, StatusCode::BAD_REQUEST, form, None, None).await;
            }
        },
    };
    let body = json!({
        "tokenName": form.name,
        "type": form.kind,
        "environment": form.environment,
        "projects": projects,
        "expiresAt": expires,
    });
    let result = match tokens::parse_api_token(&state, &body) {
        Ok(new) => {
            let needed = tokens::create_permission(new.kind);
            if page.principal.can(&[needed], Scope::ROOT) {
                tokens::create_api_token(&state, &auth, new).await
            } else {
                Err(AppError::OperationDenied(format!(
                    "Your role does not allow creating {} tokens.",
                    new.type_label
                )))
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((_, secret)) => {
            show(
                &state,
                &page,
                StatusCode::OK,
                empty_form(),
                Some(secret.expose().to_string()),
                None,
            )
            .await
        }
        Err(e) => {
            let status = e.status();
            form.error = Some(super::flags::plain_words(&error_text(&e)));
            show(&state, &page, status, form, None, None).await
        }
    }
}

async fn confirm(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
) -> Response {
    show(
        &state,
        &page,
        StatusCode::OK,
        empty_form(),
        None,
        Some(selector),
    )
    .await
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> Response {
    let ctx = page.ctx("API access", "api-tokens");
    let token = match tokens::find_api_token(&state, &selector).await {
        Ok(Some(t)) if selector.len() <= 22 => t,
        Ok(_) => {
            return super::message_page(
                &page.base,
                StatusCode::NOT_FOUND,
                "No such token",
                "There is no API token with that id.",
            )
        }
        Err(e) => return error_page(page.base.clone(), e),
    };
    let auth = match page
        .principal
        .require(&[tokens::delete_permission(token.kind)], Scope::ROOT)
    {
        Ok(a) => a,
        Err(_) => return refusal(&ctx, &format!("delete {} tokens", token.kind.as_str())),
    };
    match tokens::delete_api_token(&state, &auth, &token).await {
        Ok(()) => redirect_with_flash(&state, PATH, "API token deleted"),
        Err(e) => error_page(page.base.clone(), e),
    }
}
