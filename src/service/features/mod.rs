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
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::features::FeatureFilter;
use crate::store::{self, Conn, Tx};

mod dependencies;
mod environments;
mod many;
mod read;
mod strategies;
mod tags;

pub use dependencies::*;
pub use environments::*;
pub use many::*;
use read::detail_of;
pub use read::*;
pub use strategies::*;
pub use tags::*;

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
    let pre =
        serde_json::to_value(detail_of(tx, &f).await?).map_err(|e| AppError::Internal(e.into()))?;
    store::features::delete(tx, name).await?;
    write_event(
        tx,
        event(rules::FEATURE_DELETED, &f).pre_data(pre),
        auth,
        state,
    )
    .await
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
