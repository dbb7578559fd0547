//! `GET /api/admin/ui-config`: what the web UI (Unleash's or ours) needs to know.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_ui_config))
}

/// Server name and version, base path, authentication type, limits and frontend API origins.
#[utoipa::path(get, path = "/api/admin/ui-config", tag = "Admin UI", responses(
    (status = 200, description = "Unleash's `uiConfigSchema`"),
    (status = 401, description = "Not signed in"),
))]
async fn get_ui_config(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Value>> {
    let version = env!("CARGO_PKG_VERSION");
    let cfg = &state.config;
    Ok(Json(json!({
        "name": "Switchyard",
        "slogan": "Feature flags, with personal access tokens done properly.",
        "version": version,
        "environment": "Open Source",
        "unleashUrl": "",
        "baseUriPath": cfg.base_path(),
        "disablePasswordAuth": false,
        "emailEnabled": false,
        "maintenanceMode": crate::service::maintenance::is_enabled(&state).await?,
        "authenticationType": "open-source",
        "frontendApiOrigins": cfg.cors_origins,
        "resourceLimits": {"personalAccessTokens": cfg.pat_limit},
        "patMaxLifetimeDays": crate::service::token_policy::pat_lifetime_limit(&state).await?,
        "prometheusAPIAvailable": false,
        "flags": {"personalAccessTokensKillSwitch": cfg.pat_kill_switch},
        "links": [],
        "versionInfo": {"current": {"oss": version}, "latest": {}, "isLatest": true},
    })))
}
