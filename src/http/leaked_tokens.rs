//! `POST /api/public/revoke-leaked-tokens`: anyone may report leaked tokens, which are
//! revoked at once; and `GET /api/admin/user/token-events`, where owners find out.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::auth::ClientAddr;
use super::extract::{ApiJson, Caller};
use super::wire::events::EventSchema;
use super::wire::tokens::TokenEventsBody;
use crate::error::{AppError, AppResult};
use crate::service::leaked_tokens::{self, LeakReportOutcome};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(revoke_leaked_tokens))
        .routes(routes!(own_token_events))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LeakReport {
    /// Token strings found exposed (at most 100), as they were found.
    tokens: Vec<String>,
}

/// Revokes every reported string that is a valid personal access token or API token. No
/// authentication; limited per client address (LEAKED_TOKEN_REPORT_LIMIT_PER_MINUTE). The
/// answer holds counts only, never which strings were tokens. Token formats for secret
/// scanners: docs/token-format.md.
#[utoipa::path(post, path = "/api/public/revoke-leaked-tokens", tag = "Leaked tokens", request_body = LeakReport, responses(
    (status = 200, description = "`{received, revoked}`", body = LeakReportOutcome),
    (status = 400, description = "Not a `{tokens: [string]}` body, or more than 100 tokens"),
    (status = 429, description = "Too many reports from this address; see Retry-After"),
))]
async fn revoke_leaked_tokens(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(report): ApiJson<LeakReport>,
) -> AppResult<Json<LeakReportOutcome>> {
    state
        .leak_report_limiter
        .check(&addr)
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    Ok(Json(
        leaked_tokens::revoke(&state, &report.tokens, &addr).await?,
    ))
}

/// Audit events about the caller's own tokens that were revoked after a leak report
/// (`pat-revoked-leaked`, `api-token-revoked-leaked` for API tokens the caller created),
/// newest first.
#[utoipa::path(get, path = "/api/admin/user/token-events", tag = "Leaked tokens", responses(
    (status = 200, description = "The events, newest first", body = TokenEventsBody),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "The caller is not a user (an API token)"),
))]
async fn own_token_events(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<TokenEventsBody>> {
    let user_id = p.user().map(|u| u.user.id).ok_or_else(|| {
        AppError::Forbidden(
            "Token events belong to users; sign in or use a personal access token.".into(),
        )
    })?;
    let events = leaked_tokens::events_for_owner(&state, user_id).await?;
    Ok(Json(TokenEventsBody {
        events: events.iter().map(EventSchema::from).collect(),
    }))
}
