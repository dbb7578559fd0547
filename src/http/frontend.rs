//! The frontend API for browser and mobile SDKs (frontend tokens): flags evaluated on the
//! server for the context the client sends.

use std::hash::{Hash, Hasher};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use unleash_types::client_features::Context;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::client::etag_matches;
use super::extract::ApiJson;
use crate::auth::ApiTokenKind;
use crate::domain::sdk_context;
use crate::error::{AppError, AppResult};
use crate::http::wire::sdk::{FrontendToggle, FrontendToggles, FrontendVariant};
use crate::service::caller::sdk_principal;
use crate::service::metrics;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_frontend, post_frontend))
        .routes(routes!(frontend_metrics))
        .routes(routes!(frontend_register))
}

/// The context of a GET: top-level fields, `properties[name]=value`, and any other key as
/// a property, exactly as sent (no invented session id).
pub fn context_from_query(raw: &str) -> Context {
    let mut ctx = sdk_context::empty();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let key = k.as_ref();
        if let Some(name) = key
            .strip_prefix("properties[")
            .and_then(|r| r.strip_suffix(']'))
        {
            sdk_context::set_property(&mut ctx, name, v.to_string());
        } else {
            sdk_context::set_field(&mut ctx, key, v.to_string());
        }
    }
    ctx
}

/// The context of a POST: `{"context": {...}}` (or the fields at the top level).
pub fn context_from_body(body: &Value) -> AppResult<Context> {
    let obj = body.get("context").unwrap_or(body);
    let Some(map) = obj.as_object() else {
        return Err(AppError::bad_field(
            "/body/context",
            "The `/body/context` property must be an object.",
        ));
    };
    Ok(sdk_context::from_object(map, true))
}

/// Evaluates every flag of the token's projects and environment for the context exactly as
/// sent: nothing is invented (no session id, no environment the client did not give).
async fn evaluate(state: &AppState, headers: &HeaderMap, ctx: Context) -> AppResult<Response> {
    let token = sdk_principal(state, headers, ApiTokenKind::Frontend).await?;
    let snap = state
        .features
        .snapshot(&state.db, &token.environment)
        .await?;
    let engine = snap.engine(&token.projects);
    // One evaluation per flag: the variant call reports whether the flag is on, and the
    // answer lists only the flags that are.
    let toggles: Vec<FrontendToggle<'_>> = engine
        .flags
        .iter()
        .filter_map(|(name, impression_data)| {
            let v = engine.state.get_variant(name, &ctx, &None);
            v.feature_enabled.then(|| FrontendToggle {
                enabled: true,
                impression_data: *impression_data,
                name,
                variant: FrontendVariant {
                    enabled: v.enabled,
                    feature_enabled_camel: v.feature_enabled,
                    feature_enabled: v.feature_enabled,
                    name: v.name,
                    payload: v.payload,
                },
            })
        })
        .collect();
    let body = serde_json::to_vec(&FrontendToggles { toggles }).map_err(AppError::internal)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    if etag_matches(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            ),
            (header::ETAG, etag_value),
        ],
        Bytes::from(body),
    )
        .into_response())
}

/// The enabled flags for the context in the query string.
#[utoipa::path(get, path = "/api/frontend", tag = "Frontend API", responses(
    (status = 200, description = "The flags enabled for the context in the query", body = FrontendToggles),
    (status = 304, description = "Same result as the ETag in If-None-Match"),
    (status = 401, description = "No or unknown token"),
    (status = 403, description = "Not a frontend token"),
))]
async fn get_frontend(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    evaluate(
        &state,
        &headers,
        context_from_query(query.as_deref().unwrap_or("")),
    )
    .await
}

/// The enabled flags for the context in the body (`{"context": {...}}`).
#[utoipa::path(post, path = "/api/frontend", tag = "Frontend API", responses(
    (status = 200, description = "The flags enabled for the context in the body", body = FrontendToggles),
    (status = 400, description = "The context is not an object"),
))]
async fn post_frontend(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    evaluate(&state, &headers, context_from_body(&body)?).await
}

/// Usage counts from a browser or mobile SDK.
#[utoipa::path(post, path = "/api/frontend/client/metrics", tag = "Frontend API", responses((status = 202, description = "Accepted")))]
async fn frontend_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Frontend).await?;
    metrics::record(&state, &token.environment, &body).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A browser or mobile SDK registers itself.
#[utoipa::path(post, path = "/api/frontend/client/register", tag = "Frontend API", responses((status = 202, description = "Accepted")))]
async fn frontend_register(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Frontend).await?;
    metrics::register(&state, &token.environment, &body, None).await?;
    Ok(StatusCode::ACCEPTED)
}
