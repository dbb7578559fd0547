//! Personal access tokens of the caller: `/api/admin/user/tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::domain::tokens::{CreatePatRequest, RotateRequest};
use crate::error::{AppError, AppResult};
use crate::http::extract::{optional_json, parse_id, ApiJson, Caller};
use crate::http::wire::tokens::{PatBody, PatListBody};
use crate::service::tokens;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_pats, create_pat))
        .routes(routes!(delete_pat))
        .routes(routes!(rotate_pat))
}

fn owner(p: &Principal) -> AppResult<i64> {
    p.user()
        .map(|u| u.user.id)
        .ok_or_else(|| AppError::Forbidden("PATs require an authenticated user.".into()))
}

/// The caller's personal access tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/api/admin/user/tokens", tag = "Personal access tokens", responses(
    (status = 200, description = "The caller's tokens, each with its last client addresses", body = PatListBody),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "The caller is not a user (an API token)"),
    (status = 404, description = "UNLEASH_PAT_KILL_SWITCH is on"),
))]
async fn get_pats(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<PatListBody>> {
    let user_id = owner(&p)?;
    crate::service::token_policy::ensure_pats_enabled(&state)?;
    let now = state.clock.now();
    let leads = &state.config.token_expiry_notification_days;
    let list = tokens::list_pats(&state, user_id).await?;
    let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
    let mut addresses = crate::service::token_inventory::pat_addresses(&state, &ids).await?;
    let pats = list
        .iter()
        .map(|t| {
            let seen = addresses.remove(&t.id).unwrap_or_default();
            PatBody::new(t, now, leads).with_addresses(&seen)
        })
        .collect();
    Ok(Json(PatListBody { pats }))
}

/// Creates a personal access token for the caller. The answer holds the secret; it is
/// never shown again. An optional `scope` `{access: "read-only"|"read-write", projects,
/// environments}` (lists of ids, or `["*"]` for all) narrows what the token may do; without
/// it the token carries all of the owner's permissions.
#[utoipa::path(post, path = "/api/admin/user/tokens", tag = "Personal access tokens", request_body = CreatePatRequest, responses(
    (status = 201, description = "The token, with `secret` and `scope`", body = PatBody),
    (status = 400, description = "Description missing, empty or too long; expiresAt missing, malformed, not in the future or past the token policy's lifetime limit; scope with an unknown access value, project or environment"),
    (status = 403, description = "The caller already holds PAT_LIMIT unexpired tokens, is a service account, or calls with a scoped token (OperationDeniedError)"),
    (status = 404, description = "UNLEASH_PAT_KILL_SWITCH is on"),
    (status = 409, description = "The caller has another token with this description"),
))]
async fn create_pat(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreatePatRequest>,
) -> AppResult<(StatusCode, Json<PatBody>)> {
    owner(&p)?;
    // Otherwise a leaked service-account token could mint itself successors.
    if p.user().is_some_and(|u| u.user.is_service) {
        return Err(AppError::OperationDenied(
            "A service account cannot create tokens for itself; an Admin creates them with POST /api/admin/service-account/{id}/token.".into(),
        ));
    }
    let (pat, secret) = tokens::create_pat(&state, &p.authenticated(), &body).await?;
    let body = PatBody::new(
        &pat,
        state.clock.now(),
        &state.config.token_expiry_notification_days,
    )
    .with_secret(secret.expose());
    Ok((StatusCode::CREATED, Json(body)))
}

/// Deletes one of the caller's tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/admin/user/tokens/{id}", tag = "Personal access tokens", params(("id" = i64, Path, description = "Token id")), responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "The id is not an integer"),
    (status = 404, description = "The caller has no token with this id"),
))]
async fn delete_pat(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<()> {
    let id = parse_id("id", &id)?;
    owner(&p)?;
    tokens::delete_pat(&state, &p.authenticated(), id).await
}

/// Rotates one of the caller's tokens: answers a new token (same description and scope) with
/// its secret, shown once. The old token keeps working for the grace period
/// (`graceDays` 0 to 7, default 1; or `graceHours` 0 to 168), then is refused. The new
/// token's expiry is `expiresAt`, or by default the old token's lifetime counted from now,
/// within the token policy.
#[utoipa::path(post, path = "/api/admin/user/tokens/{id}/rotate", tag = "Personal access tokens", params(("id" = i64, Path, description = "Token id")), request_body(content = RotateRequest, description = "The grace and the new expiry; an empty body takes the defaults"), responses(
    (status = 201, description = "The new token, with `secret`", body = PatBody),
    (status = 400, description = "Grace out of range, expiry malformed or past the lifetime limit, or the token was already rotated or has expired"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "The caller has no token with this id, or UNLEASH_PAT_KILL_SWITCH is on"),
))]
async fn rotate_pat(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<PatBody>)> {
    let id = parse_id("id", &id)?;
    owner(&p)?;
    let body = RotateRequest::from(optional_json(&headers, &body)?);
    let (pat, secret) =
        crate::service::token_rotation::rotate_pat(&state, &p.authenticated(), id, &body).await?;
    let body = PatBody::new(
        &pat,
        state.clock.now(),
        &state.config.token_expiry_notification_days,
    )
    .with_secret(secret.expose());
    Ok((StatusCode::CREATED, Json(body)))
}
