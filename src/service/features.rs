//! Feature flags: create, read, change, archive, revive, delete; their state per
//! environment, strategies, variants, tags and dependencies. Every change that SDKs can see
//! writes its audit event and bumps the revision in the same transaction.

use serde_json::{json, Value};

use super::projects::{
    environment_not_found, project_not_found, require_project, require_project_environment,
};
use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::features::{
    self as rules, Dependency, Feature, FeatureStrategy, StrategyInput, VariantKind,
};
use crate::domain::json_patch::{self, Operation};
use crate::domain::users::iso_opt;
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::features::FeatureFilter;
use crate::store::{self, Conn, Tx};

pub fn feature_not_found(name: &str) -> AppError {
    AppError::not_found(format!("Could not find feature flag with name \"{name}\"."))
}

/// A flag by name, archived or not; 404 naming it otherwise.
pub async fn load(c: &mut impl Conn, name: &str) -> AppResult<Feature> {
    store::features::get(c, name)
        .await?
        .ok_or_else(|| feature_not_found(name))
}

/// The project a flag belongs to, if the flag exists (permission checks use it).
pub async fn project_of(state: &AppState, name: &str) -> AppResult<Option<String>> {
    let mut db = state.db.clone();
    Ok(store::features::get(&mut db, name)
        .await?
        .map(|f| f.project))
}

/// A flag that is not archived and belongs to `project`; 404 naming the project or the flag.
pub async fn load_in_project(c: &mut impl Conn, project: &str, name: &str) -> AppResult<Feature> {
    require_project(c, project).await?;
    match store::features::get(c, name).await? {
        Some(f) if f.project == project && f.archived_at.is_none() => Ok(f),
        Some(f) if f.project == project => Err(AppError::not_found(format!(
            "The feature flag \"{name}\" is archived."
        ))),
        Some(_) => Err(AppError::not_found(format!(
            "Could not find feature flag \"{name}\" in the project \"{project}\"."
        ))),
        None => Err(feature_not_found(name)),
    }
}

async fn creator_json(c: &mut impl Conn, user_id: Option<i64>) -> AppResult<Value> {
    let Some(id) = user_id else {
        return Ok(Value::Null);
    };
    Ok(creator_of(id, store::users::get(c, id).await?.as_ref()))
}

/// `createdBy` for the user `id`, found or not.
fn creator_of(id: i64, user: Option<&crate::domain::users::User>) -> Value {
    match user {
        Some(u) => {
            let j = u.to_json();
            json!({"id": u.id, "name": u.display_name(), "imageUrl": j["imageUrl"]})
        }
        // Unleash's admin-token user, or a user deleted since.
        None if id == crate::auth::principal::ADMIN_TOKEN_USER_ID => {
            json!({"id": id, "name": "Unleash Admin Token User", "imageUrl": ""})
        }
        None => json!({"id": id, "name": "Deleted user", "imageUrl": ""}),
    }
}

fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect(),
    )
}

/// A flag in full, as `GET /api/admin/projects/{p}/features/{f}` shows it.
pub async fn detail(state: &AppState, project: &str, name: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    detail_of(&mut db, &f).await
}

async fn detail_of(c: &mut impl Conn, f: &Feature) -> AppResult<Value> {
    let envs = store::features::environments(c, f).await?;
    let created_by = creator_json(c, f.created_by_user_id).await?;
    let dependencies: Vec<Value> = store::features::dependencies(c, &f.name)
        .await?
        .iter()
        .map(Dependency::to_json)
        .collect();
    let children = store::features::children(c, &f.name).await?;
    let collaborators = if created_by.is_null() {
        json!([])
    } else {
        json!([created_by])
    };
    Ok(json!({
        "environments": envs.iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "name": f.name,
        "favorite": false,
        "impressionData": f.impression_data,
        "description": f.description,
        "project": f.project,
        "stale": f.stale,
        "createdAt": crate::domain::users::iso(f.created_at),
        "createdBy": created_by,
        "type": f.feature_type,
        "archived": f.archived_at.is_some(),
        "archivedAt": iso_opt(f.archived_at),
        "lastSeenAt": iso_opt(f.last_seen_at),
        "dependencies": dependencies,
        "children": children,
        "links": [],
        "collaborators": {"users": collaborators},
    }))
}

