//! Answers about running the server: health, maintenance mode, the UI configuration and
//! the instance statistics.

use serde::Serialize;
use utoipa::ToSchema;

/// Liveness or readiness.
#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    /// `GOOD`, or `BAD` when the database does not answer.
    pub health: String,
}

/// Whether maintenance mode is on (Unleash's `maintenanceSchema`).
#[derive(Serialize, ToSchema)]
pub struct MaintenanceBody {
    /// True while changes through the Admin API and the web UI are paused.
    pub enabled: bool,
}

/// Per-resource limits the UI shows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceLimitsBody {
    /// Unexpired personal access tokens one user may hold (PAT_LIMIT).
    pub personal_access_tokens: u32,
}

/// Feature switches of the server the UI follows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UiFlagsBody {
    /// UNLEASH_PAT_KILL_SWITCH: personal access tokens are hidden and refused.
    pub personal_access_tokens_kill_switch: bool,
}

/// The running version.
#[derive(Serialize, ToSchema)]
pub struct CurrentVersionBody {
    /// Switchyard's version.
    pub oss: String,
}

/// The running version and whether it is the latest.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfoBody {
    pub current: CurrentVersionBody,
    /// Always empty: Switchyard does not look for newer versions.
    #[schema(value_type = Object)]
    pub latest: serde_json::Value,
    /// Always true.
    pub is_latest: bool,
}

/// What the web UI needs to know (Unleash's `uiConfigSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UiConfigBody {
    /// `Switchyard`.
    pub name: String,
    pub slogan: String,
    pub version: String,
    /// `Open Source`.
    pub environment: String,
    /// Always empty.
    pub unleash_url: String,
    /// BASE_URI_PATH, or empty.
    pub base_uri_path: String,
    /// Always false: users sign in with a password.
    pub disable_password_auth: bool,
    /// Always false: Switchyard sends no email.
    pub email_enabled: bool,
    pub maintenance_mode: bool,
    /// `open-source`.
    pub authentication_type: String,
    /// Origins allowed to call the frontend API from browsers (CORS_ORIGINS).
    pub frontend_api_origins: Vec<String>,
    pub resource_limits: ResourceLimitsBody,
    /// The lifetime limit on new personal access tokens in force, in days; null when none.
    #[schema(required = true)]
    pub pat_max_lifetime_days: Option<u32>,
    /// Always false.
    #[serde(rename = "prometheusAPIAvailable")]
    pub prometheus_api_available: bool,
    pub flags: UiFlagsBody,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<serde_json::Value>,
    pub version_info: VersionInfoBody,
}
