//! One application's details, overview and SDK versions; where a project's flags are used;
//! raw hourly usage of a flag; flags SDKs reported that do not exist.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DurationRound, TimeDelta};
use serde_json::{json, Value};

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;
use crate::store::applications::Details;

/// The event written when an application is first created from the Admin API.
pub const APPLICATION_CREATED: &str = "application-created";

/// The oldest version of each SDK that is not reported as outdated (Unleash's table).
const MIN_SDK_VERSIONS: &[(&str, &str)] = &[
    ("unleash-client-node", "5.3.2"),
    ("unleash-client-java", "9.2.0"),
    ("unleash-client-go", "4.1.0"),
    ("unleash-client-python", "5.11.0"),
    ("unleash-client-ruby", "5.0.0"),
    ("unleash-client-dotnet", "4.1.3"),
    ("unleash-client-php", "2.3.0"),
];

/// Strategies an SDK may still register that are no longer offered; never reported missing.
const DEPRECATED_STRATEGIES: &[&str] = &[
    "gradualRolloutRandom",
    "gradualRolloutSessionId",
    "gradualRolloutUserId",
    "userWithId",
];

/// SDK names that run in browsers or apps (frontend SDKs); every other SDK is a backend SDK.
const FRONTEND_SDKS: &[&str] = &[
    "unleash-client-js",
    "unleash-proxy-client-js",
    "unleash-client-react",
    "unleash-proxy-client-react",
    "unleash-client-vue",
    "unleash-client-svelte",
    "unleash-client-swift",
    "unleash-client-ios",
    "unleash-client-android",
    "unleash-android-proxy-sdk",
    "unleash-client-flutter",
    "unleash-proxy-client-flutter",
];

fn not_found(app_name: &str) -> AppError {
    AppError::not_found(format!("Could not find appName={app_name}"))
}

/// Reads a whole-number query parameter, refusing values outside `min..=max` with a 400 that
/// names the parameter.
pub fn bounded(
    params: &HashMap<String, String>,
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> AppResult<i64> {
    let Some(raw) = params.get(name) else {
        return Ok(default);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(AppError::bad_field(
            &format!("/query/{name}"),
            format!("The `{name}` query parameter must be a whole number from {min} to {max}. You sent `{raw}`."),
        )),
    }
}

/// A version `major.minor.patch[-pre]`; `None` when it is not one.
fn semver(v: &str) -> Option<(u64, u64, u64, Option<&str>)> {
    let v = v.trim().trim_start_matches('v');
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v.split('+').next().unwrap_or(v), None),
    };
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.split('+').next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch, pre))
}

/// True when `sdk:version` names an SDK of the table older than its minimum version.
pub fn is_outdated(sdk_version: &str) -> bool {
    let Some((name, version)) = sdk_version.split_once(':') else {
        return false;
    };
    let Some((_, min)) = MIN_SDK_VERSIONS.iter().find(|(n, _)| *n == name) else {
        return false;
    };
    let (Some(v), Some(m)) = (semver(version), semver(min)) else {
        return false;
    };
    let core = |x: &(u64, u64, u64, Option<&str>)| (x.0, x.1, x.2);
    match core(&v).cmp(&core(&m)) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        // A pre-release is older than its release.
        std::cmp::Ordering::Equal => v.3.is_some() && m.3.is_none(),
    }
}

fn is_frontend(sdk_version: &str) -> bool {
    let name = sdk_version.split(':').next().unwrap_or(sdk_version);
    FRONTEND_SDKS.contains(&name)
}

