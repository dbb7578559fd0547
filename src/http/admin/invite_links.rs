//! Invite links: `/api/admin/invite-link/tokens` for admins, and the public
//! `/invite/{token}/validate` and `/invite/{token}/signup` for the people invited.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::users::{InviteLinkBody, InviteLinkListBody, UserBody};
use crate::service::invite_links::{self, CreateInviteLink, InvitedUser, UpdateInviteLink};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_links, create_link))
        .routes(routes!(get_link, update_link))
        .routes(routes!(validate_link))
        .routes(routes!(sign_up))
}

/// A request path fit for logs: an invite link's secret in the path is replaced by `***`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for marker in ["/invite/", "/invite-link/tokens/"] {
        if let Some(at) = path.find(marker) {
            let start = at + marker.len();
            let rest = &path[start..];
            let end = rest.find('/').map_or(path.len(), |i| start + i);
            if end > start {
                return std::borrow::Cow::Owned(format!("{}***{}", &path[..start], &path[end..]));
            }
        }
    }
    std::borrow::Cow::Borrowed(path)
}

/// Where this server is reached, for the links it hands out: `UNLEASH_URL` when set, else
/// as the caller reached it.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if state
        .config
        .unleash_url
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty())
    {
        return state.config.public_url();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost:4242");
    let scheme = if crate::auth::session::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{}", state.config.base_path())
}

/// Every invite link (ADMIN). Secrets are stored only as digests, so `secret` and `url` are
/// null here; they are shown once, when a link is created.
#[utoipa::path(get, path = "/api/admin/invite-link/tokens", tag = "Public signup tokens", responses(
    (status = 200, description = "Every link, without secrets", body = InviteLinkListBody),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_links(
    State(state): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
) -> AppResult<Json<InviteLinkListBody>> {
    p.require_admin()?;
    let base = public_base(&state, &headers);
    let mut db = state.db.clone();
    let mut tokens = Vec::new();
    for link in invite_links::list(&state).await? {
        let details = invite_links::details(&mut db, &link).await?;
        tokens.push(InviteLinkBody::new(&details, None, &base));
    }
    Ok(Json(InviteLinkListBody { tokens }))
}

/// Creates an invite link (ADMIN): sign-ups get the Viewer role; it expires at `expiresAt`,
/// at most a month from now. The answer carries the secret and the link, this once.
#[utoipa::path(post, path = "/api/admin/invite-link/tokens", tag = "Public signup tokens", request_body = CreateInviteLink, responses(
    (status = 201, description = "`publicSignupTokenSchema` with `secret` and `url`", body = InviteLinkBody),
    (status = 400, description = "No name, or no valid expiresAt"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn create_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateInviteLink>,
) -> AppResult<Response> {
    let auth = p.require_admin()?;
    let (link, secret) = invite_links::create(&state, &auth, body).await?;
    let mut db = state.db.clone();
    let details = invite_links::details(&mut db, &link).await?;
    let body = InviteLinkBody::new(&details, Some(&secret), &public_base(&state, &headers));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("tokens/{secret}"))],
        Json(body),
    )
        .into_response())
}

/// One invite link, by its secret (ADMIN).
#[utoipa::path(get, path = "/api/admin/invite-link/tokens/{token}", tag = "Public signup tokens", params(("token" = String, Path, description = "The link's secret")), responses(
    (status = 200, description = "`publicSignupTokenSchema`", body = InviteLinkBody),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No link with that secret"),
))]
async fn get_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> AppResult<Json<InviteLinkBody>> {
    p.require_admin()?;
    let link = invite_links::get(&state, &secret).await?;
    let mut db = state.db.clone();
    let details = invite_links::details(&mut db, &link).await?;
    Ok(Json(InviteLinkBody::new(
        &details,
        Some(&secret),
        &public_base(&state, &headers),
    )))
}

/// Enables, disables or re-dates an invite link (ADMIN).
#[utoipa::path(put, path = "/api/admin/invite-link/tokens/{token}", tag = "Public signup tokens", params(("token" = String, Path, description = "The link's secret")), request_body = UpdateInviteLink, responses(
    (status = 200, description = "`publicSignupTokenSchema`", body = InviteLinkBody),
    (status = 400, description = "Neither enabled nor expiresAt"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No link with that secret"),
))]
async fn update_link(
    State(state): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    Path(secret): Path<String>,
    ApiJson(body): ApiJson<UpdateInviteLink>,
) -> AppResult<Json<InviteLinkBody>> {
    let auth = p.require_admin()?;
    let link = invite_links::update(&state, &auth, &secret, body).await?;
    let mut db = state.db.clone();
    let details = invite_links::details(&mut db, &link).await?;
    Ok(Json(InviteLinkBody::new(
        &details,
        Some(&secret),
        &public_base(&state, &headers),
    )))
}

/// Whether an invite link may be used: 200 if so, 400 if it is unknown, disabled or expired.
#[utoipa::path(get, path = "/invite/{token}/validate", tag = "Public signup tokens", params(("token" = String, Path, description = "The link's secret")), responses(
    (status = 200, description = "Usable"),
    (status = 400, description = "Unknown, disabled or expired"),
))]
async fn validate_link(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> AppResult<StatusCode> {
    if invite_links::is_valid(&state, &secret).await? {
        Ok(StatusCode::OK)
    } else {
        Err(AppError::bad_data(
            "This invite link is not valid: it is unknown, disabled or expired.",
        ))
    }
}

/// Creates an account through an invite link, with the link's role (`createInvitedUserSchema`:
/// email, name, password, optional username).
#[utoipa::path(post, path = "/invite/{token}/signup", tag = "Public signup tokens", params(("token" = String, Path, description = "The link's secret")), request_body = InvitedUser, responses(
    (status = 200, description = "`userSchema` of the new user", body = UserBody),
    (status = 400, description = "The link is not usable, a field is missing or too weak, or a user with that email or username exists"),
))]
async fn sign_up(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    ApiJson(body): ApiJson<InvitedUser>,
) -> AppResult<Json<UserBody>> {
    let user = invite_links::sign_up(&state, &secret, body).await?;
    Ok(Json((&user).into()))
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn invite_secrets_stay_out_of_logs() {
        assert_eq!(loggable_path("/invite/abc123/signup"), "/invite/***/signup");
        assert_eq!(
            loggable_path("/x/api/admin/invite-link/tokens/abc123"),
            "/x/api/admin/invite-link/tokens/***"
        );
        assert_eq!(
            loggable_path("/api/admin/invite-link/tokens"),
            "/api/admin/invite-link/tokens"
        );
        assert_eq!(
            loggable_path("/api/client/features"),
            "/api/client/features"
        );
    }
}
