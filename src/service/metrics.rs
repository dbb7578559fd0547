//! What SDKs report: registrations and flag usage, and the Admin API's view of them.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{json, Value};

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
        add_usage(&mut tx, name, app, environment, at, u, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Adds one flag's counts to its hour and marks the flag as seen (nothing for empty counts).
async fn add_usage(
    tx: &mut store::Tx,
    name: &str,
    app: &str,
    environment: &str,
    at: DateTime<Utc>,
    u: &Usage,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if u.yes == 0 && u.no == 0 {
        return Ok(());
    }
    store::metrics::add_usage(
        tx,
        name,
        app,
        environment,
        hour_of(at),
        u.yes,
        u.no,
        &serde_json::to_string(&u.variants).unwrap_or_default(),
    )
    .await?;
    store::metrics::mark_feature_seen(tx, name, environment, now).await?;
    if !store::applications::flag_exists(tx, name).await? {
        store::applications::note_unknown(
            tx,
            name,
            app,
            environment,
            now,
            now - TimeDelta::hours(24),
        )
        .await?;
    }
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

/// Notes an instance of an application (with its SDK version) without touching what the
/// application registered (its strategies).
pub async fn register_instance(
    state: &AppState,
    environment: &str,
    body: &Value,
    client_ip: Option<&str>,
) -> AppResult<()> {
    let app = required(body, "appName")?;
    let instance = text(body, "instanceId").unwrap_or("default");
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::metrics::touch_application(&mut tx, app, now).await?;
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

/// One registration of a bulk report.
struct BulkApplication<'a> {
    app_name: &'a str,
    instance_id: &'a str,
    environment: String,
    sdk_version: Option<&'a str>,
    strategies: String,
}

/// One flag's counts of a bulk report.
struct BulkMetric<'a> {
    feature_name: &'a str,
    app_name: &'a str,
    environment: &'a str,
    at: DateTime<Utc>,
    usage: Usage,
}

fn bulk_list<'a>(body: &'a Value, field: &str) -> AppResult<&'a Vec<Value>> {
    match body.get(field) {
        Some(Value::Array(list)) => Ok(list),
        None | Some(Value::Null) => Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property is required. It was not present on the data you sent."),
        )),
        Some(other) => Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property must be array. You sent {other}."),
        )),
    }
}

fn bulk_text<'a>(item: &'a Value, path: &str, field: &str) -> AppResult<&'a str> {
    match item.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(AppError::bad_field(
            &format!("{path}/{field}"),
            format!("The `{path}/{field}` property is required. It was not present on the data you sent."),
        )),
        Some(other) => Err(AppError::bad_field(
            &format!("{path}/{field}"),
            format!("The `{path}/{field}` property must be string. You sent {other}."),
        )),
    }
}

fn bulk_count(item: &Value, path: &str, field: &str) -> AppResult<i64> {
    match item.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
            AppError::bad_field(
                &format!("{path}/{field}"),
                format!("The `{path}/{field}` property must be a whole number of at least 0. You sent {v}."),
            )
        }),
    }
}

fn parse_bulk_metric<'a>(
    m: &'a Value,
    path: &str,
    now: DateTime<Utc>,
) -> AppResult<BulkMetric<'a>> {
    let feature_name = bulk_text(m, path, "featureName")?;
    let app_name = bulk_text(m, path, "appName")?;
    let environment = bulk_text(m, path, "environment")?;
    let at = match m.get("timestamp") {
        None | Some(Value::Null) => now,
        Some(v) => v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                AppError::bad_field(
                    &format!("{path}/timestamp"),
                    format!("The `{path}/timestamp` property must be a date-time (RFC 3339). You sent {v}."),
                )
            })?,
    };
    let mut variants = BTreeMap::new();
    match m.get("variants") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(map)) => {
            for k in map.keys() {
                variants.insert(k.clone(), bulk_count(v, &format!("{path}/variants"), k)?);
            }
        }
        Some(other) => {
            return Err(AppError::bad_field(
                &format!("{path}/variants"),
                format!("The `{path}/variants` property must be an object of variant names to counts. You sent {other}."),
            ))
        }
    }
    Ok(BulkMetric {
        feature_name,
        app_name,
        environment,
        at,
        usage: Usage {
            yes: bulk_count(m, path, "yes")?,
            no: bulk_count(m, path, "no")?,
            variants,
        },
    })
}