fn strategy_names(raw: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Value>>(raw)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Something an application named: found here, or only its name when it does not exist.
#[derive(Debug)]
pub enum Known<T> {
    Found(T),
    Missing(String),
}

/// One application in full: its details, the strategies it registered with, its instances
/// and the flags it reported.
#[derive(Debug)]
pub struct ApplicationDetail {
    pub app: store::metrics::ApplicationRow,
    pub strategies: Vec<Known<store::applications::StrategyBrief>>,
    pub instances: Vec<store::applications::AllInstanceRow>,
    pub seen_flags: Vec<Known<store::applications::FlagBrief>>,
}

/// `GET /api/admin/metrics/applications/{appName}`
pub async fn get(state: &AppState, app_name: &str) -> AppResult<ApplicationDetail> {
    let mut db = state.db.clone();
    let app = store::applications::application(&mut db, app_name)
        .await?
        .ok_or_else(|| not_found(app_name))?;
    let instances = store::applications::instances(&mut db, Some(app_name)).await?;
    let known = store::applications::strategies(&mut db).await?;
    let strategies = strategy_names(&app.strategies)
        .into_iter()
        .map(|name| match known.iter().find(|s| s.name == name) {
            Some(s) => Known::Found(s.clone()),
            None => Known::Missing(name),
        })
        .collect();
    let seen = store::applications::seen(&mut db, Some(app_name), None).await?;
    let names: BTreeSet<String> = seen.iter().map(|s| s.feature_name.clone()).collect();
    let flags = store::applications::flags_named(&mut db, names.iter().cloned().collect()).await?;
    let seen_flags = names
        .into_iter()
        .map(|name| match flags.iter().find(|f| f.name == name) {
            Some(f) => Known::Found(f.clone()),
            None => Known::Missing(name),
        })
        .collect();
    Ok(ApplicationDetail {
        app,
        strategies,
        instances,
        seen_flags,
    })
}

fn optional_text<'a>(body: &'a Value, field: &str) -> AppResult<Option<&'a str>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property must be string. You sent {other}."),
        )),
    }
}

