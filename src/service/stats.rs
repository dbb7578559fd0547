//! `GET /api/admin/instance-admin/statistics`: what this installation holds, counted.

use std::collections::HashMap;

use chrono::TimeDelta;
use sea_query::{Alias, Expr, Query};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::domain::users::iso;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{self, stats::count};

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

pub async fn instance_statistics(state: &AppState) -> AppResult<Value> {
    let now = state.clock.now();
    let mut db = state.db.clone();
    let c = &mut db;
    let instance_id = store::stats::instance_id(c).await?;
    let users = count(c, "users", vec![col("is_service").eq(false)]).await?;
    let service_accounts = count(c, "users", vec![col("is_service").eq(true)]).await?;
    let mut active = serde_json::Map::new();
    for days in [7, 30, 60, 90] {
        let since = now - TimeDelta::days(days);
        let n = count(
            c,
            "users",
            vec![col("is_service").eq(false), col("seen_at").gte(since)],
        )
        .await?;
        active.insert(format!("last{days}"), json!(n));
    }
    let flags = count(c, "features", vec![col("archived_at").is_null()]).await?;
    let archived = count(c, "features", vec![col("archived_at").is_not_null()]).await?;
    let projects = count(c, "projects", vec![]).await?;
    let context_fields = store::context::list(c).await?.len() as i64;
    let roles = count(c, "roles", vec![]).await?;
    let custom_root_roles = count(c, "roles", vec![col("type").eq("root-custom")]).await?;
    let environments = count(c, "environments", vec![]).await?;
    let segments = count(c, "segments", vec![]).await?;
    let strategies = count(c, "strategies", vec![col("deprecated").eq(false)]).await?;
    let mut api_tokens = serde_json::Map::new();
    for kind in ["client", "frontend", "admin"] {
        let n = count(c, "api_tokens", vec![col("type").eq(kind)]).await?;
        api_tokens.insert(kind.to_string(), json!(n));
    }
    let mut client_apps = Vec::new();
    for (range, days) in [("7d", Some(7)), ("30d", Some(30)), ("allTime", None)] {
        let cond = match days {
            Some(d) => vec![col("updated_at").gte(now - TimeDelta::days(d))],
            None => vec![],
        };
        let n = count(c, "client_applications", cond).await?;
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
        let n = if production.is_empty() {
            0
        } else {
            count(
                c,
                "events",
                vec![
                    col("environment").is_in(production.clone()),
                    col("created_at").gte(now - TimeDelta::days(days)),
                ],
            )
            .await?
        };
        production_changes.insert(format!("last{days}"), json!(n));
    }
    let yesterday = now - TimeDelta::days(1);
    let enabled_count = count(c, "client_metrics_hourly", vec![col("hour").gte(yesterday)]).await?;
    let variant_count = count(
        c,
        "client_metrics_hourly",
        vec![col("hour").gte(yesterday), col("variants").ne("{}")],
    )
    .await?;
    let (max_env_strategies, max_constraints, max_constraint_values) = strategy_limits(c).await?;

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
        "serviceAccounts": service_accounts,
        "apiTokens": api_tokens,
        "activeUsers": active,
        "licensedUsers": 0,
        "featureToggles": flags,
        "archivedFeatureToggles": archived,
        "projects": projects,
        "contextFields": context_fields,
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

/// The most strategies on one flag in one environment, the most constraints on one strategy,
/// and the most values in one constraint.
async fn strategy_limits(c: &mut store::Db) -> AppResult<(i64, i64, i64)> {
    #[derive(sqlx::FromRow)]
    struct Row {
        feature_name: String,
        environment: String,
        constraints: String,
    }
    let q = Query::select()
        .columns([
            Alias::new("feature_name"),
            Alias::new("environment"),
            Alias::new("constraints"),
        ])
        .from(Alias::new("feature_strategies"))
        .to_owned();
    let rows: Vec<Row> = store::Conn::all(c, &q).await?;
    let mut per_env: HashMap<(String, String), i64> = HashMap::new();
    let (mut max_constraints, mut max_values) = (0i64, 0i64);
    for r in rows {
        *per_env.entry((r.feature_name, r.environment)).or_default() += 1;
        let list: Vec<Value> = serde_json::from_str(&r.constraints).unwrap_or_default();
        max_constraints = max_constraints.max(list.len() as i64);
        for con in &list {
            let n = con
                .get("values")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as i64;
            max_values = max_values.max(n);
        }
    }
    let max_env = per_env.values().copied().max().unwrap_or(0);
    Ok((max_env, max_constraints, max_values))
}
