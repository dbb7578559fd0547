//! What SDKs report: registrations and flag usage, and the Admin API's view of them.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::domain::users::iso;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;

fn text<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn required<'a>(body: &'a Value, field: &str) -> AppResult<&'a str> {
    text(body, field).ok_or_else(|| AppError::bad_field(&format!("/body/{field}"), format!("The `/body/{field}` property is required. It was not present on the data you sent.")))
}

fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t)
}

/// `POST /api/client/register`: an SDK instance announces itself.
pub async fn register(
    state: &AppState,
    environment: &str,
    body: &Value,
    client_ip: Option<&str>,
) -> AppResult<()> {
    let app = required(body, "appName")?;
    let instance = text(body, "instanceId").unwrap_or("default");
    let strategies = body
        .get("strategies")
        .filter(|v| v.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::metrics::upsert_application(&mut tx, app, &strategies.to_string(), now).await?;
    store::metrics::upsert_instance(
        &mut tx,
        app,
        instance,
        environment,
        text(body, "sdkVersion"),
        client_ip,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One flag's counts in a report.
#[derive(Debug, Default, Clone)]
pub struct Usage {
    pub yes: i64,
    pub no: i64,
    pub variants: BTreeMap<String, i64>,
}

fn count(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(0).max(0)
}

/// Parses a bucket's `toggles` map.
fn toggles(bucket: &Value) -> AppResult<BTreeMap<String, Usage>> {
    let Some(map) = bucket.get("toggles").and_then(Value::as_object) else {
        return Err(AppError::bad_field("/body/bucket/toggles", "The `/body/bucket/toggles` property is required: an object of flag names to {yes, no, variants}."));
    };
    Ok(map
        .iter()
        .map(|(name, v)| {
            let variants = v
                .get("variants")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, n)| (k.clone(), count(Some(n)))).collect())
                .unwrap_or_default();
            (
                name.clone(),
                Usage {
                    yes: count(v.get("yes")),
                    no: count(v.get("no")),
                    variants,
                },
            )
        })
        .collect())
}

async fn store_usage(
    state: &AppState,
    app: &str,
    instance: Option<&str>,
    environment: &str,
    at: DateTime<Utc>,
    usage: &BTreeMap<String, Usage>,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::metrics::touch_application(&mut tx, app, now).await?;
    if let Some(instance) = instance {
        store::metrics::upsert_instance(&mut tx, app, instance, environment, None, None, now)
            .await?;
    }
    for (name, u) in usage {
        if u.yes == 0 && u.no == 0 {
            continue;
        }
        store::metrics::add_usage(
            &mut tx,
            name,
            app,
            environment,
            hour_of(at),
            u.yes,
            u.no,
            &serde_json::to_string(&u.variants).unwrap_or_default(),
        )
        .await?;
        store::metrics::mark_feature_seen(&mut tx, name, environment, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /api/client/metrics` (and the frontend API's): a bucket of counts.
pub async fn record(state: &AppState, environment: &str, body: &Value) -> AppResult<()> {
    let app = text(body, "appName").unwrap_or("unknown");
    let bucket = body.get("bucket").ok_or_else(|| {
        AppError::bad_field(
            "/body/bucket",
            "The `/body/bucket` property is required. It was not present on the data you sent.",
        )
    })?;
    let usage = toggles(bucket)?;
    let at = bucket
        .get("stop")
        .or_else(|| bucket.get("start"))
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| state.clock.now());
    store_usage(
        state,
        app,
        text(body, "instanceId"),
        environment,
        at,
        &usage,
    )
    .await
}

/// `POST /api/client/metrics/bulk`: applications and per-flag metrics in one body.
pub async fn record_bulk(state: &AppState, environment: &str, body: &Value) -> AppResult<()> {
    for app in body
        .get("applications")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        register(state, environment, app, None).await?;
    }
    for m in body
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = text(m, "featureName") else {
            continue;
        };
        let app = text(m, "appName").unwrap_or("unknown");
        let at = text(m, "timestamp")
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| state.clock.now());
        let variants = m
            .get("variants")
            .and_then(Value::as_object)
            .map(|v| v.iter().map(|(k, n)| (k.clone(), count(Some(n)))).collect())
            .unwrap_or_default();
        let mut usage = BTreeMap::new();
        usage.insert(
            name.to_string(),
            Usage {
                yes: count(m.get("yes")),
                no: count(m.get("no")),
                variants,
            },
        );
        store_usage(state, app, None, environment, at, &usage).await?;
    }
    Ok(())
}

/// `GET /api/admin/metrics/applications`
pub async fn applications(state: &AppState) -> AppResult<Value> {
    let mut db = state.db.clone();
    let apps = store::metrics::applications(&mut db).await?;
    let mut list = Vec::new();
    for a in apps {
        let instances = store::metrics::instances(&mut db, &a.app_name).await?;
        let mut environments: Vec<&str> =
            instances.iter().map(|i| i.environment.as_str()).collect();
        environments.sort_unstable();
        environments.dedup();
        list.push(json!({
            "appName": a.app_name,
            "description": a.description,
            "url": a.url,
            "color": a.color,
            "icon": a.icon,
            "createdAt": iso(a.created_at),
            "strategies": serde_json::from_str::<Value>(&a.strategies).unwrap_or_else(|_| json!([])),
            "usage": environments.iter().map(|e| json!({"project": "*", "environments": [e]})).collect::<Vec<_>>(),
            "instances": instances.iter().map(|i| json!({
                "instanceId": i.instance_id,
                "environment": i.environment,
                "sdkVersion": i.sdk_version,
                "clientIp": i.client_ip,
                "lastSeen": iso(i.last_seen),
            })).collect::<Vec<_>>(),
        }));
    }
    let total = list.len();
    Ok(json!({"applications": list, "total": total}))
}

/// `GET /api/admin/metrics/instances/{appName}/environment/{environment}`: the instances of
/// an application in one environment seen in the last 24 hours, most recent first (at most
/// 1000, as Unleash). An unknown application has no instances.
pub async fn environment_instances(
    state: &AppState,
    app_name: &str,
    environment: &str,
) -> AppResult<Value> {
    let mut db = state.db.clone();
    let since = state.clock.now() - TimeDelta::hours(24);
    let instances: Vec<Value> = store::metrics::instances(&mut db, app_name)
        .await?
        .iter()
        .filter(|i| i.environment == environment && i.last_seen >= since)
        .take(1000)
        .map(|i| {
            json!({
                "instanceId": i.instance_id,
                "sdkVersion": i.sdk_version,
                "clientIp": i.client_ip,
                "lastSeen": iso(i.last_seen),
            })
        })
        .collect();
    Ok(json!({ "instances": instances }))
}

/// `GET /api/admin/client-metrics/features/{name}`: the last 48 hours of usage.
pub async fn feature_usage(state: &AppState, feature: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    let since = hour_of(state.clock.now()) - TimeDelta::hours(48);
    let rows = store::metrics::usage(&mut db, feature, since).await?;
    let mut apps: Vec<&str> = rows.iter().map(|r| r.app_name.as_str()).collect();
    apps.sort_unstable();
    apps.dedup();
    Ok(json!({
        "version": 1,
        "maturity": "stable",
        "featureName": feature,
        "lastHourUsage": rows.iter().map(|r| json!({
            "environment": r.environment,
            "appName": r.app_name,
            "timestamp": iso(r.hour),
            "yes": r.yes,
            "no": r.no,
            "variants": serde_json::from_str::<Value>(&r.variants).unwrap_or_else(|_| json!({})),
        })).collect::<Vec<_>>(),
        "seenApplications": apps,
    }))
}
