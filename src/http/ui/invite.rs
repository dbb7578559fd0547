//! Invite links in the UI: the admin page that creates and lists them (reached from Users),
//! and the public sign-up page `/new-user?invite=...` that the link opens.
//!
//! The sign-up form is used before there is a session, so like the sign-in form it is
//! protected by a double-submit token in a short-lived cookie.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::TimeDelta;

use super::cookies::{constant_time_eq, cookie_path, read_cookie};
use super::forms::Empty;
use super::widgets::require_admin;
use super::{
    date, error_text, message_page, redirect_with_flash, render, CsrfForm, Ctx, PageResult,
    PageUser,
};
use crate::auth::token::random_b64;
use crate::domain::users::iso;
use crate::http::admin::invite_links::public_base;
use crate::service::invite_links::{self, CreateInviteLink, InvitedUser};
use crate::state::AppState;
use crate::store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/invite-links", get(list).post(create))
        .route("/admin/invite-links/{id}/disable", post(disable))
        .route("/new-user", get(show_sign_up).post(sign_up))
}

const NAV: &str = "users";
const REFUSAL: &str = "Only admins can manage invite links.";

pub struct InviteRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub expires: String,
    pub enabled: bool,
    pub usable: bool,
    pub users: usize,
    pub created_by: String,
}

#[derive(Template)]
#[template(path = "invite_links.html")]
struct InviteLinksPage {
    ctx: Ctx,
    rows: Vec<InviteRow>,
    created_url: Option<String>,
    error: Option<String>,
}

async fn rows(state: &AppState) -> Result<Vec<InviteRow>, crate::error::AppError> {
    let now = state.clock.now();
    let mut db = state.db.clone();
    let mut out = Vec::new();
    for l in invite_links::list(state).await? {
        let role = store::roles::get(&mut db, l.role_id)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        let users = store::invite_links::user_ids(&mut db, l.id).await?.len();
        out.push(InviteRow {
            id: l.id,
            name: l.name.clone(),
            role,
            expires: date(l.expires_at),
            enabled: l.enabled,
            usable: invite_links::usable(&l, now),
            users,
            created_by: l.created_by.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The list page, read after any change the caller has just made.
async fn show(
    state: &AppState,
    page: &PageUser,
    ctx: Ctx,
    status: StatusCode,
    created_url: Option<String>,
    error: Option<String>,
) -> PageResult {
    let rows = rows(state).await.map_err(page.fail())?;
    Ok(render(
        &ctx,
        status,
        &InviteLinksPage {
            ctx: ctx.clone(),
            rows,
            created_url,
            error,
        },
    ))
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    let ctx = page.ctx("Invite links", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    show(&state, &page, ctx, StatusCode::OK, None, None).await
}

#[derive(serde::Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> PageResult {
    let ctx = page.ctx("Invite links", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let days: i64 = form.days.trim().parse().unwrap_or(7).clamp(1, 31);
    let expires_at = state.clock.now() + TimeDelta::days(days);
    let input = CreateInviteLink {
        name: Some(form.name),
        expires_at: Some(iso(expires_at)),
    };
    match invite_links::create(&state, &auth, input).await {
        Ok((_, secret)) => {
            let url = invite_links::invite_url(&public_base(&state, &headers), &secret);
            show(&state, &page, ctx, StatusCode::OK, Some(url), None).await
        }
        Err(e) => {
            let error = Some(error_text(&e));
            show(&state, &page, ctx, StatusCode::BAD_REQUEST, None, error).await
        }
    }
}

async fn disable(
    State(state): State<AppState>,
    page: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    let ctx = page.ctx("Invite links", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    invite_links::disable(&state, &auth, id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        "/admin/invite-links",
        "Invite link disabled.",
    ))
}

// ------------------------------------------------------------------ public sign-up page

const SIGNUP_CSRF_COOKIE: &str = "switchyard-signup-csrf";

#[derive(Template)]
#[template(path = "new_user.html")]
struct NewUserPage {
    base: String,
    csrf: String,
    invite: String,
    name: String,
    email: String,
    error: Option<String>,
}

fn signup_csrf(headers: &HeaderMap) -> (String, bool) {
    match read_cookie(headers, SIGNUP_CSRF_COOKIE) {
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

fn signup_page(state: &AppState, status: StatusCode, fresh: bool, p: NewUserPage) -> Response {
    let html = match p.render() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut res = (status, Html(html)).into_response();
    if fresh {
        let cookie = format!(
            "{SIGNUP_CSRF_COOKIE}={}; Path={}; Max-Age=3600; HttpOnly; SameSite=Lax",
            p.csrf,
            cookie_path(state)
        );
        if let Ok(v) = cookie.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    res
}

const NOT_USABLE: &str = "This invite link is unknown, disabled or expired. Ask an admin of this Switchyard for a new one.";

#[derive(serde::Deserialize, Default)]
pub struct InviteQuery {
    invite: Option<String>,
}

async fn show_sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<InviteQuery>,
) -> Response {
    let base = state.config.base_path();
    let invite = q.invite.unwrap_or_default();
    match invite_links::is_valid(&state, &invite).await {
        Ok(true) => {}
        Ok(false) => {
            return message_page(
                &base,
                StatusCode::BAD_REQUEST,
                "Invite link not valid",
                NOT_USABLE,
            )
        }
        Err(e) => return super::error_page(base, e),
    }
    let (csrf, fresh) = signup_csrf(&headers);
    let p = NewUserPage {
        base,
        csrf,
        invite,
        name: String::new(),
        email: String::new(),
        error: None,
    };
    signup_page(&state, StatusCode::OK, fresh, p)
}

#[derive(serde::Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    invite: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Response {
    let base = state.config.base_path();
    let (csrf, fresh) = signup_csrf(&headers);
    let again = |status: StatusCode, error: String| {
        let p = NewUserPage {
            base: base.clone(),
            csrf: csrf.clone(),
            invite: form.invite.clone(),
            name: form.name.clone(),
            email: form.email.clone(),
            error: Some(error),
        };
        signup_page(&state, status, fresh, p)
    };
    if fresh || !constant_time_eq(&csrf, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "The form had expired. Please try again.".into(),
        );
    }
    let input = InvitedUser {
        username: None,
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        password: Some(form.password.clone()),
    };
    match invite_links::sign_up(&state, &form.invite, input).await {
        Ok(_) => message_page(
            &base,
            StatusCode::OK,
            "Account created",
            "Your account is ready. Sign in with your email and password.",
        ),
        Err(e) => again(StatusCode::BAD_REQUEST, error_text(&e)),
    }
}
