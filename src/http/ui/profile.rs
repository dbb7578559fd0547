//! The signed-in user's own pages: profile and change password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::service;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/profile", get(profile)).route(
        "/profile/change-password",
        get(show_change_password).post(change_password),
    )
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    ctx: Ctx,
    tab: &'static str,
    name: String,
    username: String,
    email: String,
    role: String,
    created: String,
    seen: String,
}

async fn profile(State(state): State<AppState>, page: PageUser) -> PageResult {
    let ctx = page.ctx("Profile", "profile");
    let u = &page.user().user;
    let role = service::users::roles(&state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .find(|r| r.id == u.root_role_id)
        .map(|r| r.name)
        .unwrap_or_default();
    let p = ProfilePage {
        ctx: ctx.clone(),
        tab: "profile",
        name: u.name.clone().unwrap_or_default(),
        username: u.username.clone().unwrap_or_default(),
        email: u.email.clone().unwrap_or_default(),
        role,
        created: date(u.created_at),
        seen: u.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
    };
    Ok(render(&ctx, StatusCode::OK, &p))
}

#[derive(Template)]
#[template(path = "change_password.html")]
struct ChangePasswordPage {
    ctx: Ctx,
    tab: &'static str,
    error: Option<String>,
}

async fn show_change_password(page: PageUser) -> Response {
    let ctx = page.ctx("Change password", "profile");
    render(
        &ctx,
        StatusCode::OK,
        &ChangePasswordPage {
            ctx: ctx.clone(),
            tab: "password",
            error: None,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let ctx = page.ctx("Change password", "profile");
    let fail = |msg: String| {
        render(
            &ctx,
            StatusCode::BAD_REQUEST,
            &ChangePasswordPage {
                ctx: ctx.clone(),
                tab: "password",
                error: Some(msg),
            },
        )
    };
    if form.password != form.confirm_password {
        return fail("The new passwords do not match.".into());
    }
    let u = &page.user().user;
    let login = u.username.clone().or(u.email.clone()).unwrap_or_default();
    if service::users::login(&state, &login, &form.old_password)
        .await
        .is_err()
    {
        return fail("Your current password is not correct.".into());
    }
    match service::users::set_password(&state, &page.principal.authenticated(), u.id, form.password)
        .await
    {
        Ok(()) => redirect_with_flash(
            &state,
            "/profile/change-password",
            "Your password has been changed.",
        ),
        Err(e) => fail(error_text(&e)),
    }
}
