//! `GET /api/admin/ui-config`: what the web UI (Unleash's or ours) needs to know.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::http::wire::operations::{
    CurrentVersionBody, ResourceLimitsBody, UiConfigBody, UiFlagsBody, VersionInfoBody,
};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_ui_config))
}

/// Server name and version, base path, authentication type, limits and frontend API origins.
#[utoipa::path(get, path = "/api/admin/ui-config", tag = "Admin UI", responses(
    (status = 200, description = "Unleash's `uiConfigSchema`", body = UiConfigBody),
    (status = 401, description = "Not signed in"),
))]
async fn get_ui_config(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<UiConfigBody>> {
    let version = env!("CARGO_PKG_VERSION");
    let cfg = &state.config;
    Ok(Json(UiConfigBody {
        name: "Switchyard".into(),
        slogan: "Feature flags, with personal access tokens done properly.".into(),
        version: version.into(),
        environment: "Open Source".into(),
        unleash_url: String::new(),
        base_uri_path: cfg.base_path(),
        disable_password_auth: false,
        email_enabled: false,
        maintenance_mode: crate::service::maintenance::is_enabled(&state).await?,
        authentication_type: "open-source".into(),
        frontend_api_origins: cfg.cors_origins.clone(),
        resource_limits: ResourceLimitsBody {
            personal_access_tokens: cfg.pat_limit,
        },
        pat_max_lifetime_days: crate::service::token_policy::pat_lifetime_limit(&state).await?,
        prometheus_api_available: false,
        flags: UiFlagsBody {
            personal_access_tokens_kill_switch: cfg.pat_kill_switch,
        },
        links: Vec::new(),
        version_info: VersionInfoBody {
            current: CurrentVersionBody {
                oss: version.into(),
            },
            latest: serde_json::Value::Object(Default::default()),
            is_latest: true,
        },
    }))
}
