//! Personal access tokens of the caller: `/api/admin/user/tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::http::extract::{parse_id, ApiJson, Caller};
use crate::service::tokens;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_pats, create_pat))
        .routes(routes!(delete_pat))
}

fn owner(p: &Principal) -> AppResult<i64> {
    p.user()
        .map(|u| u.user.id)
        .ok_or_else(|| AppError::Forbidden("PATs require an authenticated user.".into()))
}

/// The caller's personal access tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/api/admin/user/tokens", tag = "Personal access tokens", responses(
    (status = 200, description = "`{pats: [{id, description, expiresAt, createdAt, seenAt, userId, scope, expiryWarning?}]}`"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "The caller is not a user (an API token)"),
))]
async fn get_pats(State(state): State<AppState>, Caller(p): Caller) -> AppResult<Json<Value>> {
    let user_id = owner(&p)?;
    let now = state.clock.now();
    let leads = &state.config.token_expiry_notification_days;
    let pats: Vec<Value> = tokens::list_pats(&state, user_id)
        .await?
        .iter()
        .map(|t| t.to_json(now, leads))
        .collect();
    Ok(Json(json!({"pats": pats})))
}

/// Creates a personal access token for the caller. The answer holds the secret; it is
/// never shown again. An optional `scope` `{access: "read-only"|"read-write", projects,
/// environments}` (lists of ids, or `["*"]` for all) narrows what the token may do; without
/// it the token carries all of the owner's permissions.
#[utoipa::path(post, path = "/api/admin/user/tokens", tag = "Personal access tokens", responses(
    (status = 201, description = "The token, with `secret` and `scope`"),
    (status = 400, description = "Description missing, empty or too long; expiresAt missing, malformed or not in the future; scope with an unknown access value, project or environment"),
    (status = 403, description = "The caller already holds PAT_LIMIT unexpired tokens (OperationDeniedError), or calls with a scoped token"),
    (status = 409, description = "The caller has another token with this description"),
))]
async fn create_pat(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    owner(&p)?;
    let (pat, secret) = tokens::create_pat(&state, &p.authenticated(), &body).await?;
    let mut v = pat.to_json(
        state.clock.now(),
        &state.config.token_expiry_notification_days,
    );
    v["secret"] = json!(secret.expose());
    Ok((StatusCode::CREATED, Json(v)))
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
