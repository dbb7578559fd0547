//! The routes Unleash Edge calls on its upstream besides the client API: token validation
//! (`/edge/validate`, no authentication, as in Unleash) and Edge's report about itself
//! (`/api/client/metrics/edge`). Edge's usage metrics arrive on `/api/client/metrics/bulk`
//! (see `client`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::auth::ClientAddr;
use super::extract::ApiJson;
use super::wire::tokens::ValidatedEdgeTokens;
use crate::auth::ApiTokenKind;
use crate::error::AppResult;
use crate::service::caller::sdk_principal;
use crate::service::edge;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(validate_tokens))
        .routes(routes!(edge_instance_data))
}

/// The tokens to check (request body of `POST /edge/validate`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the body in the OpenAPI document; the handler reads it as JSON.
pub struct TokenStringList {
    /// API tokens as Edge was given them, e.g. `*:development.v2_…`.
    tokens: Vec<String>,
}

/// Which of these tokens are valid. Unknown, deleted, expired and malformed tokens (and
/// personal access tokens) are left out of the answer; they are not errors. Needs no
/// authentication, as in Unleash: the caller must already hold each secret it asks about.
#[utoipa::path(post, path = "/edge/validate", tag = "Unleash Edge",
    request_body = TokenStringList,
    responses(
        (status = 200, description = "The valid tokens with their type, environment and projects", body = ValidatedEdgeTokens),
        (status = 400, description = "`tokens` missing or not an array of strings"),
        (status = 415, description = "Not a JSON body"),
    ))]
async fn validate_tokens(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<ValidatedEdgeTokens>> {
    let tokens = edge::parse_token_list(&body)?;
    Ok(Json(edge::validate_tokens(&state, &tokens).await?.into()))
}

/// Unleash Edge reports itself (identifier, version, traffic, upstream latency). Switchyard
/// records the Edge instance under its application (visible in
/// `/api/admin/metrics/applications` with `sdkVersion` `unleash-edge:<version>`); the traffic
/// figures are accepted but not kept.
#[utoipa::path(post, path = "/api/client/metrics/edge", tag = "Unleash Edge", responses(
    (status = 202, description = "Accepted"),
    (status = 400, description = "`identifier`, `appName` or `edgeVersion` missing"),
    (status = 401, description = "No or unknown token"),
    (status = 403, description = "Not a client (backend) token"),
))]
async fn edge_instance_data(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    edge::record_instance_data(&state, &token.environment, &body, Some(&addr)).await?;
    Ok(StatusCode::ACCEPTED)
}
