//! User administration (Admin only): list, create with a role, change role, reset
//! password, delete.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::forms::Empty;
use super::widgets::require_admin;
use super::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::domain::permissions::Role;
use crate::domain::users::User;
use crate::service::users::{self, CreateUser, RoleRef, UpdateUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list))
        .route("/admin/users/create", get(show_create).post(create))
        .route("/admin/users/{id}/edit", get(edit))
        .route("/admin/users/{id}/role", post(change_role))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/delete", get(confirm_delete).post(delete))
}

const NAV: &str = "users";
const REFUSAL: &str =
    "Only admins can manage users. Ask an admin of this Switchyard if you need a change.";

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub email: String,
    pub role: String,
    pub created: String,
    pub seen: String,
    pub is_me: bool,
}

fn row(u: &User, roles: &[Role], me: i64) -> UserRow {
    UserRow {
        id: u.id,
        name: u.display_name(),
        username: u.username.clone().unwrap_or_default(),
        email: u.email.clone().unwrap_or_default(),
        role: roles
            .iter()
            .find(|r| r.id == u.root_role_id)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        created: date(u.created_at),
        seen: u.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
        is_me: u.id == me,
    }
}

async fn root_roles(state: &AppState) -> Result<Vec<Role>, crate::error::AppError> {
    Ok(users::roles(state)
        .await?
        .into_iter()
        .filter(|r| r.role_type == "root")
        .collect())
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    rows: Vec<UserRow>,
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    let ctx = page.ctx("Users", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let (all, roles) = match (users::list(&state).await, root_roles(&state).await) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(e), _) | (_, Err(e)) => return Err(page.fail()(e)),
    };
    let me = page.user().user.id;
    let rows = all
        .iter()
        .filter(|u| !u.is_service)
        .map(|u| row(u, &roles, me))
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        &UsersPage {
            ctx: ctx.clone(),
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "user_create.html")]
struct CreatePage {
    ctx: Ctx,
    roles: Vec<Role>,
    form: CreateForm,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct CreateForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

async fn show_create(State(state): State<AppState>, page: PageUser) -> PageResult {
    let ctx = page.ctx("New user", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let roles = root_roles(&state).await.map_err(page.fail())?;
    let form = CreateForm {
        role: "Viewer".into(),
        ..Default::default()
    };
    Ok(render(
        &ctx,
        StatusCode::OK,
        &CreatePage {
            ctx: ctx.clone(),
            roles,
            form,
            error: None,
        },
    ))
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> PageResult {
    let ctx = page.ctx("New user", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let input = CreateUser {
        username: opt(&form.username),
        email: opt(&form.email),
        name: opt(&form.name),
        password: (!form.password.is_empty()).then(|| form.password.clone()),
        root_role: RoleRef::Name(form.role.clone()),
    };
    match users::create(&state, &auth, input).await {
        Ok(u) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            &format!("User {} created.", u.display_name()),
        )),
        Err(e) => {
            let roles = root_roles(&state).await.unwrap_or_default();
            let form = CreateForm {
                password: String::new(),
                ..form
            };
            Ok(render(
                &ctx,
                StatusCode::BAD_REQUEST,
                &CreatePage {
                    ctx: ctx.clone(),
                    roles,
                    form,
                    error: Some(error_text(&e)),
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct EditPage {
    ctx: Ctx,
    user: UserRow,
    roles: Vec<Role>,
    error: Option<String>,
    confirm_delete: bool,
}

fn parse_id(page: &PageUser, raw: &str) -> Result<i64, Response> {
    raw.parse::<i64>().map_err(|_| {
        super::message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such user",
            "That user does not exist.",
        )
    })
}

async fn edit_page(
    state: &AppState,
    page: &PageUser,
    id: &str,
    status: StatusCode,
    error: Option<String>,
    confirm_delete: bool,
) -> PageResult {
    let ctx = page.ctx("Edit user", NAV);
    require_admin(page, &ctx, REFUSAL)?;
    let id = parse_id(page, id)?;
    let (user, roles) = match (users::get(state, id).await, root_roles(state).await) {
        (Ok(u), Ok(r)) => (u, r),
        (Err(e), _) | (_, Err(e)) => return Err(page.fail()(e)),
    };
    let user = row(&user, &roles, page.user().user.id);
    Ok(render(
        &ctx,
        status,
        &EditPage {
            ctx: ctx.clone(),
            user,
            roles,
            error,
            confirm_delete,
        },
    ))
}

async fn edit(State(state): State<AppState>, page: PageUser, Path(id): Path<String>) -> PageResult {
    edit_page(&state, &page, &id, StatusCode::OK, None, false).await
}

async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    edit_page(&state, &page, &id, StatusCode::OK, None, true).await
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> PageResult {
    let ctx = page.ctx("Edit user", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&page, &raw)?;
    let input = UpdateUser {
        root_role: Some(RoleRef::Name(form.role.clone())),
        ..Default::default()
    };
    match users::update(&state, &auth, id, input).await {
        Ok(u) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            &format!("{} is now {}.", u.display_name(), form.role),
        )),
        Err(e) => edit_page(&state, &page, &raw, e.status(), Some(error_text(&e)), false).await,
    }
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> PageResult {
    let ctx = page.ctx("Edit user", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&page, &raw)?;
    match users::set_password(&state, &auth, id, form.password).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/admin/users/{id}/edit"),
            "The password has been reset.",
        )),
        Err(e) => edit_page(&state, &page, &raw, e.status(), Some(error_text(&e)), false).await,
    }
}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let ctx = page.ctx("Edit user", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&page, &raw)?;
    let name = users::get(&state, id)
        .await
        .map(|u| u.display_name())
        .unwrap_or_default();
    match users::delete(&state, &auth, id).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            &format!("User {name} deleted."),
        )),
        Err(e) => edit_page(&state, &page, &raw, e.status(), Some(error_text(&e)), false).await,
    }
}
