//! The token lifetime policy: `GET|PUT /api/admin/token-policy` (Admin only).

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::tokens::TokenPolicyRequest;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::tokens::TokenPolicyBody;
use crate::service::token_policy;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_token_policy, put_token_policy))
}

/// The token policy: `{patMaxLifetimeDays, revokeUnusedAfterDays}` (null when unset), plus
/// `patMaxLifetimeDaysCeiling` (PAT_MAX_LIFETIME_DAYS) and `effectivePatMaxLifetimeDays`.
#[utoipa::path(get, path = "/api/admin/token-policy", tag = "Personal access tokens", responses(
    (status = 200, description = "The policy", body = TokenPolicyBody),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn get_token_policy(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<TokenPolicyBody>> {
    p.require_admin()?;
    let policy = token_policy::policy(&state).await?;
    Ok(Json(TokenPolicyBody::new(
        policy,
        state.config.pat_max_lifetime_days,
    )))
}

/// Replaces the token policy. Both fields are required; `null` clears one. A lifetime limit
/// applies to PATs created or rotated afterwards; unused tokens are deleted by a background
/// job with a `pat-deleted` event whose reason is "unused".
#[utoipa::path(put, path = "/api/admin/token-policy", tag = "Personal access tokens", request_body = TokenPolicyRequest, responses(
    (status = 200, description = "The policy as GET answers it", body = TokenPolicyBody),
    (status = 400, description = "A field missing, not a whole number of days from 1 to 3650, or above PAT_MAX_LIFETIME_DAYS"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn put_token_policy(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<TokenPolicyRequest>,
) -> AppResult<Json<TokenPolicyBody>> {
    let auth = p.require_admin()?;
    let policy = token_policy::set_policy(&state, &auth, &body).await?;
    Ok(Json(TokenPolicyBody::new(
        policy,
        state.config.pat_max_lifetime_days,
    )))
}
