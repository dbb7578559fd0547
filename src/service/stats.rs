//! `GET /api/admin/instance-admin/statistics`: what this installation holds, counted.

use chrono::TimeDelta;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::domain::users::iso;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;

pub async fn instance_statistics(state: &AppState) -> AppResult<Value> {
    let now = state.clock.now();
    let mut db = state.db.clone();
    let c = &mut db;
    let instance_id = store::stats::instance_id(c).await?;
    // The figures Prometheus also exports, counted the same way.
    let counts = store::gauges::instance_counts(c, now).await?;
    let (users, flags, projects) = (counts.users, counts.features, counts.projects);
    let (environments, segments) = (counts.environments, counts.segments);
    let mut active = serde_json::Map::new();
    for days in [7, 30, 60, 90] {
        let n = store::stats::active_users(c, now - TimeDelta::days(days)).await?;
        active.insert(format!("last{days}"), json!(n));
    }
    let (roles, custom_root_roles) = store::stats::roles(c).await?;
    let strategies = store::stats::active_strategies(c).await?;
    let mut api_tokens = serde_json::Map::new();
    for kind in ["client", "frontend", "admin"] {
        let n = counts
            .api_tokens
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n);
        api_tokens.insert(kind.to_string(), json!(n));
    }
    let mut client_apps = Vec::new();
    for (range, days) in [("7d", Some(7)), ("30d", Some(30)), ("allTime", None)] {
        let since = days.map(|d| now - TimeDelta::days(d));
        let n = store::stats::applications_since(c, since).await?;
        client_apps.push(json!({"range": range, "count": n}));
    }
    let production: Vec<String> = store::environments::list(c)
        .await?
        .into_iter()
        .filter(|e| e.env_type == "production")
        .map(|e| e.name)
        .collect();
    let mut production_changes = serde_json::Map::new();
    for days in [30, 60, 90] {
        let n = store::stats::changes_in(c, &production, now - TimeDelta::days(days)).await?;
        production_changes.insert(format!("last{days}"), json!(n));
    }
    let (enabled_count, variant_count) =
        store::stats::metric_buckets_since(c, now - TimeDelta::days(1)).await?;
    let (max_env_strategies, max_constraints, max_constraint_values) =
        store::stats::strategy_limits(c).await?;

    let groups = 0;
    let digest = Sha256::digest(format!(
        "{instance_id}{users}{flags}{projects}{roles}{groups}{environments}{segments}"
    ));
    let sum: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(json!({
        "timestamp": iso(now),
        "instanceId": instance_id,
        "versionOSS": env!("CARGO_PKG_VERSION"),
        "versionEnterprise": "",
        "users": users,
        "serviceAccounts": counts.service_accounts,
        "apiTokens": api_tokens,
        "activeUsers": active,
        "licensedUsers": 0,
        "featureToggles": flags,
        "archivedFeatureToggles": counts.archived_features,
        "projects": projects,
        "contextFields": counts.context_fields,
        "roles": roles,
        "customRootRoles": custom_root_roles,
        "groups": groups,
        "environments": environments,
        "segments": segments,
        "strategies": strategies,
        "SAMLenabled": false,
        "OIDCenabled": false,
        "passwordAuthEnabled": true,
        "SCIMenabled": false,
        "clientApps": client_apps,
        "featureExports": 0,
        "featureImports": 0,
        "productionChanges": production_changes,
        "previousDayMetricsBucketsCount": {"enabledCount": enabled_count, "variantCount": variant_count},
        "maxEnvironmentStrategies": max_env_strategies,
        "maxConstraints": max_constraints,
        "maxConstraintValues": max_constraint_values,
        "releaseTemplates": 0,
        "releasePlans": 0,
        "edgeInstanceUsage": {},
        "readOnlyUsers": 0,
        "sum": sum,
    }))
}