/// The rows of a project's flag list or of a search, in a fixed number of queries whatever
/// the number of flags (a few per 500).
async fn summaries(c: &mut impl Conn, flags: &[&Feature]) -> AppResult<Vec<Value>> {
    let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
    let mut envs = store::features::environments_of_many(c, flags).await?;
    let mut tags = store::features::tags_of_many(c, &names).await?;
    let (children, parents) = store::features::dependency_roles(c, &names).await?;
    let mut creator_ids: Vec<i64> = flags.iter().filter_map(|f| f.created_by_user_id).collect();
    creator_ids.sort_unstable();
    creator_ids.dedup();
    let creators: std::collections::HashMap<i64, crate::domain::users::User> =
        store::users::get_many(c, &creator_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let mut segment_ids: Vec<i64> = envs
        .values()
        .flatten()
        .flat_map(|e| e.strategies.iter().flat_map(|s| s.segments.iter().copied()))
        .collect();
    segment_ids.sort_unstable();
    segment_ids.dedup();
    let segment_names: std::collections::HashMap<i64, String> =
        store::segments::get_many(c, &segment_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    Ok(flags
        .iter()
        .map(|f| {
            let envs = envs.remove(&f.name).unwrap_or_default();
            let mut ids: Vec<i64> = envs
                .iter()
                .flat_map(|e| e.strategies.iter().flat_map(|s| s.segments.iter().copied()))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let segments: Vec<String> = ids
                .iter()
                .filter_map(|id| segment_names.get(id).cloned())
                .collect();
            let dependency_type = if children.contains(&f.name) {
                json!("child")
            } else if parents.contains(&f.name) {
                json!("parent")
            } else {
                Value::Null
            };
            let created_by = f
                .created_by_user_id
                .map_or(Value::Null, |id| creator_of(id, creators.get(&id)));
            summary_json(
                f,
                &envs,
                segments,
                &tags.remove(&f.name).unwrap_or_default(),
                dependency_type,
                created_by,
            )
        })
        .collect())
}

fn summary_json(
    f: &Feature,
    envs: &[crate::domain::features::FeatureEnvironment],
    segments: Vec<String>,
    tags: &[(String, String)],
    dependency_type: Value,
    created_by: Value,
) -> Value {
    json!({
        "name": f.name,
        "description": f.description,
        "dependencyType": dependency_type,
        "type": f.feature_type,
        "project": f.project,
        "stale": f.stale,
        "favorite": false,
        "impressionData": f.impression_data,
        "createdAt": crate::domain::users::iso(f.created_at),
        "archivedAt": iso_opt(f.archived_at),
        "lastSeenAt": iso_opt(f.last_seen_at),
        "createdBy": created_by,
        "environments": envs.iter().map(|e| e.summary_json(&f.name)).collect::<Vec<_>>(),
        "segments": segments,
        "tags": tags_json(tags),
    })
}

/// Flags matching a filter, summarised, with paging; returns (page, total).
pub async fn search(
    state: &AppState,
    filter: &FeatureFilter,
    offset: usize,
    limit: usize,
) -> AppResult<(Vec<Value>, usize)> {
    let mut db = state.db.clone();
    if let Some(projects) = &filter.projects {
        for p in projects {
            require_project(&mut db, p).await?;
        }
    }
    let all = store::features::list(&mut db, filter).await?;
    let total = all.len();
    let page: Vec<&Feature> = all.iter().skip(offset).take(limit).collect();
    Ok((summaries(&mut db, &page).await?, total))
}

/// The legacy and archive listings: the short form plus environments.
pub async fn list_short(state: &AppState, filter: &FeatureFilter) -> AppResult<Vec<Value>> {
    let mut db = state.db.clone();
    let mut out = Vec::new();
    let flags = store::features::list(&mut db, filter).await?;
    let mut all_envs =
        store::features::environments_of_many(&mut db, &flags.iter().collect::<Vec<_>>()).await?;
    for f in flags {
        let envs = all_envs.remove(&f.name).unwrap_or_default();
        let mut v = f.to_json();
        v["archivedAt"] = iso_opt(f.archived_at);
        v["lastSeenAt"] = iso_opt(f.last_seen_at);
        v["environments"] = Value::Array(envs.iter().map(|e| e.summary_json(&f.name)).collect());
        out.push(v);
    }
    Ok(out)
}

pub(crate) fn event(kind: &'static str, f: &Feature) -> NewEvent {
    NewEvent::new(kind)
        .feature(f.name.clone())
        .project(f.project.clone())
}

pub(crate) async fn write_event(
    tx: &mut Tx,
    ev: NewEvent,
    auth: &Authorized,
    state: &AppState,
) -> AppResult<()> {
    store::events::insert(tx, &ev, auth.actor(), state.clock.now()).await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeature {
    pub name: String,
    #[serde(rename = "type")]
    pub feature_type: Option<String>,
    pub description: Option<String>,
    pub impression_data: Option<bool>,
    pub tags: Option<Vec<TagInput>>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct TagInput {
    #[serde(rename = "type")]
    pub tag_type: String,
    pub value: String,
}

fn name_taken(archived: bool) -> AppError {
    if archived {
        AppError::NameExists("An archived flag with that name already exists".into())
    } else {
        AppError::NameExists("A flag with that name already exists".into())
    }
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    input: CreateFeature,
) -> AppResult<Feature> {
    rules::validate_name(&input.name)?;
    let feature_type = input.feature_type.unwrap_or_else(|| "release".into());
    rules::validate_type(&feature_type, "/body/type")?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    crate::service::projects::check_feature_naming(&mut tx, project, &input.name).await?;
    if let Some(existing) = store::features::get(&mut tx, &input.name).await? {
        return Err(name_taken(existing.archived_at.is_some()));
    }
    let f = Feature {
        name: input.name.clone(),
        project: project.to_string(),
        description: input.description,
        feature_type,
        stale: false,
        impression_data: input.impression_data.unwrap_or(false),
        archived_at: None,
        created_at: now,
        created_by_user_id: auth.actor().user_id,
        last_seen_at: None,
    };
    store::features::insert(&mut tx, &f)
        .await
        .on_unique_violation(|| name_taken(false))?;
    write_event(
        &mut tx,
        event(rules::FEATURE_CREATED, &f).data(f.to_json()),
        auth,
        state,
    )
    .await?;
    for t in input.tags.unwrap_or_default() {
        add_tag_in(&mut tx, state, auth, &f, &t).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(f)
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Option::<String>::deserialize(d).map(Some)
}

/// Fields of `PUT /api/admin/projects/{p}/features/{f}`; absent ones keep their value.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFeature {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub feature_type: Option<String>,
    /// Absent: keep; `null`: clear.
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    pub stale: Option<bool>,
    pub impression_data: Option<bool>,
    pub archived: Option<bool>,
    pub project: Option<String>,
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    input: UpdateFeature,
) -> AppResult<Feature> {
    let mut tx = state.db.begin().await?;
    let before = load_in_project(&mut tx, project, name).await?;
    let after = apply_update(&mut tx, state, auth, before, input).await?;
    commit(tx, state).await?;
    Ok(after)
}

async fn apply_update(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    before: Feature,
    input: UpdateFeature,
) -> AppResult<Feature> {
    if let Some(n) = &input.name {
        if n != &before.name {
            return Err(AppError::bad_field(
                "/body/name",
                format!(
                    "A flag cannot be renamed: the body names \"{n}\" but the path names \"{}\".",
                    before.name
                ),
            ));
        }
    }
    if let Some(p) = &input.project {
        if p != &before.project {
            return Err(AppError::bad_field(
                "/body/project",
                format!(
                    "Moving the flag \"{}\" to the project \"{p}\" is not supported here.",
                    before.name
                ),
            ));
        }
    }
    if input.archived == Some(true) {
        return Err(AppError::bad_field(
            "/body/archived",
            "Archive a flag with DELETE /api/admin/projects/{projectId}/features/{featureName}.",
        ));
    }
    let mut after = before.clone();
    if let Some(t) = input.feature_type {
        rules::validate_type(&t, "/body/type")?;
        after.feature_type = t;
    }
    if let Some(d) = input.description {
        after.description = d;
    }
    if let Some(s) = input.stale {
        after.stale = s;
    }
    if let Some(i) = input.impression_data {
        after.impression_data = i;
    }
    store::features::update(tx, &after).await?;
    write_event(
        tx,
        event(rules::FEATURE_METADATA_UPDATED, &after)
            .data(after.to_json())
            .pre_data(before.to_json()),
        auth,
        state,
    )
    .await?;
    if after.stale != before.stale {
        let kind = if after.stale {
            rules::FEATURE_STALE_ON
        } else {
            rules::FEATURE_STALE_OFF
        };
        write_event(tx, event(kind, &after), auth, state).await?;
    }
    store::revision::bump(tx).await?;
    Ok(after)
}

fn ops_from(raw: &Value) -> AppResult<Vec<Operation>> {
    serde_json::from_value(raw.clone()).map_err(|e| {
        AppError::bad_field(
            "/body",
            format!("The body must be a list of JSON Patch operations: {e}"),
        )
    })
}

/// Constraint lists are checked by the catalog's rules and stored in Unleash's shape.
fn validate_constraints(raw: &Value, path: &str) -> AppResult<Value> {
    let list = crate::domain::constraints::validate_constraints(raw, path)?;
    serde_json::to_value(list).map_err(AppError::internal)
}

pub async fn patch(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    ops: &Value,
) -> AppResult<Feature> {
    let ops = ops_from(ops)?;
    let mut tx = state.db.begin().await?;
    let before = load_in_project(&mut tx, project, name).await?;
    let doc = json_patch::apply(&before.patchable(), &ops)?;
    let input: UpdateFeature = serde_json::from_value(doc)
        .map_err(|e| AppError::bad_field("/body", format!("The patched flag is invalid: {e}")))?;
    let after = apply_update(&mut tx, state, auth, before, input).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// Archives a flag (DELETE on the project route). A parent of active children stays.
pub async fn archive(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    archive_in(&mut tx, state, auth, &f).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

async fn archive_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
) -> AppResult<()> {
    let name = f.name.as_str();
    let mut active_children = Vec::new();
    for child in store::features::children(tx, name).await? {
        if let Some(c) = store::features::get(tx, &child).await? {
            if c.archived_at.is_none() {
                active_children.push(child);
            }
        }
    }
    if !active_children.is_empty() {
        return Err(AppError::OperationDenied(format!(
            "You can not archive the parent flag \"{name}\" while the flags {} depend on it; archive them or remove their dependencies first.",
            active_children.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
        )));
    }
    store::features::set_archived(tx, name, Some(state.clock.now())).await?;
    // An archived child no longer depends on anything (as in Unleash).
    store::features::delete_dependencies(tx, name, None).await?;
    write_event(tx, event(rules::FEATURE_ARCHIVED, f), auth, state).await
}

async fn load_archived(c: &mut impl Conn, name: &str) -> AppResult<Feature> {
    let f = load(c, name).await?;
    if f.archived_at.is_none() {
        return Err(AppError::bad_data(format!(
            "The feature flag \"{name}\" is not archived."
        )));
    }
    Ok(f)
}

pub async fn revive(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    revive_in(&mut tx, state, auth, name).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

async fn revive_in(tx: &mut Tx, state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let f = load_archived(tx, name).await?;
    require_project(tx, &f.project).await?;
    store::features::set_archived(tx, name, None).await?;
    write_event(tx, event(rules::FEATURE_REVIVED, &f), auth, state).await
}

/// Deletes an archived flag for good.
pub async fn delete(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    delete_in(&mut tx, state, auth, name).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

async fn delete_in(tx: &mut Tx, state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let f = load_archived(tx, name).await?;
    let pre = detail_of(tx, &f).await?;
    store::features::delete(tx, name).await?;
    write_event(
        tx,
        event(rules::FEATURE_DELETED, &f).pre_data(pre),
        auth,
        state,
    )
    .await
}

// ---------------------------------------------------------------- environments

pub(crate) async fn set_enabled_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    if enabled
        && store::features::strategies(tx, &f.name, env)
            .await?
            .is_empty()
    {
        // As in Unleash: enabling an environment without strategies gives it one that lets
        // everyone in.
        let s = new_strategy(tx, f, env, rules::default_strategy(&f.name)).await?;
        store::features::insert_strategy(tx, &s, state.clock.now()).await?;
        write_event(
            tx,
            event(rules::FEATURE_STRATEGY_ADD, f)
                .environment(env)
                .data(s.to_json()),
            auth,
            state,
        )
        .await?;
    }
    store::features::set_enabled(tx, &f.name, env, enabled).await?;
    let kind = if enabled {
        rules::FEATURE_ENVIRONMENT_ENABLED
    } else {
        rules::FEATURE_ENVIRONMENT_DISABLED
    };
    write_event(tx, event(kind, f).environment(env), auth, state).await?;
    Ok(())
}

pub async fn set_enabled(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    set_enabled_in(&mut tx, state, auth, &f, env, enabled).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Enables or disables several flags of a project in one environment, all or nothing.
pub async fn bulk_set_enabled(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    require_project_environment(&mut tx, project, env).await?;
    for name in names {
        let f = load_in_project(&mut tx, project, name).await?;
        set_enabled_in(&mut tx, state, auth, &f, env, enabled).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// A flag's variants in one environment.
pub async fn env_variants(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    let envs = store::features::environments(&mut db, &f).await?;
    Ok(envs
        .into_iter()
        .find(|e| e.name == env)
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

/// How a variant change is given: a whole new list, or a JSON Patch of the current one.
pub enum VariantChange {
    Replace(Value),
    Patch(Value),
}

async fn current_variants(c: &mut impl Conn, f: &Feature, env: &str) -> AppResult<Value> {
    let envs = store::features::environments(c, f).await?;
    Ok(envs
        .into_iter()
        .find(|e| e.name == env)
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

fn changed_variants(before: &Value, change: &VariantChange) -> AppResult<Value> {
    let raw = match change {
        VariantChange::Replace(v) => v.clone(),
        VariantChange::Patch(ops) => json_patch::apply(before, &ops_from(ops)?)?,
    };
    rules::validate_variants(&raw, "/body", VariantKind::Flag)
}

/// Sets a flag's variants in one environment; returns the new list.
pub async fn set_env_variants(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    change: VariantChange,
) -> AppResult<Value> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = current_variants(&mut tx, &f, env).await?;
    let after = changed_variants(&before, &change)?;
    store::features::set_variants(&mut tx, name, env, &after).await?;
    let ev = event(rules::FEATURE_ENVIRONMENT_VARIANTS_UPDATED, &f)
        .environment(env)
        .data(json!({"variants": after}))
        .pre_data(json!({"variants": before}));
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// The older, environment-less variant routes: they read the first environment's list and
/// write every environment of the project.
pub async fn legacy_variants(state: &AppState, project: &str, name: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    let envs = store::features::environments(&mut db, &f).await?;
    Ok(envs
        .into_iter()
        .next()
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

pub async fn set_legacy_variants(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    change: VariantChange,
) -> AppResult<Value> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    let envs = store::features::environments(&mut tx, &f).await?;
    let before = envs
        .first()
        .map(|e| e.variants.clone())
        .unwrap_or_else(|| json!([]));
    let after = changed_variants(&before, &change)?;
    for e in &envs {
        store::features::set_variants(&mut tx, name, &e.name, &after).await?;
    }
    let ev = event(rules::FEATURE_VARIANTS_UPDATED, &f)
        .data(json!({"variants": after}))
        .pre_data(json!({"variants": before}));
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}

// ---------------------------------------------------------------- strategies

/// Checks a strategy against the store: its definition exists, its constraints are valid and
/// its segments exist.
pub(crate) async fn check_strategy(
    c: &mut impl Conn,
    project: &str,
    input: &mut StrategyInput,
) -> AppResult<()> {
    if store::strategies::get(c, &input.name).await?.is_none() {
        return Err(AppError::bad_field(
            "/body/name",
            format!(
                "The strategy \"{}\" does not exist; define it first or use a built-in one.",
                input.name
            ),
        ));
    }
    input.constraints = validate_constraints(&input.constraints, "/body/constraints")?;
    for (i, id) in input.segments.iter().enumerate() {
        match store::segments::get(c, *id).await? {
            None => {
                return Err(AppError::bad_field(
                    &format!("/body/segments/{i}"),
                    format!("The segment with id {id} does not exist."),
                ))
            }
            // A project's own segments serve only that project's flags.
            Some(seg) if seg.project.as_deref().is_some_and(|p| !p.is_empty() && p != project) => {
                return Err(AppError::bad_field(
                    &format!("/body/segments/{i}"),
                    format!("The segment \"{}\" (id {id}) belongs to the project \"{}\", not to \"{project}\".", seg.name, seg.project.unwrap_or_default()),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

pub(crate) async fn new_strategy(
    c: &mut impl Conn,
    f: &Feature,
    env: &str,
    input: StrategyInput,
) -> AppResult<FeatureStrategy> {
    let sort_order = match input.sort_order {
        Some(s) => s,
        None => store::features::max_sort_order(c, &f.name, env)
            .await?
            .map(|m| m + 1)
            .unwrap_or(0),
    };
    Ok(FeatureStrategy {
        id: uuid::Uuid::new_v4().to_string(),
        feature_name: f.name.clone(),
        project: f.project.clone(),
        environment: env.to_string(),
        name: input.name,
        title: input.title,
        parameters: input.parameters,
        constraints: input.constraints,
        variants: input.variants,
        sort_order,
        disabled: input.disabled,
        segments: input.segments,
    })
}

pub async fn strategies(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
) -> AppResult<Vec<FeatureStrategy>> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    Ok(store::features::strategies(&mut db, name, env).await?)
}

async fn load_strategy(
    c: &mut impl Conn,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<FeatureStrategy> {
    match store::features::strategy(c, id).await? {
        Some(s) if s.feature_name == name && s.environment == env => Ok(s),
        _ => Err(AppError::not_found(format!("Could not find strategy with id \"{id}\" on the flag \"{name}\" in the environment \"{env}\"."))),
    }
}

pub async fn strategy(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<FeatureStrategy> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    load_strategy(&mut db, name, env, id).await
}

pub async fn add_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    raw: &Value,
) -> AppResult<FeatureStrategy> {
    let mut input = StrategyInput::from_json(raw, None)?;
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    check_strategy(&mut tx, project, &mut input).await?;
    let s = new_strategy(&mut tx, &f, env, input).await?;
    store::features::insert_strategy(&mut tx, &s, state.clock.now()).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_ADD, &f)
            .environment(env)
            .data(s.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(s)
}

/// How a strategy change is given: fields to replace (PUT) or a JSON Patch (PATCH).
pub enum StrategyChange {
    Update(Value),
    Patch(Value),
}

pub async fn update_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
    change: StrategyChange,
) -> AppResult<FeatureStrategy> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = load_strategy(&mut tx, name, env, id).await?;
    let base = before.editable();
    let mut input = match change {
        StrategyChange::Update(raw) => StrategyInput::from_json(&raw, Some(&base))?,
        StrategyChange::Patch(ops) => {
            let doc = json_patch::apply(&base.to_json(), &ops_from(&ops)?)?;
            StrategyInput::from_json(&doc, Some(&base))?
        }
    };
    check_strategy(&mut tx, project, &mut input).await?;
    let after = FeatureStrategy {
        name: input.name,
        title: input.title,
        disabled: input.disabled,
        sort_order: input.sort_order.unwrap_or(before.sort_order),
        parameters: input.parameters,
        constraints: input.constraints,
        variants: input.variants,
        segments: input.segments,
        ..before.clone()
    };
    store::features::update_strategy(&mut tx, &after).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_UPDATE, &f)
            .environment(env)
            .data(after.to_json())
            .pre_data(before.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// Finds a strategy by id alone, with the flag it belongs to; `None` when there is none.
pub async fn strategy_by_id(state: &AppState, id: &str) -> AppResult<Option<FeatureStrategy>> {
    let mut db = state.db.clone();
    Ok(store::features::strategy(&mut db, id).await?)
}

/// Sets a strategy's segments to exactly `segment_ids` (Unleash's
/// `POST /api/admin/segments/strategies`): an ordinary strategy update, with its checks, its
/// `feature-strategy-update` event and a revision bump.
pub async fn set_strategy_segments(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    env: &str,
    id: &str,
    segment_ids: &[i64],
) -> AppResult<FeatureStrategy> {
    let found = strategy_by_id(state, id).await?;
    let Some(s) = found.filter(|s| s.project == project && s.environment == env) else {
        return Err(AppError::not_found(format!(
            "Could not find strategy with id \"{id}\" in the project \"{project}\" and the environment \"{env}\"."
        )));
    };
    update_strategy(
        state,
        auth,
        project,
        &s.feature_name,
        env,
        id,
        StrategyChange::Update(serde_json::json!({ "segments": segment_ids })),
    )
    .await
}

pub async fn delete_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = load_strategy(&mut tx, name, env, id).await?;
    store::features::delete_strategy(&mut tx, id).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_REMOVE, &f)
            .environment(env)
            .pre_data(before.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SortOrderEntry {
    pub id: String,
    pub sort_order: i64,
}

pub async fn set_sort_order(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    entries: &[SortOrderEntry],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before: Vec<Value> = store::features::strategies(&mut tx, name, env)
        .await?
        .iter()
        .map(|s| json!({"id": s.id, "sortOrder": s.sort_order}))
        .collect();
    for e in entries {
        load_strategy(&mut tx, name, env, &e.id).await?;
        store::features::set_strategy_sort_order(&mut tx, &e.id, e.sort_order).await?;
    }
    let after: Vec<Value> = store::features::strategies(&mut tx, name, env)
        .await?
        .iter()
        .map(|s| json!({"id": s.id, "sortOrder": s.sort_order}))
        .collect();
    write_event(
        &mut tx,
        event(rules::STRATEGY_ORDER_CHANGED, &f)
            .environment(env)
            .data(json!(after))
            .pre_data(json!(before)),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

// ---------------------------------------------------------------- tags

pub async fn tags(state: &AppState, name: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    load(&mut db, name).await?;
    Ok(tags_json(&store::features::tags(&mut db, name).await?))
}

pub(crate) async fn add_tag_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    t: &TagInput,
) -> AppResult<bool> {
    let value = t.value.trim();
    rules::validate_tag_value(value, "/body/value")?;
    if !store::features::tag_type_exists(tx, &t.tag_type).await? {
        return Err(AppError::not_found(format!(
            "Could not find tag type \"{}\".",
            t.tag_type
        )));
    }
    let added =
        store::features::add_tag(tx, &f.name, &t.tag_type, value, state.clock.now()).await?;
    if added {
        write_event(
            tx,
            event(rules::FEATURE_TAGGED, f).data(json!({"type": t.tag_type, "value": value})),
            auth,
            state,
        )
        .await?;
        // SDKs may filter by tag (`?tag=`), so a flag's tags are part of what they see.
        store::revision::bump(tx).await?;
    }
    Ok(added)
}

async fn remove_tag_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    tag_type: &str,
    value: &str,
) -> AppResult<()> {
    if store::features::remove_tag(tx, &f.name, tag_type, value).await? > 0 {
        write_event(
            tx,
            event(rules::FEATURE_UNTAGGED, f).pre_data(json!({"type": tag_type, "value": value})),
            auth,
            state,
        )
        .await?;
        store::revision::bump(tx).await?;
    }
    Ok(())
}

pub async fn add_tag(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    t: &TagInput,
) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    let added = add_tag_in(&mut tx, state, auth, &f, t).await?;
    commit(tx, state).await?;
    Ok(added)
}

pub async fn update_tags(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    added: &[TagInput],
    removed: &[TagInput],
) -> AppResult<Value> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    for t in removed {
        remove_tag_in(&mut tx, state, auth, &f, &t.tag_type, t.value.trim()).await?;
    }
    for t in added {
        add_tag_in(&mut tx, state, auth, &f, t).await?;
    }
    let now = tags_json(&store::features::tags(&mut tx, name).await?);
    commit(tx, state).await?;
    Ok(now)
}

pub async fn remove_tag(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    tag_type: &str,
    value: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    remove_tag_in(&mut tx, state, auth, &f, tag_type, value).await?;
    commit(tx, state).await?;
    Ok(())
}

// ---------------------------------------------------------------- dependencies

#[derive(Debug, Clone, serde::Deserialize)]
pub struct AddDependency {
    pub feature: String,
    pub enabled: Option<bool>,
    pub variants: Option<Vec<String>>,
}

/// Makes `child` depend on a parent. Dependencies are one level deep (a parent has no parent,
/// a child has no children); a child may have several parents, which the SDKs all evaluate.
/// Adding a parent again replaces its options.
pub async fn add_dependency(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    child: &str,
    input: AddDependency,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, child).await?;
    if input.feature == child {
        return Err(AppError::bad_field(
            "/body/feature",
            format!("The flag \"{child}\" cannot depend on itself."),
        ));
    }
    let parent = match store::features::get(&mut tx, &input.feature).await? {
        Some(p) if p.archived_at.is_none() => p,
        Some(_) => {
            return Err(AppError::bad_field(
                "/body/feature",
                format!("The parent flag \"{}\" is archived.", input.feature),
            ))
        }
        None => {
            return Err(AppError::bad_field(
                "/body/feature",
                format!("The parent flag \"{}\" does not exist.", input.feature),
            ))
        }
    };
    if !store::features::dependencies(&mut tx, &parent.name)
        .await?
        .is_empty()
    {
        return Err(AppError::bad_field(
            "/body/feature",
            format!(
                "The flag \"{}\" depends on another flag itself; dependencies are one level deep.",
                parent.name
            ),
        ));
    }
    if !store::features::children(&mut tx, child).await?.is_empty() {
        return Err(AppError::bad_field(
            "/body/feature",
            format!("Other flags depend on \"{child}\", so it cannot depend on a flag itself; dependencies are one level deep."),
        ));
    }
    let enabled = input.enabled.unwrap_or(true);
    let variants = if enabled {
        input.variants.unwrap_or_default()
    } else {
        Vec::new()
    };
    let d = Dependency {
        parent: parent.name.clone(),
        child: child.to_string(),
        enabled,
        variants,
    };
    let before = store::features::dependencies(&mut tx, child)
        .await?
        .into_iter()
        .find(|e| e.parent == parent.name);
    store::features::delete_dependencies(&mut tx, child, Some(&parent.name)).await?;
    store::features::insert_dependency(&mut tx, &d).await?;
    let mut ev = event(rules::FEATURE_DEPENDENCY_ADDED, &f).data(d.to_json());
    if let Some(b) = before {
        ev = ev.pre_data(b.to_json());
    }
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Removes the child's dependency on `parent`, or all of its dependencies.
pub async fn remove_dependency(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    child: &str,
    parent: Option<&str>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, child).await?;
    let removed = store::features::delete_dependencies(&mut tx, child, parent).await?;
    if removed > 0 {
        let ev = match parent {
            Some(p) => event(rules::FEATURE_DEPENDENCY_REMOVED, &f).pre_data(json!({"feature": p})),
            None => event(rules::FEATURE_DEPENDENCIES_REMOVED, &f),
        };
        write_event(&mut tx, ev, auth, state).await?;
        store::revision::bump(&mut tx).await?;
    }
    commit(tx, state).await?;
    Ok(())
}

/// Flags of the project that `child` could depend on.
pub async fn parent_options(
    state: &AppState,
    project: &str,
    child: &str,
) -> AppResult<Vec<String>> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, child).await?;
    let filter = FeatureFilter {
        projects: Some(vec![project.to_string()]),
        ..Default::default()
    };
    let mut out = Vec::new();
    for f in store::features::list(&mut db, &filter).await? {
        if f.name != child
            && store::features::dependencies(&mut db, &f.name)
                .await?
                .is_empty()
        {
            out.push(f.name);
        }
    }
    Ok(out)
}

/// 404 naming the environment when it does not exist at all.
pub async fn require_environment(state: &AppState, env: &str) -> AppResult<()> {
    let mut db = state.db.clone();
    if store::projects::environment_exists(&mut db, env).await? {
        Ok(())
    } else {
        Err(environment_not_found(env))
    }
}

/// 404 naming the project when it does not exist.
pub async fn require_project_exists(state: &AppState, project: &str) -> AppResult<()> {
    let mut db = state.db.clone();
    if store::projects::exists(&mut db, project).await? {
        Ok(())
    } else {
        Err(project_not_found(project))
    }
}

/// Commits, then tells this node's SDK cache to re-read the revision, so that the change is
/// served at once here (other nodes notice within the cache's revision TTL).
pub(crate) async fn commit(tx: Tx, state: &AppState) -> AppResult<()> {
    tx.commit().await?;
    state.features.invalidate();
    Ok(())
}

/// Checks that a name is valid and free (`POST /api/admin/features/validate`).
pub async fn validate_new_name(state: &AppState, name: &str) -> AppResult<()> {
    rules::validate_name(name)?;
    let mut db = state.db.clone();
    match store::features::get(&mut db, name).await? {
        Some(existing) => Err(name_taken(existing.archived_at.is_some())),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloneFeature {
    pub name: String,
    /// Points `groupId` parameters at the new name (default), so that the clone buckets
    /// users independently of the original.
    pub replace_group_id: Option<bool>,
}

/// Copies a flag, with its strategies and variants in every environment, under a new name in
/// the same project. The copy starts disabled everywhere.
pub async fn clone(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    input: CloneFeature,
) -> AppResult<Feature> {
    rules::validate_name(&input.name)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let source = load_in_project(&mut tx, project, name).await?;
    if let Some(existing) = store::features::get(&mut tx, &input.name).await? {
        return Err(name_taken(existing.archived_at.is_some()));
    }
    let f = Feature {
        name: input.name.clone(),
        stale: false,
        archived_at: None,
        created_at: now,
        created_by_user_id: auth.actor().user_id,
        last_seen_at: None,
        ..source.clone()
    };
    store::features::insert(&mut tx, &f)
        .await
        .on_unique_violation(|| name_taken(false))?;
    write_event(
        &mut tx,
        event(rules::FEATURE_CREATED, &f).data(f.to_json()),
        auth,
        state,
    )
    .await?;
    let replace = input.replace_group_id.unwrap_or(true);
    for env in store::features::environments(&mut tx, &source).await? {
        if env.variants.as_array().is_some_and(|v| !v.is_empty()) {
            store::features::set_variants(&mut tx, &f.name, &env.name, &env.variants).await?;
        }
        for s in env.strategies {
            let mut parameters = s.parameters.clone();
            if replace
                && parameters.get("groupId").and_then(Value::as_str) == Some(source.name.as_str())
            {
                parameters["groupId"] = json!(f.name);
            }
            let copy = FeatureStrategy {
                id: uuid::Uuid::new_v4().to_string(),
                feature_name: f.name.clone(),
                parameters,
                ..s
            };
            store::features::insert_strategy(&mut tx, &copy, now).await?;
            write_event(
                &mut tx,
                event(rules::FEATURE_STRATEGY_ADD, &f)
                    .environment(env.name.clone())
                    .data(copy.to_json()),
                auth,
                state,
            )
            .await?;
        }
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(f)
}

/// The flags named in a batch request, checked to belong to `project`. Unknown names are
/// left out when `skip_unknown`, else 404.
async fn batch(
    c: &mut impl Conn,
    project: &str,
    names: &[String],
    skip_unknown: bool,
) -> AppResult<Vec<Feature>> {
    require_project(c, project).await?;
    let mut out = Vec::new();
    for name in names {
        match store::features::get(c, name).await? {
            Some(f) if f.project == project => out.push(f),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/features",
                    format!("The flag \"{name}\" is not in the project \"{project}\"."),
                ))
            }
            None if skip_unknown => {}
            None => return Err(feature_not_found(name)),
        }
    }
    Ok(out)
}

/// Archives several flags of a project, all or nothing; unknown or already archived ones are
/// skipped.
pub async fn archive_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, true).await? {
        if f.archived_at.is_none() {
            archive_in(&mut tx, state, auth, &f).await?;
        }
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Revives several archived flags of a project, all or nothing.
pub async fn revive_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        revive_in(&mut tx, state, auth, &f.name).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Deletes several archived flags of a project for good, all or nothing.
pub async fn delete_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        delete_in(&mut tx, state, auth, &f.name).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Marks several flags of a project as stale or not, all or nothing.
pub async fn set_stale_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
    stale: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        apply_update(
            &mut tx,
            state,
            auth,
            f,
            UpdateFeature {
                stale: Some(stale),
                ..Default::default()
            },
        )
        .await?;
    }
    commit(tx, state).await
}

/// The variant names a child could require of `parent`: its flag variants and strategy
/// variants in every environment, each once, sorted.
pub async fn parent_variant_options(
    state: &AppState,
    project: &str,
    parent: &str,
) -> AppResult<Vec<String>> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, parent).await?;
    let mut names = Vec::new();
    for env in store::features::environments(&mut db, &f).await? {
        let strategy_variants = env
            .strategies
            .iter()
            .flat_map(|s| s.variants.as_array().cloned().unwrap_or_default());
        for v in env
            .variants
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(strategy_variants)
        {
            if let Some(n) = v["name"].as_str() {
                names.push(n.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// True when any flag of the project depends on another.
pub async fn project_has_dependencies(state: &AppState, project: &str) -> AppResult<bool> {
    let mut db = state.db.clone();
    require_project(&mut db, project).await?;
    let filter = FeatureFilter {
        projects: Some(vec![project.to_string()]),
        ..Default::default()
    };
    for f in store::features::list(&mut db, &filter).await? {
        if !store::features::dependencies(&mut db, &f.name)
            .await?
            .is_empty()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many flags exist: (active, archived).
pub async fn counts(state: &AppState) -> AppResult<(usize, usize)> {
    let mut db = state.db.clone();
    let active = store::features::list(&mut db, &FeatureFilter::default())
        .await?
        .len();
    let archived = store::features::list(
        &mut db,
        &FeatureFilter {
            archived: true,
            ..Default::default()
        },
    )
    .await?
    .len();
    Ok((active, archived))
}

/// An archived flag by name: 404 if there is no such flag, 400 if it is not archived.
pub async fn get_archived(state: &AppState, name: &str) -> AppResult<Feature> {
    let mut db = state.db.clone();
    load_archived(&mut db, name).await
}

/// What archiving `names` would do to dependencies: whether any of them is a parent or a
/// child, and the parents among them that keep a child outside the list (Unleash refuses to
/// archive those).
pub async fn archive_dependency_impact(
    state: &AppState,
    names: &[String],
) -> AppResult<(bool, Vec<String>)> {
    let mut db = state.db.clone();
    let mut has_dependencies = false;
    let mut orphaned = Vec::new();
    for name in names {
        if !store::features::dependencies(&mut db, name)
            .await?
            .is_empty()
        {
            has_dependencies = true;
        }
        let children = store::features::children(&mut db, name).await?;
        if !children.is_empty() {
            has_dependencies = true;
            if children.iter().any(|c| !names.contains(c)) && !orphaned.contains(name) {
                orphaned.push(name.clone());
            }
        }
    }
    Ok((has_dependencies, orphaned))
}
