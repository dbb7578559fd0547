//! Answers about what SDKs reported: applications, their instances and flag usage.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::users::iso;
use crate::service::applications::{
    ApplicationDetail, ApplicationOverview, Known, ProjectApplication, RawUsage, UnknownFlag,
};
use crate::store::metrics::{ApplicationRow, InstanceRow, UsageRow};

/// One running instance of an application, as the application list shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricsInstance {
    /// The address it reported from.
    pub client_ip: Option<String>,
    pub environment: String,
    pub instance_id: String,
    pub last_seen: String,
    /// e.g. `unleash-client-node:5.0.0`.
    pub sdk_version: Option<String>,
}

/// Where an application runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsUsage {
    /// One environment.
    pub environments: Vec<String>,
    /// Always `*`.
    pub project: String,
}

/// An application that registered or reported metrics.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricsApplication {
    pub app_name: String,
    pub color: Option<String>,
    pub created_at: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub instances: Vec<MetricsInstance>,
    /// The strategy names it registered with.
    #[schema(value_type = Vec<String>)]
    pub strategies: Value,
    pub url: Option<String>,
    /// The environments its instances run in.
    pub usage: Vec<MetricsUsage>,
}

impl MetricsApplication {
    pub fn new(a: ApplicationRow, instances: &[InstanceRow]) -> MetricsApplication {
        let mut environments: Vec<&str> =
            instances.iter().map(|i| i.environment.as_str()).collect();
        environments.sort_unstable();
        environments.dedup();
        MetricsApplication {
            app_name: a.app_name,
            color: a.color,
            created_at: iso(a.created_at),
            description: a.description,
            icon: a.icon,
            instances: instances
                .iter()
                .map(|i| MetricsInstance {
                    client_ip: i.client_ip.clone(),
                    environment: i.environment.clone(),
                    instance_id: i.instance_id.clone(),
                    last_seen: iso(i.last_seen),
                    sdk_version: i.sdk_version.clone(),
                })
                .collect(),
            strategies: serde_json::from_str(&a.strategies).unwrap_or_else(|_| json!([])),
            url: a.url,
            usage: environments
                .into_iter()
                .map(|e| MetricsUsage {
                    environments: vec![e.to_string()],
                    project: "*".to_string(),
                })
                .collect(),
        }
    }
}

/// `GET /api/admin/metrics/applications`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsApplicationList {
    pub applications: Vec<MetricsApplication>,
    pub total: usize,
}

/// An instance of an application in one environment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentInstance {
    pub client_ip: Option<String>,
    pub instance_id: String,
    pub last_seen: String,
    pub sdk_version: Option<String>,
}

impl From<InstanceRow> for EnvironmentInstance {
    fn from(i: InstanceRow) -> EnvironmentInstance {
        EnvironmentInstance {
            client_ip: i.client_ip,
            instance_id: i.instance_id,
            last_seen: iso(i.last_seen),
            sdk_version: i.sdk_version,
        }
    }
}

/// `GET /api/admin/metrics/instances/{appName}/environment/{environment}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvironmentInstances {
    pub instances: Vec<EnvironmentInstance>,
}

/// A flag's counts in one hour, application and environment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HourlyUsage {
    pub app_name: String,
    pub environment: String,
    /// Evaluations that found the flag off.
    pub no: i64,
    /// The start of the hour.
    pub timestamp: String,
    /// Counts per variant name.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub variants: Value,
    /// Evaluations that found the flag on.
    pub yes: i64,
}

impl From<&UsageRow> for HourlyUsage {
    fn from(r: &UsageRow) -> HourlyUsage {
        HourlyUsage {
            app_name: r.app_name.clone(),
            environment: r.environment.clone(),
            no: r.no,
            timestamp: iso(r.hour),
            variants: serde_json::from_str(&r.variants).unwrap_or_else(|_| json!({})),
            yes: r.yes,
        }
    }
}

/// `GET /api/admin/client-metrics/features/{name}`: a flag's usage in the last 48 hours.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeatureUsage {
    pub feature_name: String,
    /// Hourly counts, newest first.
    pub last_hour_usage: Vec<HourlyUsage>,
    /// Always `stable`.
    pub maturity: String,
    /// The applications that evaluated the flag, by name.
    pub seen_applications: Vec<String>,
    /// Always 1.
    pub version: i64,
}

impl FeatureUsage {
    pub fn new(feature: &str, rows: &[UsageRow]) -> FeatureUsage {
        let mut apps: Vec<&str> = rows.iter().map(|r| r.app_name.as_str()).collect();
        apps.sort_unstable();
        apps.dedup();
        FeatureUsage {
            feature_name: feature.to_string(),
            last_hour_usage: rows.iter().map(HourlyUsage::from).collect(),
            maturity: "stable".to_string(),
            seen_applications: apps.into_iter().map(str::to_string).collect(),
            version: 1,
        }
    }
}

