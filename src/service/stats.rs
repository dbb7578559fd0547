//! `GET /api/admin/instance-admin/statistics`: what this installation holds, counted.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::state::AppState;
use crate::store;

/// What this installation holds, counted, as `GET /api/admin/instance-admin/statistics`
/// shows it (the figures Switchyard has none of, such as groups, are the HTTP layer's).
#[derive(Debug, Clone)]
pub struct InstanceStats {
    pub timestamp: DateTime<Utc>,
    pub instance_id: String,
    pub users: i64,
    pub service_accounts: i64,
    /// API tokens of each type: client, frontend, admin.
    pub api_tokens: [i64; 3],
    /// Users seen within 7, 30, 60 and 90 days.
    pub active_users: [i64; 4],
    pub flags: i64,
    pub archived_flags: i64,
    pub projects: i64,
    pub context_fields: i64,
    pub roles: i64,
    pub custom_root_roles: i64,
    /// Always 0: Switchyard has no groups (counted in `sum`).
    pub groups: i64,
    pub environments: i64,
    pub segments: i64,
    pub strategies: i64,
    /// Applications seen within 7 days, within 30 days, and ever.
    pub client_apps: [i64; 3],
    /// Changes in production environments within 30, 60 and 90 days.
    pub production_changes: [i64; 3],
    /// Metric buckets of the last day: enabled counts and variant counts.
    pub metric_buckets: (i64, i64),
    pub max_environment_strategies: i64,
    pub max_constraints: i64,
    pub max_constraint_values: i64,
    /// A digest of the instance id and the main counts, as Unleash computes it.
    pub sum: String,
}

pub async fn instance_statistics(state: &AppState) -> AppResult<InstanceStats> {
    let now = state.clock.now();
    let mut db = state.db.clone();
    let c = &mut db;
    let instance_id = store::stats::instance_id(c).await?;
    // The figures Prometheus also exports, counted the same way.
    let counts = store::gauges::instance_counts(c, now).await?;
    let (users, flags, projects) = (counts.users, counts.features, counts.projects);
    let (environments, segments) = (counts.environments, counts.segments);
    let mut active_users = [0; 4];
    for (slot, days) in active_users.iter_mut().zip([7, 30, 60, 90]) {
        *slot = store::stats::active_users(c, now - TimeDelta::days(days)).await?;
    }
    let (roles, custom_root_roles) = store::stats::roles(c).await?;
    let strategies = store::stats::active_strategies(c).await?;
    let mut api_tokens = [0; 3];
    for (slot, kind) in api_tokens.iter_mut().zip(["client", "frontend", "admin"]) {
        *slot = counts
            .api_tokens
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n);
    }
    let mut client_apps = [0; 3];
    for (slot, days) in client_apps.iter_mut().zip([Some(7), Some(30), None]) {
        let since = days.map(|d| now - TimeDelta::days(d));
        *slot = store::stats::applications_since(c, since).await?;
    }
    let production: Vec<String> = store::environments::list(c)
        .await?
        .into_iter()
        .filter(|e| e.env_type == "production")
        .map(|e| e.name)
        .collect();
    let mut production_changes = [0; 3];
    for (slot, days) in production_changes.iter_mut().zip([30, 60, 90]) {
        *slot = store::stats::changes_in(c, &production, now - TimeDelta::days(days)).await?;
    }
    let metric_buckets = store::stats::metric_buckets_since(c, now - TimeDelta::days(1)).await?;
    let (max_environment_strategies, max_constraints, max_constraint_values) =
        store::stats::strategy_limits(c).await?;

    let groups = 0;
    let digest = Sha256::digest(format!(
        "{instance_id}{users}{flags}{projects}{roles}{groups}{environments}{segments}"
    ));
    let sum: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(InstanceStats {
        timestamp: now,
        instance_id,
        users,
        service_accounts: counts.service_accounts,
        api_tokens,
        active_users,
        flags,
        archived_flags: counts.archived_features,
        projects,
        context_fields: counts.context_fields,
        roles,
        custom_root_roles,
        groups,
        environments,
        segments,
        strategies,
        client_apps,
        production_changes,
        metric_buckets,
        max_environment_strategies,
        max_constraints,
        max_constraint_values,
        sum,
    })
}
