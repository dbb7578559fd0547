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

/// API tokens of each type.
#[derive(Serialize, ToSchema)]
pub struct ApiTokenCountsBody {
    pub client: i64,
    pub frontend: i64,
    pub admin: i64,
}

/// Users seen within the last 7, 30, 60 and 90 days.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveUsersBody {
    pub last7: i64,
    pub last30: i64,
    pub last60: i64,
    pub last90: i64,
}

/// Applications seen within a time range.
#[derive(Serialize, ToSchema)]
pub struct ClientAppsBody {
    /// `7d`, `30d` or `allTime`.
    pub range: String,
    pub count: i64,
}

/// Changes in production environments within the last 30, 60 and 90 days.
#[derive(Serialize, ToSchema)]
pub struct ProductionChangesBody {
    pub last30: i64,
    pub last60: i64,
    pub last90: i64,
}

/// Metric buckets recorded over the last day.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricBucketsBody {
    pub enabled_count: i64,
    pub variant_count: i64,
}

/// What this installation holds, counted (Unleash's `instanceAdminStatsSchema`). Figures
/// of features Switchyard does not have (licences, groups, single sign-on, release plans)
/// are 0, false or empty.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatsBody {
    /// When the figures were counted.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// This installation's id, kept in the database.
    pub instance_id: String,
    /// Switchyard's version.
    #[serde(rename = "versionOSS")]
    pub version_oss: String,
    /// Always empty.
    pub version_enterprise: String,
    pub users: i64,
    pub service_accounts: i64,
    pub api_tokens: ApiTokenCountsBody,
    pub active_users: ActiveUsersBody,
    /// Always 0.
    pub licensed_users: i64,
    /// Flags, not counting archived ones.
    pub feature_toggles: i64,
    pub archived_feature_toggles: i64,
    pub projects: i64,
    pub context_fields: i64,
    pub roles: i64,
    pub custom_root_roles: i64,
    /// Always 0: Switchyard has no groups.
    pub groups: i64,
    pub environments: i64,
    pub segments: i64,
    /// Strategy definitions in use.
    pub strategies: i64,
    /// Always false.
    #[serde(rename = "SAMLenabled")]
    pub saml_enabled: bool,
    /// Always false.
    #[serde(rename = "OIDCenabled")]
    pub oidc_enabled: bool,
    /// Always true.
    pub password_auth_enabled: bool,
    /// Always false.
    #[serde(rename = "SCIMenabled")]
    pub scim_enabled: bool,
    pub client_apps: Vec<ClientAppsBody>,
    /// Always 0.
    pub feature_exports: i64,
    /// Always 0.
    pub feature_imports: i64,
    pub production_changes: ProductionChangesBody,
    pub previous_day_metrics_buckets_count: MetricBucketsBody,
    /// The most strategies of one flag in one environment.
    pub max_environment_strategies: i64,
    /// The most constraints of one strategy.
    pub max_constraints: i64,
    /// The most values of one constraint.
    pub max_constraint_values: i64,
    /// Always 0.
    pub release_templates: i64,
    /// Always 0.
    pub release_plans: i64,
    /// Always empty.
    #[schema(value_type = Object)]
    pub edge_instance_usage: serde_json::Value,
    /// Always 0.
    pub read_only_users: i64,
    /// A digest of the instance id and the main counts, to check the figures were not
    /// edited.
    pub sum: String,
}

impl From<crate::service::stats::InstanceStats> for InstanceStatsBody {
    fn from(s: crate::service::stats::InstanceStats) -> Self {
        let [client, frontend, admin] = s.api_tokens;
        let [last7, last30_users, last60_users, last90_users] = s.active_users;
        let [last30, last60, last90] = s.production_changes;
        let (enabled_count, variant_count) = s.metric_buckets;
        InstanceStatsBody {
            timestamp: crate::domain::users::iso(s.timestamp),
            instance_id: s.instance_id,
            version_oss: env!("CARGO_PKG_VERSION").into(),
            version_enterprise: String::new(),
            users: s.users,
            service_accounts: s.service_accounts,
            api_tokens: ApiTokenCountsBody {
                client,
                frontend,
                admin,
            },
            active_users: ActiveUsersBody {
                last7,
                last30: last30_users,
                last60: last60_users,
                last90: last90_users,
            },
            licensed_users: 0,
            feature_toggles: s.flags,
            archived_feature_toggles: s.archived_flags,
            projects: s.projects,
            context_fields: s.context_fields,
            roles: s.roles,
            custom_root_roles: s.custom_root_roles,
            groups: s.groups,
            environments: s.environments,
            segments: s.segments,
            strategies: s.strategies,
            saml_enabled: false,
            oidc_enabled: false,
            password_auth_enabled: true,
            scim_enabled: false,
            client_apps: ["7d", "30d", "allTime"]
                .into_iter()
                .zip(s.client_apps)
                .map(|(range, count)| ClientAppsBody {
                    range: range.into(),
                    count,
                })
                .collect(),
            feature_exports: 0,
            feature_imports: 0,
            production_changes: ProductionChangesBody {
                last30,
                last60,
                last90,
            },
            previous_day_metrics_buckets_count: MetricBucketsBody {
                enabled_count,
                variant_count,
            },
            max_environment_strategies: s.max_environment_strategies,
            max_constraints: s.max_constraints,
            max_constraint_values: s.max_constraint_values,
            release_templates: 0,
            release_plans: 0,
            edge_instance_usage: serde_json::Value::Object(Default::default()),
            read_only_users: 0,
            sum: s.sum,
        }
    }
}