/// `POST /api/client/metrics/bulk` (what Unleash Edge sends upstream): application
/// registrations and per-flag counts in one body, as Unleash reads it. Registrations without
/// an environment take the token's; counts are kept only for the token's environment (others
/// are dropped, as Unleash does); entries without an `appName` are skipped. Anything else
/// malformed answers 400 naming the field, and nothing is written.
pub async fn record_bulk(
    state: &AppState,
    token_environment: &str,
    body: &Value,
    client_ip: Option<&str>,
) -> AppResult<()> {
    if !body.is_object() {
        return Err(AppError::bad_field(
            "/body",
            "The request body must be an object with `applications` and `metrics` arrays.",
        ));
    }
    let now = state.clock.now();
    let mut applications = Vec::new();
    for (i, app) in bulk_list(body, "applications")?.iter().enumerate() {
        let path = format!("/body/applications/{i}");
        if !app.is_object() {
            return Err(AppError::bad_field(
                &path,
                format!("The `{path}` property must be an object. You sent {app}."),
            ));
        }
        if text(app, "appName").is_none() {
            continue;
        }
        let app_name = bulk_text(app, &path, "appName")?;
        let environment = match app.get("environment") {
            None | Some(Value::Null) => token_environment.to_string(),
            Some(_) => bulk_text(app, &path, "environment")?.to_string(),
        };
        let strategies = match app.get("strategies") {
            None | Some(Value::Null) => "[]".to_string(),
            Some(v @ Value::Array(_)) => v.to_string(),
            Some(other) => {
                return Err(AppError::bad_field(
                    &format!("{path}/strategies"),
                    format!("The `{path}/strategies` property must be array. You sent {other}."),
                ))
            }
        };
        applications.push(BulkApplication {
            app_name,
            instance_id: text(app, "instanceId").unwrap_or("default"),
            environment,
            sdk_version: text(app, "sdkVersion"),
            strategies,
        });
    }
    let mut metrics = Vec::new();
    for (i, m) in bulk_list(body, "metrics")?.iter().enumerate() {
        let path = format!("/body/metrics/{i}");
        if !m.is_object() {
            return Err(AppError::bad_field(
                &path,
                format!("The `{path}` property must be an object. You sent {m}."),
            ));
        }
        if text(m, "appName").is_none() {
            continue;
        }
        let metric = parse_bulk_metric(m, &path, now)?;
        if metric.environment == token_environment {
            metrics.push(metric);
        }
    }
    let mut tx = state.db.begin().await?;
    for a in &applications {
        store::metrics::upsert_application(&mut tx, a.app_name, &a.strategies, now).await?;
        store::metrics::upsert_instance(
            &mut tx,
            a.app_name,
            a.instance_id,
            &a.environment,
            a.sdk_version,
            client_ip,
            now,
        )
        .await?;
    }
    for m in &metrics {
        store::metrics::touch_application(&mut tx, m.app_name, now).await?;
        add_usage(
            &mut tx,
            m.feature_name,
            m.app_name,
            m.environment,
            m.at,
            &m.usage,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `GET /api/admin/metrics/applications`: every application that registered or reported
/// metrics, with its instances.
pub async fn applications(
    state: &AppState,
) -> AppResult<
    Vec<(
        store::metrics::ApplicationRow,
        Vec<store::metrics::InstanceRow>,
    )>,
> {
    let mut db = state.db.clone();
    let apps = store::metrics::applications(&mut db).await?;
    let mut list = Vec::new();
    for a in apps {
        let instances = store::metrics::instances(&mut db, &a.app_name).await?;
        list.push((a, instances));
    }
    Ok(list)
}

/// `GET /api/admin/metrics/instances/{appName}/environment/{environment}`: the instances of
/// an application in one environment seen in the last 24 hours, most recent first (at most
/// 1000, as Unleash). An unknown application has no instances.
pub async fn environment_instances(
    state: &AppState,
    app_name: &str,
    environment: &str,
) -> AppResult<Vec<store::metrics::InstanceRow>> {
    let mut db = state.db.clone();
    let since = state.clock.now() - TimeDelta::hours(24);
    Ok(store::metrics::instances(&mut db, app_name)
        .await?
        .into_iter()
        .filter(|i| i.environment == environment && i.last_seen >= since)
        .take(1000)
        .collect())
}

/// `GET /api/admin/client-metrics/features/{name}`: the last 48 hours of usage, newest
/// first.
pub async fn feature_usage(
    state: &AppState,
    feature: &str,
) -> AppResult<Vec<store::metrics::UsageRow>> {
    let mut db = state.db.clone();
    let since = hour_of(state.clock.now()) - TimeDelta::hours(48);
    Ok(store::metrics::usage(&mut db, feature, since).await?)
}