/// Something an application named that does not exist here.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotFound {
    pub name: String,
    /// Always true.
    pub not_found: bool,
}

/// A strategy that exists, as an application's detail lists it. It has no other field,
/// which tells it from [`NotFound`] in the document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnownStrategy {
    pub description: Option<String>,
    pub name: String,
}

/// A strategy an application registered with: its description, or `notFound` when no
/// strategy of that name exists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AppStrategy {
    Found(KnownStrategy),
    Missing(NotFound),
}

/// A flag that exists, as an application's detail lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeenFlag {
    pub description: Option<String>,
    pub name: String,
    pub project: String,
    /// The flag type.
    #[serde(rename = "type")]
    pub flag_type: String,
}

/// A flag an application reported: the flag, or `notFound` when it does not exist.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SeenToggle {
    Found(SeenFlag),
    Missing(NotFound),
}

/// An instance of an application, as its detail lists it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppInstance {
    pub app_name: String,
    pub client_ip: Option<String>,
    pub created_at: String,
    pub environment: String,
    pub instance_id: String,
    pub last_seen: String,
    pub sdk_version: Option<String>,
}

/// Links of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppLinks {
    /// `/api/applications/{appName}`.
    #[serde(rename = "self")]
    pub self_link: String,
}

/// `GET /api/admin/metrics/applications/{appName}` (Unleash's `applicationSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSchema {
    pub app_name: String,
    pub color: Option<String>,
    pub created_at: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub instances: Vec<AppInstance>,
    pub links: AppLinks,
    /// The flags it reported, by name.
    pub seen_toggles: Vec<SeenToggle>,
    pub strategies: Vec<AppStrategy>,
    pub url: Option<String>,
}

impl From<ApplicationDetail> for ApplicationSchema {
    fn from(d: ApplicationDetail) -> ApplicationSchema {
        let a = d.app;
        ApplicationSchema {
            links: AppLinks {
                self_link: format!("/api/applications/{}", a.app_name),
            },
            app_name: a.app_name,
            color: a.color,
            created_at: iso(a.created_at),
            description: a.description,
            icon: a.icon,
            instances: d
                .instances
                .into_iter()
                .map(|i| AppInstance {
                    app_name: i.app_name,
                    client_ip: i.client_ip,
                    created_at: iso(i.created_at),
                    environment: i.environment,
                    instance_id: i.instance_id,
                    last_seen: iso(i.last_seen),
                    sdk_version: i.sdk_version,
                })
                .collect(),
            seen_toggles: d
                .seen_flags
                .into_iter()
                .map(|f| match f {
                    Known::Found(f) => SeenToggle::Found(SeenFlag {
                        description: f.description,
                        name: f.name,
                        project: f.project,
                        flag_type: f.kind,
                    }),
                    Known::Missing(name) => SeenToggle::Missing(NotFound {
                        name,
                        not_found: true,
                    }),
                })
                .collect(),
            strategies: d
                .strategies
                .into_iter()
                .map(|s| match s {
                    Known::Found(s) => AppStrategy::Found(KnownStrategy {
                        description: s.description,
                        name: s.name,
                    }),
                    Known::Missing(name) => AppStrategy::Missing(NotFound {
                        name,
                        not_found: true,
                    }),
                })
                .collect(),
            url: a.url,
        }
    }
}

/// What may be wrong in one environment of an application.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverviewEnvironmentIssues {
    /// Flags it reported there that do not exist.
    pub missing_features: Vec<String>,
    /// Its SDK versions older than the supported minimum.
    pub outdated_sdks: Vec<String>,
}

/// One environment an application reported usage in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverviewEnvironmentSchema {
    pub backend_sdks: Vec<String>,
    pub frontend_sdks: Vec<String>,
    /// Instances seen there in the last 24 hours.
    pub instance_count: usize,
    pub issues: OverviewEnvironmentIssues,
    pub last_seen: Option<String>,
    pub name: String,
    /// `sdk:version` of its instances.
    pub sdks: Vec<String>,
}

/// What may be wrong with an application as a whole.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverviewIssues {
    /// Strategies it registered with that do not exist.
    pub missing_strategies: Vec<String>,
}

/// `GET /api/admin/metrics/applications/{appName}/overview` (Unleash's
/// `applicationOverviewSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationOverviewSchema {
    pub environments: Vec<OverviewEnvironmentSchema>,
    /// Existing flags it reported.
    pub feature_count: usize,
    pub issues: OverviewIssues,
    /// Projects of the flags it reported.
    pub projects: Vec<String>,
}

