//! Sign-in with username (or email) and password, and sign-out.

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiJson;
use super::wire::users::{ResetTokenUserBody, RoleBody, UserBody};
use crate::auth::session;
use crate::error::{AppError, AppResult};
use crate::service;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout_post, logout_get))
        .routes(routes!(validate_reset_token))
        .routes(routes!(reset_password))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ResetTokenQuery {
    /// The token from a password reset link.
    token: Option<String>,
}

/// The user a password reset token belongs to, if the token is unused and unexpired.
#[utoipa::path(get, path = "/auth/reset/validate", tag = "Auth", params(ResetTokenQuery), responses(
    (status = 200, description = "The user the token belongs to", body = ResetTokenUserBody),
    (status = 401, description = "Invalid, used or expired token"),
))]
async fn validate_reset_token(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<ResetTokenQuery>,
) -> AppResult<Json<ResetTokenUserBody>> {
    let token = q.token.unwrap_or_default();
    let (user, created_by) = service::password_reset::validate(&state, &token).await?;
    let role = service::users::roles(&state)
        .await?
        .into_iter()
        .find(|r| r.id == user.root_role_id);
    Ok(Json(ResetTokenUserBody {
        id: user.id,
        name: user.name.clone(),
        email: user
            .email
            .clone()
            .or(user.username.clone())
            .unwrap_or_default(),
        token,
        created_by,
        role: role.as_ref().map(RoleBody::from),
    }))
}

/// A reset token and the new password.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewPasswordBody {
    token: String,
    password: String,
}

/// Sets a new password with a reset token; the token then stops working.
#[utoipa::path(post, path = "/auth/reset/password", tag = "Auth", request_body = NewPasswordBody, responses(
    (status = 200, description = "Password changed"),
    (status = 400, description = "The password does not meet the rules"),
    (status = 401, description = "Invalid, used or expired token"),
))]
async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewPasswordBody>,
) -> AppResult<()> {
    service::password_reset::reset(&state, &body.token, body.password).await
}

/// The address of the client, for rate limiting and last-use records: the TCP peer, or the
/// address in `TRUSTED_PROXY_HEADER` when configured; "unknown" when neither is known.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr
where
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(ClientAddr(
            super::client_address::client_ip(parts, state.config.trusted_proxy_header.as_deref())
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// A username or an email address.
    username: String,
    password: String,
}

/// Signs in and sets the session cookie.
#[utoipa::path(post, path = "/auth/simple/login", tag = "Auth", request_body = LoginBody, responses(
    (status = 200, description = "The signed-in user; sets the `unleash-session` cookie", body = UserBody),
    (status = 401, description = "Wrong username or password (PasswordMismatch)"),
    (status = 429, description = "Too many attempts from this address; see Retry-After"),
))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> AppResult<Response> {
    state
        .login_limiter
        .check(&addr)
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let user = service::users::login(&state, &body.username, &body.password).await?;
    let value = service::caller::start_session(&state, user.id).await?;
    let cookie = session::cookie(
        &value,
        state.config.session_ttl_hours,
        session::is_https(&headers),
        &cookie_path(&state),
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(UserBody::from(&user))).into_response())
}

fn cookie_path(state: &AppState) -> String {
    let base = state.config.base_path();
    if base.is_empty() {
        "/".into()
    } else {
        base
    }
}

async fn logout(state: AppState, headers: HeaderMap) -> AppResult<Response> {
    if let Some(value) = session::from_headers(&headers) {
        service::caller::end_session(&state, &value).await?;
    }
    let location = format!("{}/login", state.config.base_path());
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::SET_COOKIE, session::removal(&cookie_path(&state))),
        ],
    )
        .into_response())
}

/// Ends the session and redirects to the sign-in page.
#[utoipa::path(post, path = "/logout", tag = "Auth", responses((status = 302, description = "Session ended")))]
async fn logout_post(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    logout(state, headers).await
}

/// Ends the session and redirects to the sign-in page.
#[utoipa::path(get, path = "/logout", tag = "Auth", responses((status = 302, description = "Session ended")))]
async fn logout_get(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    logout(state, headers).await
}