/// `POST /api/admin/metrics/applications/{appName}`: creates the application or changes its
/// description, url, colour, icon (and registered strategies when given).
pub async fn save(
    state: &AppState,
    auth: &Authorized,
    app_name: &str,
    body: &Value,
) -> AppResult<()> {
    if !body.is_object() {
        return Err(AppError::bad_field(
            "/body",
            "The request body must be an object (createApplicationSchema).",
        ));
    }
    let app_name = app_name.trim();
    if app_name.is_empty() {
        return Err(AppError::bad_field(
            "/params/appName",
            "The application name must not be empty.",
        ));
    }
    let strategies = match body.get("strategies") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
            Some(Value::Array(list.clone()).to_string())
        }
        Some(other) => {
            return Err(AppError::bad_field(
                "/body/strategies",
                format!("The `/body/strategies` property must be an array of strategy names. You sent {other}."),
            ))
        }
    };
    let details = Details {
        description: optional_text(body, "description")?,
        url: optional_text(body, "url")?,
        color: optional_text(body, "color")?,
        icon: optional_text(body, "icon")?,
        strategies,
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let created = store::applications::save_details(&mut tx, app_name, &details, now).await?;
    if created {
        store::events::insert(
            &mut tx,
            &NewEvent::new(APPLICATION_CREATED).data(json!({
                "appName": app_name,
                "description": details.description,
                "url": details.url,
                "color": details.color,
                "icon": details.icon,
                "strategies": details.strategies.as_deref().map(|s| serde_json::from_str::<Value>(s).unwrap_or_default()).unwrap_or_else(|| json!([])),
            })),
            auth.actor(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `DELETE /api/admin/metrics/applications/{appName}`: removes the application and its
/// instances; deleting an unknown application succeeds too.
pub async fn delete(state: &AppState, app_name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    store::applications::delete(&mut tx, app_name).await?;
    tx.commit().await?;
    Ok(())
}

/// Where an application runs and what may be wrong there.
#[derive(Debug)]
pub struct ApplicationOverview {
    /// Projects of the flags it reported.
    pub projects: Vec<String>,
    /// Existing flags it reported.
    pub feature_count: usize,
    pub environments: Vec<OverviewEnvironment>,
    /// Strategies it registered with that do not exist here.
    pub missing_strategies: Vec<String>,
}

/// One environment an application reported usage in.
#[derive(Debug)]
pub struct OverviewEnvironment {
    pub name: String,
    /// Instances seen there in the last 24 hours.
    pub instance_count: usize,
    /// Their `sdk:version`s, all, then split into frontend and backend SDKs.
    pub sdks: Vec<String>,
    pub frontend_sdks: Vec<String>,
    pub backend_sdks: Vec<String>,
    pub last_seen: Option<chrono::DateTime<chrono::Utc>>,
    /// Flags it reported there that do not exist.
    pub missing_features: Vec<String>,
    /// Its SDK versions older than the supported minimum.
    pub outdated_sdks: Vec<String>,
}

/// `GET /api/admin/metrics/applications/{appName}/overview`
pub async fn overview(state: &AppState, app_name: &str) -> AppResult<ApplicationOverview> {
    let mut db = state.db.clone();
    let app = store::applications::application(&mut db, app_name)
        .await?
        .ok_or_else(|| not_found(app_name))?;
    // Instance counts and SDKs come from instances seen in the last 24 hours.
    let recent = state.clock.now() - TimeDelta::hours(24);
    let instances: Vec<_> = store::applications::instances(&mut db, Some(app_name))
        .await?
        .into_iter()
        .filter(|i| i.last_seen >= recent)
        .collect();
    let seen = store::applications::seen(&mut db, Some(app_name), None).await?;
    let projects: BTreeSet<&str> = seen.iter().filter_map(|s| s.project.as_deref()).collect();
    let features: BTreeSet<&str> = seen
        .iter()
        .filter(|s| s.project.is_some())
        .map(|s| s.feature_name.as_str())
        .collect();
    // Environments are those the application reported usage in.
    let env_names: BTreeSet<&str> = seen.iter().map(|s| s.environment.as_str()).collect();
    let environments = env_names
        .iter()
        .map(|env| {
            let here: Vec<_> = instances.iter().filter(|i| i.environment == *env).collect();
            let sdks: BTreeSet<&str> = here
                .iter()
                .filter_map(|i| i.sdk_version.as_deref())
                .collect();
            let missing: BTreeSet<&str> = seen
                .iter()
                .filter(|s| s.environment == *env && s.project.is_none())
                .map(|s| s.feature_name.as_str())
                .collect();
            let owned = |pick: &dyn Fn(&str) -> bool| -> Vec<String> {
                sdks.iter()
                    .filter(|s| pick(s))
                    .map(|s| s.to_string())
                    .collect()
            };
            OverviewEnvironment {
                name: env.to_string(),
                instance_count: here.len(),
                sdks: owned(&|_| true),
                frontend_sdks: owned(&is_frontend),
                backend_sdks: owned(&|s| !is_frontend(s)),
                last_seen: here.iter().map(|i| i.last_seen).max(),
                missing_features: missing.iter().map(|s| s.to_string()).collect(),
                outdated_sdks: owned(&is_outdated),
            }
        })
        .collect();
    let known = store::applications::strategies(&mut db).await?;
    let missing_strategies: Vec<String> = strategy_names(&app.strategies)
        .into_iter()
        .filter(|n| !DEPRECATED_STRATEGIES.contains(&n.as_str()))
        .filter(|n| !known.iter().any(|s| &s.name == n))
        .collect();
    Ok(ApplicationOverview {
        projects: projects.iter().map(|p| p.to_string()).collect(),
        feature_count: features.len(),
        environments,
        missing_strategies,
    })
}

/// An application that reported usage of a project's flags.
#[derive(Debug)]
pub struct ProjectApplication {
    pub name: String,
    pub environments: Vec<String>,
    /// Instance ids.
    pub instances: Vec<String>,
    /// SDK names with their versions.
    pub sdks: Vec<(String, Vec<String>)>,
}

/// `GET /api/admin/projects/{projectId}/applications`: applications that reported usage of
/// the project's flags, one entry per application with its environments, instances and SDKs
/// there. `query` holds comma-separated terms matched (case-insensitively) against the
/// application, environment, instance and SDK; only matching environments and instances are
/// listed. Sorted by application name, paged by application.
pub async fn project_applications(
    state: &AppState,
    project: &str,
    params: &HashMap<String, String>,
) -> AppResult<(usize, Vec<ProjectApplication>)> {
    let offset = bounded(params, "offset", 0, 1_000_000, 0)?;
    let limit = bounded(params, "limit", 1, 100, 50)?;
    let descending = params
        .get("sortOrder")
        .is_some_and(|s| s.eq_ignore_ascii_case("desc"));
    let terms: Vec<String> = params
        .get("query")
        .map(|q| {
            q.split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut db = state.db.clone();
    let known: BTreeSet<String> = store::metrics::applications(&mut db)
        .await?
        .into_iter()
        .map(|a| a.app_name)
        .collect();
    let seen = store::applications::seen(&mut db, None, Some(project)).await?;
    let instances = store::applications::instances(&mut db, None).await?;
    // One row per (application, environment, instance), as reported.
    let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for s in seen.iter().filter(|s| known.contains(&s.app_name)) {
        pairs.insert((&s.app_name, &s.environment));
    }
    struct Row<'a> {
        app: &'a str,
        env: &'a str,
        instance: Option<&'a str>,
        sdk: Option<&'a str>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for (app, env) in &pairs {
        let mut any = false;
        for i in instances
            .iter()
            .filter(|i| i.app_name == *app && i.environment == *env)
        {
            any = true;
            rows.push(Row {
                app,
                env,
                instance: Some(&i.instance_id),
                sdk: i.sdk_version.as_deref(),
            });
        }
        if !any {
            rows.push(Row {
                app,
                env,
                instance: None,
                sdk: None,
            });
        }
    }
    if !terms.is_empty() {
        rows.retain(|r| {
            let fields = [Some(r.app), Some(r.env), r.instance, r.sdk];
            terms.iter().any(|t| {
                fields
                    .iter()
                    .flatten()
                    .any(|f| f.to_lowercase().contains(t.as_str()))
            })
        });
    }
    let mut apps: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        apps.entry(r.app).or_default().push(r);
    }
    let mut list: Vec<ProjectApplication> = apps
        .iter()
        .map(|(name, rows)| {
            let envs: BTreeSet<&str> = rows.iter().map(|r| r.env).collect();
            let ids: BTreeSet<&str> = rows.iter().filter_map(|r| r.instance).collect();
            let mut sdks: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for v in rows.iter().filter_map(|r| r.sdk) {
                let (n, ver) = v.split_once(':').unwrap_or((v, ""));
                let e = sdks.entry(n).or_default();
                if !ver.is_empty() {
                    e.insert(ver);
                }
            }
            ProjectApplication {
                name: name.to_string(),
                environments: envs.iter().map(|e| e.to_string()).collect(),
                instances: ids.iter().map(|i| i.to_string()).collect(),
                sdks: sdks
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.iter().map(|v| v.to_string()).collect()))
                    .collect(),
            }
        })
        .collect();
    if descending {
        list.reverse();
    }
    let total = list.len();
    let page = list
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok((total, page))
}

/// A flag's counts in one hour, application and environment; `variants` is `None` for an
/// hour nothing was reported in.
#[derive(Debug)]
pub struct RawUsage {
    pub feature_name: String,
    pub app_name: String,
    pub environment: String,
    pub hour: chrono::DateTime<chrono::Utc>,
    pub yes: i64,
    pub no: i64,
    pub variants: Option<Value>,
}

/// `GET /api/admin/client-metrics/features/{name}/raw`: for each environment and
/// application (at most 100) that reported the flag in the last `hoursBack` hours, one row per
/// hour of that window (zero counts where nothing was reported), oldest first. An unknown
/// flag has no rows.
pub async fn raw_usage(
    state: &AppState,
    feature: &str,
    hours_back: i64,
) -> AppResult<Vec<RawUsage>> {
    let mut db = state.db.clone();
    let now = state.clock.now();
    let hour = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
    let rows = store::metrics::usage(&mut db, feature, now - TimeDelta::hours(hours_back)).await?;
    let mut environments: Vec<&str> = Vec::new();
    let mut apps: Vec<&str> = Vec::new();
    for r in &rows {
        if !environments.contains(&r.environment.as_str()) {
            environments.push(&r.environment);
        }
        if !apps.contains(&r.app_name.as_str()) && apps.len() < 100 {
            apps.push(&r.app_name);
        }
    }
    let mut data: Vec<RawUsage> = Vec::new();
    for env in &environments {
        for app in &apps {
            for i in 0..hours_back {
                let at = hour - TimeDelta::hours(i);
                let row = rows
                    .iter()
                    .find(|r| r.environment == *env && r.app_name == *app && r.hour == at);
                data.push(RawUsage {
                    feature_name: feature.to_string(),
                    app_name: app.to_string(),
                    environment: env.to_string(),
                    hour: at,
                    yes: row.map_or(0, |r| r.yes),
                    no: row.map_or(0, |r| r.no),
                    variants: row.map(|r| {
                        serde_json::from_str::<Value>(&r.variants).unwrap_or_else(|_| json!({}))
                    }),
                });
            }
        }
    }
    data.sort_by_key(|d| d.hour);
    Ok(data)
}

/// `GET /api/admin/metrics/sdks/outdated` (every application) and
/// `GET /api/admin/projects/{projectId}/sdks/outdated` (applications that reported usage of
/// the project's flags).
/// Returns each outdated `sdk:version` with the names of the applications using it.
pub async fn outdated_sdks(
    state: &AppState,
    project: Option<&str>,
) -> AppResult<Vec<(String, Vec<String>)>> {
    let mut db = state.db.clone();
    let instances = store::applications::instances(&mut db, None).await?;
    let in_project: Option<BTreeSet<String>> = match project {
        None => None,
        Some(p) => Some(
            store::applications::seen(&mut db, None, Some(p))
                .await?
                .into_iter()
                .map(|s| s.app_name)
                .collect(),
        ),
    };
    let mut sdks: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in &instances {
        if let Some(apps) = &in_project {
            if !apps.contains(&i.app_name) {
                continue;
            }
        }
        if let Some(v) = i.sdk_version.as_deref().filter(|v| is_outdated(v)) {
            sdks.entry(v).or_default().insert(&i.app_name);
        }
    }
    Ok(sdks
        .iter()
        .map(|(v, apps)| (v.to_string(), apps.iter().map(|a| a.to_string()).collect()))
        .collect())
}

/// `GET /api/admin/metrics/unknown-flags`: flags reported in the last 24 hours that do not
/// exist (at most 1000 reports).
/// A flag SDKs reported that does not exist.
#[derive(Debug)]
pub struct UnknownFlag {
    pub name: String,
    pub last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The newest event about a flag of that name (one deleted, say).
    pub last_event_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Per application, the environments it was reported in and when.
    pub reports: Vec<(String, Vec<Sighting>)>,
}

/// An environment an unknown flag was reported in, and when.
pub type Sighting = (String, chrono::DateTime<chrono::Utc>);

pub async fn unknown_flags(state: &AppState) -> AppResult<Vec<UnknownFlag>> {
    let mut db = state.db.clone();
    let since = state.clock.now() - TimeDelta::hours(24);
    let rows = store::applications::unknown_flags(&mut db, since).await?;
    // name -> app -> [(environment, seenAt)], in order of the newest report.
    let mut order: Vec<&str> = Vec::new();
    let mut by_name: HashMap<&str, BTreeMap<&str, Vec<&store::applications::UnknownRow>>> =
        HashMap::new();
    for r in &rows {
        if !by_name.contains_key(r.name.as_str()) {
            order.push(&r.name);
        }
        by_name
            .entry(&r.name)
            .or_default()
            .entry(&r.app_name)
            .or_default()
            .push(r);
    }
    order.sort_unstable();
    let mut list = Vec::new();
    for name in order {
        // Still unknown? A flag created since is no longer listed.
        if store::applications::flag_exists(&mut db, name).await? {
            continue;
        }
        let apps = &by_name[name];
        let last_seen = apps.values().flatten().map(|r| r.seen_at).max();
        let last_event = store::applications::last_event_for_flag(&mut db, name).await?;
        list.push(UnknownFlag {
            name: name.to_string(),
            last_seen_at: last_seen,
            last_event_at: last_event,
            reports: apps
                .iter()
                .map(|(app, rs)| {
                    (
                        app.to_string(),
                        rs.iter()
                            .map(|r| (r.environment.clone(), r.seen_at))
                            .collect(),
                    )
                })
                .collect(),
        });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outdated_follows_the_minimum_versions() {
        assert!(is_outdated("unleash-client-node:5.3.1"));
        assert!(is_outdated("unleash-client-node:5.3.2-beta.0"));
        assert!(!is_outdated("unleash-client-node:5.3.2"));
        assert!(!is_outdated("unleash-client-node:6.0.0"));
        assert!(is_outdated("unleash-client-java:8.4.0"));
        assert!(!is_outdated("unleash-client-rust:0.1.0"));
        assert!(!is_outdated("unleash-client-node:not-a-version"));
        assert!(!is_outdated("unleash-client-node"));
    }
}
