//! The sign-in page and sign-out.
//!
//! Before there is a session, the sign-in form is protected by a double-submit token: a
//! random value in a short-lived cookie that the form must repeat.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::cookies::{constant_time_eq, cookie_path, read_cookie};
use super::forms::Empty;
use super::{safe_redirect, CsrfForm};
use crate::auth::session;
use crate::auth::token::random_b64;
use crate::error::AppError;
use crate::http::auth::ClientAddr;
use crate::service;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/sign-out", post(sign_out))
}

const LOGIN_CSRF_COOKIE: &str = "switchyard-login-csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    base: String,
    csrf: String,
    username: String,
    redirect: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    redirect: Option<String>,
}

fn page(
    state: &AppState,
    status: StatusCode,
    csrf: String,
    set_cookie: bool,
    p: LoginPage,
) -> Response {
    let html = match p.render() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut res = (status, Html(html)).into_response();
    if set_cookie {
        let cookie = format!(
            "{LOGIN_CSRF_COOKIE}={csrf}; Path={}; Max-Age=3600; HttpOnly; SameSite=Lax",
            cookie_path(state)
        );
        if let Ok(v) = cookie.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The login form's token: the existing cookie's, or a fresh one (then set as a cookie).
fn login_csrf(headers: &HeaderMap) -> (String, bool) {
    match read_cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(v)
            if v.len() >= 20
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (v, false)
        }
        _ => (random_b64(24), true),
    }
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let base = state.config.base_path();
    // Someone already signed in goes straight on.
    if let Some(value) = session::from_headers(&headers) {
        if let Ok(Some(_)) = service::caller::session_principal(&state, &value).await {
            let to =
                safe_redirect(&base, q.redirect.as_deref()).unwrap_or_else(|| format!("{base}/"));
            return Redirect::to(&to).into_response();
        }
    }
    let (csrf, fresh) = login_csrf(&headers);
    let redirect = safe_redirect(&base, q.redirect.as_deref()).unwrap_or_default();
    let p = LoginPage {
        base,
        csrf: csrf.clone(),
        username: String::new(),
        redirect,
        error: None,
        notice: None,
    };
    page(&state, StatusCode::OK, csrf, fresh, p)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    redirect: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let base = state.config.base_path();
    let redirect = safe_redirect(&base, Some(&form.redirect)).unwrap_or_default();
    let (csrf, fresh) = login_csrf(&headers);
    let again = |status: StatusCode, error: Option<String>, notice: Option<String>| {
        let p = LoginPage {
            base: base.clone(),
            csrf: csrf.clone(),
            username: form.username.clone(),
            redirect: redirect.clone(),
            error,
            notice,
        };
        page(&state, status, csrf.clone(), fresh, p)
    };
    if fresh || !constant_time_eq(&csrf, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            Some("The sign-in form had expired. Please try again.".into()),
            None,
        );
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return again(
            StatusCode::BAD_REQUEST,
            Some("Enter your username or email and your password.".into()),
            None,
        );
    }
    if let Err(wait) = state.login_limiter.check(&addr) {
        let notice = format!(
            "Too many sign-in attempts from your address. Please wait {wait} second{} and try again.",
            if wait == 1 { "" } else { "s" }
        );
        return again(StatusCode::TOO_MANY_REQUESTS, None, Some(notice));
    }
    let user = match service::users::login(&state, &form.username, &form.password).await {
        Ok(u) => u,
        Err(AppError::PasswordMismatch) => {
            return again(
                StatusCode::UNAUTHORIZED,
                Some("Wrong username, email or password. Check them and try again.".into()),
                None,
            )
        }
        Err(e) => return super::error_page(base.clone(), e),
    };
    let value = match service::caller::start_session(&state, user.id).await {
        Ok(v) => v,
        Err(e) => return super::error_page(base.clone(), e),
    };
    let cookie = session::cookie(
        &value,
        state.config.session_ttl_hours,
        session::is_https(&headers),
        &cookie_path(&state),
    );
    let to = if redirect.is_empty() {
        format!("{base}/")
    } else {
        redirect.clone()
    };
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, to), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_form): CsrfForm<Empty>,
) -> Response {
    if let Some(value) = session::from_headers(&headers) {
        if let Err(e) = service::caller::end_session(&state, &value).await {
            return super::error_page(state.config.base_path(), e);
        }
    }
    let location = format!("{}/login", state.config.base_path());
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::SET_COOKIE, session::removal(&cookie_path(&state))),
        ],
    )
        .into_response()
}