impl From<ApplicationOverview> for ApplicationOverviewSchema {
    fn from(o: ApplicationOverview) -> ApplicationOverviewSchema {
        ApplicationOverviewSchema {
            environments: o
                .environments
                .into_iter()
                .map(|e| OverviewEnvironmentSchema {
                    backend_sdks: e.backend_sdks,
                    frontend_sdks: e.frontend_sdks,
                    instance_count: e.instance_count,
                    issues: OverviewEnvironmentIssues {
                        missing_features: e.missing_features,
                        outdated_sdks: e.outdated_sdks,
                    },
                    last_seen: e.last_seen.map(iso),
                    name: e.name,
                    sdks: e.sdks,
                })
                .collect(),
            feature_count: o.feature_count,
            issues: OverviewIssues {
                missing_strategies: o.missing_strategies,
            },
            projects: o.projects,
        }
    }
}

/// An SDK with the versions an application runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SdkVersions {
    pub name: String,
    pub versions: Vec<String>,
}

/// An application that reported usage of a project's flags.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectApplicationSchema {
    pub environments: Vec<String>,
    /// Instance ids.
    pub instances: Vec<String>,
    pub name: String,
    pub sdks: Vec<SdkVersions>,
}

impl From<ProjectApplication> for ProjectApplicationSchema {
    fn from(a: ProjectApplication) -> ProjectApplicationSchema {
        ProjectApplicationSchema {
            environments: a.environments,
            instances: a.instances,
            name: a.name,
            sdks: a
                .sdks
                .into_iter()
                .map(|(name, versions)| SdkVersions { name, versions })
                .collect(),
        }
    }
}

/// `GET /api/admin/projects/{projectId}/applications`: one page of the applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectApplications {
    pub applications: Vec<ProjectApplicationSchema>,
    /// How many applications match, over all pages.
    pub total: usize,
}

/// A flag's counts in one hour, application and environment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawUsageSchema {
    pub app_name: String,
    pub environment: String,
    pub feature_name: String,
    pub no: i64,
    /// The start of the hour.
    pub timestamp: String,
    /// Counts per variant name; absent for an hour nothing was reported in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    pub variants: Option<Value>,
    pub yes: i64,
}

impl From<RawUsage> for RawUsageSchema {
    fn from(r: RawUsage) -> RawUsageSchema {
        RawUsageSchema {
            app_name: r.app_name,
            environment: r.environment,
            feature_name: r.feature_name,
            no: r.no,
            timestamp: iso(r.hour),
            variants: r.variants,
            yes: r.yes,
        }
    }
}

/// `GET /api/admin/client-metrics/features/{name}/raw` (Unleash's `featureMetricsSchema`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RawFeatureUsage {
    /// One row per environment, application and hour, oldest first.
    pub data: Vec<RawUsageSchema>,
    /// Always `stable`.
    pub maturity: String,
    /// Always 1.
    pub version: i64,
}

/// An outdated SDK version and the applications running it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutdatedSdk {
    pub applications: Vec<String>,
    /// `sdk:version`.
    pub sdk_version: String,
}

/// The outdated SDK versions (Unleash's `outdatedSdksSchema`).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutdatedSdks {
    pub sdks: Vec<OutdatedSdk>,
}

/// When an unknown flag was reported in one environment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFlagEnvironment {
    pub environment: String,
    pub seen_at: String,
}

/// The reports of an unknown flag by one application.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFlagReport {
    pub app_name: String,
    pub environments: Vec<UnknownFlagEnvironment>,
}

/// A flag SDKs reported that does not exist.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFlagSchema {
    /// The newest event about a flag of that name.
    pub last_event_at: Option<String>,
    pub last_seen_at: Option<String>,
    pub name: String,
    pub reports: Vec<UnknownFlagReport>,
}

impl From<UnknownFlag> for UnknownFlagSchema {
    fn from(f: UnknownFlag) -> UnknownFlagSchema {
        UnknownFlagSchema {
            last_event_at: f.last_event_at.map(iso),
            last_seen_at: f.last_seen_at.map(iso),
            name: f.name,
            reports: f
                .reports
                .into_iter()
                .map(|(app_name, envs)| UnknownFlagReport {
                    app_name,
                    environments: envs
                        .into_iter()
                        .map(|(environment, at)| UnknownFlagEnvironment {
                            environment,
                            seen_at: iso(at),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// `GET /api/admin/metrics/unknown-flags`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFlags {
    pub unknown_flags: Vec<UnknownFlagSchema>,
}
