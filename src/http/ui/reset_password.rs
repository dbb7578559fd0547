//! The page a password reset link opens: a form for the new password.
//!
//! No session exists yet, so the form carries no session-derived CSRF token; the reset
//! token itself is the secret a forged cross-site request would lack.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

use super::message_page;
use crate::domain::users::MIN_PASSWORD_LENGTH;
use crate::error::AppError;
use crate::service::password_reset;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reset-password", get(show).post(submit))
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    base: String,
    token: String,
    user: String,
    min_length: usize,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

fn invalid_link(base: &str) -> Response {
    message_page(
        base,
        StatusCode::UNAUTHORIZED,
        "This link does not work",
        "This password reset link is invalid, already used or expired. Ask an admin for a new one.",
    )
}

fn render(status: StatusCode, p: ResetPage) -> Response {
    match p.render() {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn show(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let base = state.config.base_path();
    match password_reset::validate(&state, &q.token).await {
        Ok((user, _)) => render(
            StatusCode::OK,
            ResetPage {
                base,
                token: q.token,
                user: user.display_name(),
                min_length: MIN_PASSWORD_LENGTH,
                error: None,
            },
        ),
        Err(AppError::Unauthorized(_)) => invalid_link(&base),
        Err(e) => super::error_page(base, e),
    }
}

async fn submit(State(state): State<AppState>, Form(form): Form<ResetForm>) -> Response {
    let base = state.config.base_path();
    let user = match password_reset::validate(&state, &form.token).await {
        Ok((u, _)) => u,
        Err(AppError::Unauthorized(_)) => return invalid_link(&base),
        Err(e) => return super::error_page(base, e),
    };
    let again = |error: String| {
        render(
            StatusCode::BAD_REQUEST,
            ResetPage {
                base: base.clone(),
                token: form.token.clone(),
                user: user.display_name(),
                min_length: MIN_PASSWORD_LENGTH,
                error: Some(error),
            },
        )
    };
    if form.password != form.confirm {
        return again("The two passwords differ. Type the same password twice.".into());
    }
    match password_reset::reset(&state, &form.token, form.password.clone()).await {
        Ok(()) => message_page(
            &base,
            StatusCode::OK,
            "Password changed",
            "Your new password is set. Sign in with it.",
        ),
        Err(AppError::Unauthorized(_)) => invalid_link(&base),
        Err(e @ AppError::BadData { .. }) => {
            let msg = e.body()["message"].as_str().unwrap_or("").to_string();
            again(msg)
        }
        Err(e) => super::error_page(base, e),
    }
}
