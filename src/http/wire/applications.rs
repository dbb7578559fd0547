//! Answers about what SDKs reported: applications, their instances and flag usage.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::users::iso;
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
