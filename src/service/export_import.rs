//! Unleash's export and import of flags (`/api/admin/features-batch/*`) and its start-up
//! import (`IMPORT_FILE`).
//!
//! An export describes some flags in one environment: their metadata, that environment's
//! strategies, enabled state and variants, plus what those refer to (context fields,
//! segments by name, tags and tag types, dependencies). An import writes such a document into
//! one project and environment in a single transaction: flags are created or updated, the
//! environment's strategies of every imported flag are replaced, tags are replaced, missing
//! tag types and context fields are created, and every change writes its audit event.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::features::{
    add_tag_in, check_strategy, commit, event, new_strategy, set_enabled_in, write_event, TagInput,
};
use super::projects::require_project_environment;
use crate::auth::permission::Scope;
use crate::auth::{Authorized, Principal};
use crate::domain::context::{self as context_rules, ContextField, LegalValueInput};
use crate::domain::events::NewEvent;
use crate::domain::features::{self as rules, Dependency, Feature, StrategyInput, VariantKind};
use crate::domain::permissions::{
    CREATE_CONTEXT_FIELD, CREATE_FEATURE, CREATE_FEATURE_STRATEGY, CREATE_TAG_TYPE,
    DELETE_FEATURE_STRATEGY, UPDATE_FEATURE, UPDATE_FEATURE_ENVIRONMENT_VARIANTS,
};
use crate::domain::tag_types::{self as tag_rules, TagType};
use crate::error::{AppError, AppResult, Detail, ResultExt};
use crate::service::shapes::{
    self, ExportContextField, ExportDependencies, ExportFlag, ExportFlagEnvironment, ExportLink,
    ExportLinks, ExportParent, ExportSegment, ExportStrategy, ExportTag, ExportTagType, LegalValue,
};
use crate::state::AppState;
use crate::store::features::FeatureFilter;
use crate::store::{self, Conn, Tx};

pub const FEATURES_EXPORTED: &str = "features-exported";
pub const FEATURES_IMPORTED: &str = "features-imported";

// ---------------------------------------------------------------- the document

/// `exportQuerySchema`: which flags to export, from which environment. `tag` wins over
/// `features`, which wins over `project`; with none of them every flag is exported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    pub environment: String,
    #[serde(default)]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub download_file: Option<bool>,
}

/// `importTogglesSchema`: a document to import into a project and environment.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportRequest {
    pub project: String,
    pub environment: String,
    pub data: ExportDocument,
}

/// `exportResultSchema`, as read at import. Unknown fields are ignored, as Unleash does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDocument {
    pub features: Vec<FeatureItem>,
    pub feature_strategies: Vec<Value>,
    #[serde(default)]
    pub feature_environments: Option<Vec<FeatureEnvironmentItem>>,
    #[serde(default)]
    pub context_fields: Option<Vec<ContextFieldItem>>,
    #[serde(default)]
    pub feature_tags: Option<Vec<FeatureTagItem>>,
    #[serde(default)]
    pub segments: Option<Vec<SegmentRef>>,
    pub tag_types: Vec<TagTypeItem>,
    #[serde(default)]
    pub dependencies: Option<Vec<DependencyItem>>,
    #[serde(default)]
    pub links: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureItem {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "type")]
    pub feature_type: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub stale: Option<bool>,
    #[serde(default)]
    pub impression_data: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureEnvironmentItem {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub feature_name: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub variants: Option<Value>,
    #[serde(default)]
    pub name: Option<String>,
}

impl FeatureEnvironmentItem {
    fn flag(&self) -> Option<&str> {
        self.feature_name.as_deref().or(self.name.as_deref())
    }
    fn has_variants(&self) -> bool {
        self.variants
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextFieldItem {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub stickiness: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub legal_values: Option<Vec<LegalValueItem>>,
    #[serde(default)]
    pub project: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LegalValueItem {
    pub value: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureTagItem {
    pub feature_name: String,
    #[serde(default)]
    pub tag_type: Option<String>,
    pub tag_value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SegmentRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TagTypeItem {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DependencyItem {
    pub feature: String,
    pub dependencies: Vec<ParentItem>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ParentItem {
    pub feature: String,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub variants: Option<Vec<String>>,
}

// ---------------------------------------------------------------- export

fn strategy_name_of(raw: &Value) -> &str {
    raw.get("name").and_then(Value::as_str).unwrap_or("")
}

fn strategy_flag_of(raw: &Value) -> Option<&str> {
    raw.get("featureName").and_then(Value::as_str)
}

/// The names of the flags an export query selects.
async fn selected_flags(c: &mut impl Conn, q: &ExportQuery) -> AppResult<Vec<Feature>> {
    let live = FeatureFilter::default();
    if let Some(tag) = &q.tag {
        // By tag value, archived flags included, as Unleash selects them.
        let archived = FeatureFilter {
            archived: true,
            ..Default::default()
        };
        let mut candidates = store::features::list(c, &live).await?;
        candidates.extend(store::features::list(c, &archived).await?);
        candidates.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = Vec::new();
        for f in candidates {
            if store::features::tags(c, &f.name)
                .await?
                .iter()
                .any(|(_, v)| v == tag)
            {
                out.push(f);
            }
        }
        return Ok(out);
    }
    if let Some(names) = q.features.as_ref().filter(|n| !n.is_empty()) {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for n in names {
            if seen.insert(n.clone()) {
                if let Some(f) = store::features::get(c, n).await? {
                    out.push(f);
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(out);
    }
    let filter = FeatureFilter {
        projects: q.project.clone().map(|p| vec![p]),
        ..Default::default()
    };
    let mut all = store::features::list(c, &filter).await?;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// Builds Unleash's export document for the selected flags in one environment.
pub async fn export_document(
    c: &mut impl Conn,
    q: &ExportQuery,
) -> AppResult<shapes::ExportDocument> {
    let mut flags = selected_flags(c, q).await?;
    flags.sort_by(|a, b| a.name.cmp(&b.name));
    let mut features = Vec::new();
    let mut strategies = Vec::new();
    let mut environments = Vec::new();
    let mut tags = Vec::new();
    let mut dependencies = Vec::new();
    let mut links = Vec::new();
    let mut used_context: HashSet<String> = HashSet::new();
    let mut used_segments: Vec<i64> = Vec::new();
    let mut used_tag_types: HashSet<String> = HashSet::new();
    for f in &flags {
        features.push(ExportFlag {
            archived: f.archived_at.is_some(),
            description: f.description.clone(),
            impression_data: f.impression_data,
            name: f.name.clone(),
            project: f.project.clone(),
            stale: f.stale,
            flag_type: f.feature_type.clone(),
        });
        let envs = store::features::environments(c, f).await?;
        if let Some(e) = envs.into_iter().find(|e| e.name == q.environment) {
            for s in &e.strategies {
                if let Some(st) = s.parameters.get("stickiness").and_then(Value::as_str) {
                    used_context.insert(st.to_string());
                }
                collect_constraint_fields(&s.constraints, &mut used_context);
                for id in &s.segments {
                    if !used_segments.contains(id) {
                        used_segments.push(*id);
                    }
                }
                strategies.push(ExportStrategy {
                    constraints: s.constraints.clone(),
                    disabled: s.disabled,
                    feature_name: s.feature_name.clone(),
                    id: s.id.clone(),
                    name: s.name.clone(),
                    parameters: s.parameters.clone(),
                    segments: s.segments.clone(),
                    title: s.title.clone(),
                    variants: s.variants.clone(),
                });
            }
            for v in e.variants.as_array().into_iter().flatten() {
                if let Some(st) = v.get("stickiness").and_then(Value::as_str) {
                    used_context.insert(st.to_string());
                }
                for o in v
                    .get("overrides")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = o.get("contextName").and_then(Value::as_str) {
                        used_context.insert(n.to_string());
                    }
                }
            }
            environments.push(ExportFlagEnvironment {
                enabled: e.enabled,
                environment: e.name.clone(),
                feature_name: f.name.clone(),
                name: f.name.clone(),
                variants: e.variants.clone(),
            });
        }
        let mut flag_tags = store::features::tags(c, &f.name).await?;
        flag_tags.sort();
        for (t, v) in flag_tags {
            used_tag_types.insert(t.clone());
            tags.push(ExportTag {
                feature_name: f.name.clone(),
                tag_type: t,
                tag_value: v,
            });
        }
        let flag_links: Vec<ExportLink> = store::links::of_feature(c, &f.name)
            .await?
            .into_iter()
            .map(|l| ExportLink {
                title: l.title,
                url: l.url,
            })
            .collect();
        if !flag_links.is_empty() {
            links.push(ExportLinks {
                feature: f.name.clone(),
                links: flag_links,
            });
        }
        let deps = store::features::dependencies(c, &f.name).await?;
        if !deps.is_empty() {
            dependencies.push(ExportDependencies {
                dependencies: deps
                    .into_iter()
                    .map(|d| ExportParent {
                        enabled: d.enabled,
                        feature: d.parent,
                        variants: d.variants,
                    })
                    .collect(),
                feature: f.name.clone(),
            });
        }
    }
    let mut context_fields = Vec::new();
    for field in store::context::list(c).await? {
        if used_context.contains(&field.name) {
            context_fields.push(export_context_field(&field));
        }
    }
    used_segments.sort_unstable();
    let segments: Vec<ExportSegment> = if used_segments.is_empty() {
        Vec::new()
    } else {
        store::segments::get_many(c, &used_segments)
            .await?
            .into_iter()
            .map(|s| ExportSegment {
                id: s.id,
                name: s.name,
            })
            .collect()
    };
    let tag_types: Vec<ExportTagType> = store::tag_types::list(c)
        .await?
        .into_iter()
        .filter(|t| used_tag_types.contains(&t.name))
        .map(|t| ExportTagType {
            color: t.color,
            description: t.description,
            icon: t.icon,
            name: t.name,
        })
        .collect();
    Ok(shapes::ExportDocument {
        context_fields,
        dependencies,
        feature_environments: environments,
        feature_strategies: strategies,
        feature_tags: tags,
        features,
        links,
        segments,
        tag_types,
    })
}

fn collect_constraint_fields(constraints: &Value, out: &mut HashSet<String>) {
    for c in constraints.as_array().into_iter().flatten() {
        if let Some(n) = c.get("contextName").and_then(Value::as_str) {
            out.insert(n.to_string());
        }
    }
}

fn export_context_field(f: &ContextField) -> ExportContextField {
    ExportContextField {
        description: f.description.clone(),
        legal_values: f.legal_values.iter().map(LegalValue::from).collect(),
        name: f.name.clone(),
        project: f.project.clone(),
        sort_order: f.sort_order,
        stickiness: f.stickiness,
    }
}

/// `POST /api/admin/features-batch/export`: the document, plus an audit event that records it.
/// The export document of a query, without recording an export.
pub async fn export_document_of(
    state: &AppState,
    q: &ExportQuery,
) -> AppResult<shapes::ExportDocument> {
    let mut db = state.db.clone();
    export_document(&mut db, q).await
}

pub async fn export(
    state: &AppState,
    auth: &Authorized,
    q: &ExportQuery,
) -> AppResult<shapes::ExportDocument> {
    let mut tx = state.db.begin().await?;
    let doc = export_document(&mut tx, q).await?;
    let data = serde_json::to_value(&doc).map_err(|e| AppError::Internal(e.into()))?;
    let ev = NewEvent::new(FEATURES_EXPORTED).data(data);
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(doc)
}

// ---------------------------------------------------------------- validation

/// One finding of an import check: a message and what it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationItem {
    pub message: String,
    pub affected_items: Vec<String>,
}

fn item(message: impl Into<String>, affected: Vec<String>) -> ValidationItem {
    ValidationItem {
        message: message.into(),
        affected_items: affected,
    }
}

/// What a document would do to the database, and what stands in its way.
#[derive(Debug, Default)]
struct Analysis {
    unsupported_strategies: Vec<String>,
    custom_strategies: Vec<String>,
    bad_context_fields: Vec<String>,
    archived: Vec<String>,
    other_project: Vec<String>,
    existing: Vec<String>,
    duplicates: Vec<String>,
    missing_segments: Vec<String>,
    missing_dependencies: Vec<String>,
    new_tag_types: Vec<TagTypeItem>,
    new_context_fields: Vec<ContextFieldItem>,
    strategies_exist: bool,
}

async fn analyse(
    c: &mut impl Conn,
    project: &str,
    env: &str,
    doc: &ExportDocument,
) -> AppResult<Analysis> {
    let mut a = Analysis::default();
    let definitions = store::strategies::list(c).await?;
    for s in &doc.feature_strategies {
        let name = strategy_name_of(s);
        match definitions.iter().find(|d| d.name == name) {
            None => a.unsupported_strategies.push(name.to_string()),
            Some(d) if !d.built_in && !a.custom_strategies.iter().any(|n| n == name) => {
                a.custom_strategies.push(name.to_string())
            }
            Some(_) => {}
        }
    }
    let fields = store::context::list(c).await?;
    for imported in doc.context_fields.iter().flatten() {
        match fields.iter().find(|f| f.name == imported.name) {
            None => a.new_context_fields.push(imported.clone()),
            Some(existing) => {
                let legal_ok = imported
                    .legal_values
                    .iter()
                    .flatten()
                    .all(|lv| existing.legal_values.iter().any(|e| e.value == lv.value));
                let other_project = existing
                    .project
                    .as_deref()
                    .is_some_and(|p| !p.is_empty() && p != project);
                if !legal_ok || other_project {
                    a.bad_context_fields.push(imported.name.clone());
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for f in &doc.features {
        if !seen.insert(f.name.clone()) {
            if !a.duplicates.contains(&f.name) {
                a.duplicates.push(f.name.clone());
            }
            continue;
        }
        if let Some(existing) = store::features::get(c, &f.name).await? {
            if existing.archived_at.is_some() {
                a.archived.push(f.name.clone());
            }
            if existing.project != project {
                a.other_project.push(format!(
                    "{} (in project {})",
                    existing.name, existing.project
                ));
            } else {
                if existing.archived_at.is_none() {
                    a.existing.push(f.name.clone());
                    if !store::features::strategies(c, &f.name, env)
                        .await?
                        .is_empty()
                    {
                        a.strategies_exist = true;
                    }
                }
            }
        }
    }
    let segments = store::segments::list(c).await?;
    for s in doc.segments.iter().flatten() {
        let usable = segments.iter().any(|e| {
            e.name == s.name
                && e.project
                    .as_deref()
                    .is_none_or(|p| p.is_empty() || p == project)
        });
        if !usable {
            a.missing_segments.push(s.name.clone());
        }
    }
    let imported: HashSet<&str> = doc.features.iter().map(|f| f.name.as_str()).collect();
    for d in doc.dependencies.iter().flatten() {
        for p in &d.dependencies {
            if !imported.contains(p.feature.as_str())
                && store::features::get(c, &p.feature).await?.is_none()
            {
                a.missing_dependencies.push(p.feature.clone());
            }
        }
    }
    let tag_types = store::tag_types::list(c).await?;
    for t in &doc.tag_types {
        if !tag_types.iter().any(|e| e.name == t.name)
            && !a.new_tag_types.iter().any(|n| n.name == t.name)
        {
            a.new_tag_types.push(t.clone());
        }
    }
    Ok(a)
}

/// Unleash's display names of the permissions an import may need.
fn display_name(permission: &str) -> &'static str {
    match permission {
        UPDATE_FEATURE => "Update feature",
        CREATE_FEATURE => "Create feature",
        CREATE_TAG_TYPE => "Create tag type",
        CREATE_CONTEXT_FIELD => "Create context field",
        DELETE_FEATURE_STRATEGY => "Delete feature strategy",
        CREATE_FEATURE_STRATEGY => "Create feature strategy",
        UPDATE_FEATURE_ENVIRONMENT_VARIANTS => "Update feature environment variants",
        _ => "Unknown permission",
    }
}

/// The permissions an import of `doc` needs in its project and environment.
fn needed_permissions(a: &Analysis, doc: &ExportDocument) -> Vec<&'static str> {
    let mut out = vec![UPDATE_FEATURE];
    if !a.new_tag_types.is_empty() {
        out.push(CREATE_TAG_TYPE);
    }
    if !a.new_context_fields.is_empty() {
        out.push(CREATE_CONTEXT_FIELD);
    }
    if a.strategies_exist {
        out.push(DELETE_FEATURE_STRATEGY);
    }
    if !doc.feature_strategies.is_empty() {
        out.push(CREATE_FEATURE_STRATEGY);
    }
    if doc
        .feature_environments
        .iter()
        .flatten()
        .any(FeatureEnvironmentItem::has_variants)
    {
        out.push(UPDATE_FEATURE_ENVIRONMENT_VARIANTS);
    }
    let distinct: HashSet<&str> = doc.features.iter().map(|f| f.name.as_str()).collect();
    if a.existing.len() + a.archived.len() < distinct.len() {
        out.push(CREATE_FEATURE);
    }
    out
}

fn missing_permissions(
    p: &Principal,
    project: &str,
    env: &str,
    a: &Analysis,
    doc: &ExportDocument,
) -> Vec<&'static str> {
    needed_permissions(a, doc)
        .into_iter()
        .filter(|perm| !p.can(&[perm], Scope::environment(project, env)))
        .collect()
}

/// What importing a document would meet: errors, warnings and missing permissions.
#[derive(Debug, Clone)]
pub struct Validation {
    pub errors: Vec<ValidationItem>,
    pub warnings: Vec<ValidationItem>,
    pub permissions: Vec<ValidationItem>,
}

fn compile_errors(project: &str, a: &Analysis) -> Vec<ValidationItem> {
    let mut errors = Vec::new();
    if !a.unsupported_strategies.is_empty() {
        errors.push(item(
            "We detected the following custom strategy that needs to be created first:",
            a.unsupported_strategies.clone(),
        ));
    }
    if !a.bad_context_fields.is_empty() {
        errors.push(item(
            "We detected the following context fields that do not have matching legal values with the imported ones:",
            a.bad_context_fields.clone(),
        ));
    }
    if !a.other_project.is_empty() {
        errors.push(item(
            format!("You cannot import a features that already exist in other projects. You already have the following features defined outside of project {project}:"),
            a.other_project.clone(),
        ));
    }
    if !a.duplicates.is_empty() {
        errors.push(item(
            "We detected the following features are duplicate in your import data:",
            a.duplicates.clone(),
        ));
    }
    if !a.missing_segments.is_empty() {
        errors.push(item(
            "We detected the following segments that need to be created first:",
            a.missing_segments.clone(),
        ));
    }
    if !a.missing_dependencies.is_empty() {
        errors.push(item(
            "We detected the following dependencies that need to be created first:",
            a.missing_dependencies.clone(),
        ));
    }
    errors
}

fn compile_warnings(a: &Analysis) -> Vec<ValidationItem> {
    let mut warnings = Vec::new();
    if !a.custom_strategies.is_empty() {
        warnings.push(item(
            "The following strategy types will be used in import. Please make sure the strategy type parameters are configured as in source environment:",
            a.custom_strategies.clone(),
        ));
    }
    if !a.archived.is_empty() {
        warnings.push(item(
            "The following features will not be imported as they are currently archived. To import them, please unarchive them first:",
            a.archived.clone(),
        ));
    }
    if !a.existing.is_empty() {
        warnings.push(item(
            "The following features already exist in this project and will be overwritten:",
            a.existing.clone(),
        ));
    }
    warnings
}

/// Checks a document against the database and the caller's permissions; changes nothing.
pub async fn validate(
    state: &AppState,
    p: &Principal,
    req: &ImportRequest,
) -> AppResult<Validation> {
    let mut db = state.db.clone();
    require_project_environment(&mut db, &req.project, &req.environment).await?;
    let a = analyse(&mut db, &req.project, &req.environment, &req.data).await?;
    let missing: Vec<String> =
        missing_permissions(p, &req.project, &req.environment, &a, &req.data)
            .into_iter()
            .map(|perm| display_name(perm).to_string())
            .collect();
    let permissions = if missing.is_empty() {
        Vec::new()
    } else {
        vec![item(
            "We detected you are missing the following permissions:",
            missing,
        )]
    };
    Ok(Validation {
        errors: compile_errors(&req.project, &a),
        warnings: compile_warnings(&a),
        permissions,
    })
}

// ---------------------------------------------------------------- import

fn bad_data_list(message: &str, items: &[String], suffix: &str) -> AppError {
    AppError::BadData {
        message: format!(
            "Request validation failed: your request body or params contain invalid data: {message}"
        ),
        details: items
            .iter()
            .map(|i| Detail {
                path: None,
                message: format!("{i}{suffix}"),
            })
            .collect(),
    }
}

/// The checks an import must pass (Unleash's order); the first failing one is the answer.
fn verify(a: &Analysis) -> AppResult<()> {
    if !a.unsupported_strategies.is_empty() {
        return Err(bad_data_list(
            "Some of the strategies you are trying to import are not supported.",
            &a.unsupported_strategies,
            " is not supported.",
        ));
    }
    if !a.bad_context_fields.is_empty() {
        return Err(bad_data_list(
            "Some of the context fields you are trying to import are not supported.",
            &a.bad_context_fields,
            " is not supported.",
        ));
    }
    Ok(())
}

fn verify_rest(a: &Analysis) -> AppResult<()> {
    if !a.other_project.is_empty() {
        return Err(AppError::validation(format!(
            "These features exist already in other projects: {}",
            a.other_project.join(", ")
        )));
    }
    if !a.duplicates.is_empty() {
        return Err(AppError::validation(format!(
            "These features appear more than once in the import data: {}",
            a.duplicates.join(", ")
        )));
    }
    if !a.missing_segments.is_empty() {
        return Err(AppError::validation(format!(
            "Unsupported segments: {}",
            a.missing_segments.join(", ")
        )));
    }
    if !a.missing_dependencies.is_empty() {
        return Err(AppError::validation(format!(
            "The following dependent features are missing: {}",
            a.missing_dependencies.join(", ")
        )));
    }
    Ok(())
}

/// Drops archived flags and everything about them, as Unleash does before importing.
fn without_archived(doc: &ExportDocument, archived: &[String]) -> ExportDocument {
    let gone = |n: &str| archived.iter().any(|a| a == n);
    let mut out = doc.clone();
    out.features.retain(|f| !gone(&f.name));
    if let Some(envs) = &mut out.feature_environments {
        envs.retain(|e| e.flag().is_some_and(|n| !gone(n)));
    }
    out.feature_strategies
        .retain(|s| strategy_flag_of(s).is_some_and(|n| !gone(n)));
    if let Some(tags) = &mut out.feature_tags {
        tags.retain(|t| !gone(&t.feature_name));
    }
    let used: HashSet<String> = out
        .feature_tags
        .iter()
        .flatten()
        .filter_map(|t| t.tag_type.clone())
        .collect();
    out.tag_types.retain(|t| used.contains(&t.name));
    out
}

/// Who runs an import: a caller whose permissions were checked, or the server itself.
pub enum Importer<'a> {
    Caller(&'a Principal),
    Startup,
}

/// `POST /api/admin/features-batch/import` and the start-up import: everything in one
/// transaction, all or nothing.
pub async fn import(
    state: &AppState,
    importer: Importer<'_>,
    req: &ImportRequest,
) -> AppResult<()> {
    let (project, env) = (req.project.as_str(), req.environment.as_str());
    let mut tx = state.db.begin().await?;
    require_project_environment(&mut tx, project, env).await?;
    let first = analyse(&mut tx, project, env, &req.data).await?;
    let doc = without_archived(&req.data, &first.archived);
    let a = analyse(&mut tx, project, env, &doc).await?;
    verify(&a)?;
    let auth = match importer {
        Importer::Caller(p) => {
            let missing = missing_permissions(p, project, env, &a, &doc);
            if !missing.is_empty() {
                return Err(AppError::Permission(
                    missing.iter().map(|m| m.to_string()).collect(),
                ));
            }
            p.authenticated()
        }
        Importer::Startup => Authorized::system(),
    };
    verify_rest(&a)?;
    write_document(&mut tx, state, &auth, project, env, &doc, &a).await?;
    let ev = NewEvent::new(FEATURES_IMPORTED)
        .project(project)
        .environment(env)
        .data(json!({"project": project, "environment": env}));
    write_ev(&mut tx, state, &auth, ev).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

async fn write_ev(tx: &mut Tx, state: &AppState, auth: &Authorized, ev: NewEvent) -> AppResult<()> {
    store::events::insert(tx, &ev, auth.actor(), state.clock.now()).await?;
    Ok(())
}

async fn write_document(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    project: &str,
    env: &str,
    doc: &ExportDocument,
    a: &Analysis,
) -> AppResult<()> {
    let now = state.clock.now();
    // 1. Flags: update the project's own, create the others.
    let mut flags: HashMap<String, Feature> = HashMap::new();
    for item in &doc.features {
        let feature_type = item
            .feature_type
            .clone()
            .unwrap_or_else(|| "release".into());
        rules::validate_type(&feature_type, "/body/data/features/type")?;
        let f = if a.existing.contains(&item.name) {
            let before = super::features::load(tx, &item.name).await?;
            let after = Feature {
                description: item.description.clone(),
                feature_type,
                stale: item.stale.unwrap_or(before.stale),
                impression_data: item.impression_data.unwrap_or(before.impression_data),
                ..before.clone()
            };
            store::features::update(tx, &after).await?;
            let ev = event(rules::FEATURE_METADATA_UPDATED, &after)
                .data(after.to_json())
                .pre_data(before.to_json());
            write_event(tx, ev, auth, state).await?;
            after
        } else {
            rules::validate_name(&item.name)?;
            let f = Feature {
                name: item.name.clone(),
                project: project.to_string(),
                description: item.description.clone(),
                feature_type,
                stale: item.stale.unwrap_or(false),
                impression_data: item.impression_data.unwrap_or(false),
                archived_at: None,
                created_at: now,
                // Flags the server imports itself (IMPORT_FILE) have no creator.
                created_by_user_id: auth
                    .actor()
                    .user_id
                    .filter(|id| Some(*id) != crate::domain::events::Actor::system().user_id),
                last_seen_at: None,
            };
            store::features::insert(tx, &f)
                .await
                .on_unique_violation(|| {
                    AppError::NameExists(format!("A flag named \"{}\" already exists", f.name))
                })?;
            write_event(
                tx,
                event(rules::FEATURE_CREATED, &f).data(f.to_json()),
                auth,
                state,
            )
            .await?;
            f
        };
        flags.insert(f.name.clone(), f);
    }
    let flag = |name: &str| -> AppResult<&Feature> {
        flags.get(name).ok_or_else(|| {
            AppError::validation(format!(
                "The import data refers to the flag \"{name}\", which is not in its `features` list."
            ))
        })
    };
    // 2. Environment variants.
    for e in doc
        .feature_environments
        .iter()
        .flatten()
        .filter(|e| e.has_variants())
    {
        let Some(name) = e.flag() else { continue };
        let f = flag(name)?;
        let raw = e.variants.clone().unwrap_or_else(|| json!([]));
        let after = rules::validate_variants(
            &raw,
            "/body/data/featureEnvironments/variants",
            VariantKind::Flag,
        )?;
        store::features::set_variants(tx, name, env, &after).await?;
        let ev = event(rules::FEATURE_ENVIRONMENT_VARIANTS_UPDATED, f)
            .environment(env)
            .data(json!({"variants": after}));
        write_event(tx, ev, auth, state).await?;
    }
    // 3. Tag types that do not exist yet.
    for t in &a.new_tag_types {
        let tag_type = TagType {
            name: tag_rules::validate_name(Some(&t.name))?,
            description: t.description.clone(),
            icon: t.icon.clone(),
            color: tag_rules::validate_color(t.color.clone())?,
            created_at: now,
        };
        store::tag_types::insert(tx, &tag_type).await?;
        let ev = NewEvent::new(tag_rules::TAG_TYPE_CREATED).data(tag_type.to_json());
        write_ev(tx, state, auth, ev).await?;
    }
    // 4. Tags: the document's tags replace those of every imported flag.
    for f in flags.values() {
        for (t, v) in store::features::tags(tx, &f.name).await? {
            store::features::remove_tag(tx, &f.name, &t, &v).await?;
        }
    }
    for t in doc.feature_tags.iter().flatten() {
        let Some(tag_type) = &t.tag_type else {
            continue;
        };
        let f = flag(&t.feature_name)?.clone();
        let input = TagInput {
            tag_type: tag_type.clone(),
            value: t.tag_value.clone(),
        };
        add_tag_in(tx, state, auth, &f, &input).await?;
    }
    // 5. Context fields that do not exist yet.
    for c in &a.new_context_fields {
        let legal: Vec<LegalValueInput> = c
            .legal_values
            .iter()
            .flatten()
            .map(|lv| LegalValueInput {
                value: Some(lv.value.clone()),
                description: lv.description.clone(),
            })
            .collect();
        let field = ContextField {
            name: context_rules::validate_name(Some(&c.name), "/body/data/contextFields/name")?,
            description: c.description.clone(),
            stickiness: c.stickiness.unwrap_or(false),
            sort_order: c.sort_order.unwrap_or(10),
            legal_values: context_rules::validate_legal_values(legal)?,
            project: c.project.as_ref().map(|_| project.to_string()),
            created_at: now,
        };
        store::context::insert(tx, &field).await?;
        let ev = NewEvent::new(context_rules::CONTEXT_FIELD_CREATED).data(field.event_data());
        write_ev(tx, state, auth, ev).await?;
    }
    // 6. Strategies: the document's replace the environment's strategies of every imported flag.
    for f in flags.values() {
        for s in store::features::strategies(tx, &f.name, env).await? {
            store::features::delete_strategy(tx, &s.id).await?;
        }
    }
    let segment_ids = segment_mapping(tx, doc).await?;
    let mut next_order: BTreeMap<String, i64> = BTreeMap::new();
    for (i, raw) in doc.feature_strategies.iter().enumerate() {
        let Some(name) = strategy_flag_of(raw) else {
            continue;
        };
        let f = flag(name)?.clone();
        let mut input = StrategyInput::from_json(raw, None)?;
        input.segments = input
            .segments
            .iter()
            .map(|id| {
                segment_ids.get(id).copied().ok_or_else(|| {
                    AppError::validation(format!(
                        "The strategy {i} of the flag \"{name}\" uses the segment id {id}, which the `segments` list of the import data does not name."
                    ))
                })
            })
            .collect::<AppResult<Vec<i64>>>()?;
        let order = next_order.entry(name.to_string()).or_insert(0);
        if input.sort_order.is_none() {
            input.sort_order = Some(*order);
        }
        *order += 1;
        check_strategy(tx, project, &mut input).await?;
        let s = new_strategy(tx, &f, env, input).await?;
        store::features::insert_strategy(tx, &s, now).await?;
        let ev = event(rules::FEATURE_STRATEGY_ADD, &f)
            .environment(env)
            .data(s.to_json());
        write_event(tx, ev, auth, state).await?;
    }
    // 7. Enabled state.
    for e in doc.feature_environments.iter().flatten() {
        let Some(name) = e.flag() else { continue };
        let f = flag(name)?.clone();
        set_enabled_in(tx, state, auth, &f, env, e.enabled.unwrap_or(false)).await?;
    }
    // 8. Dependencies.
    for d in doc.dependencies.iter().flatten() {
        let child = flag(&d.feature)?.clone();
        for p in &d.dependencies {
            if p.feature == child.name {
                return Err(AppError::validation(format!(
                    "The flag \"{}\" cannot depend on itself.",
                    child.name
                )));
            }
            let enabled = p.enabled.unwrap_or(true);
            let dep = Dependency {
                parent: p.feature.clone(),
                child: child.name.clone(),
                enabled,
                variants: if enabled {
                    p.variants.clone().unwrap_or_default()
                } else {
                    Vec::new()
                },
            };
            store::features::delete_dependencies(tx, &child.name, Some(&dep.parent)).await?;
            store::features::insert_dependency(tx, &dep).await?;
            let ev = event(rules::FEATURE_DEPENDENCY_ADDED, &child).data(dep.to_json());
            write_event(tx, ev, auth, state).await?;
        }
    }
    // 9. Links: those the flag lacks are added (by URL), up to the limit per flag; links the
    // flag already has are kept.
    for entry in doc.links.iter().flatten() {
        let Some(name) = entry.get("feature").and_then(Value::as_str) else {
            continue;
        };
        let f = flag(name)?.clone();
        let mut have: Vec<String> = store::links::of_feature(tx, &f.name)
            .await?
            .into_iter()
            .map(|l| l.url)
            .collect();
        for l in entry
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(raw) = l.get("url").and_then(Value::as_str) else {
                continue;
            };
            let (url, domain) = crate::domain::links::normalize_url(raw)?;
            if have.contains(&url) || have.len() >= crate::domain::links::MAX_LINKS_PER_FLAG {
                continue;
            }
            let now = state.clock.now();
            let link = store::links::LinkRow {
                id: crate::domain::links::new_link_id(now.timestamp_millis().max(0) as u64),
                feature_name: f.name.clone(),
                url: url.clone(),
                title: l
                    .get("title")
                    .and_then(Value::as_str)
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_string),
                domain,
            };
            store::links::insert(tx, &link, now).await?;
            let ev = event(crate::domain::links::FEATURE_LINK_ADDED, &f)
                .data(json!({"url": link.url, "title": link.title}));
            write_event(tx, ev, auth, state).await?;
            have.push(url);
        }
    }
    Ok(())
}

/// Maps the document's segment ids to this server's ids, by segment name.
async fn segment_mapping(c: &mut impl Conn, doc: &ExportDocument) -> AppResult<HashMap<i64, i64>> {
    let existing = store::segments::list(c).await?;
    let mut out = HashMap::new();
    for s in doc.segments.iter().flatten() {
        if let Some(e) = existing.iter().find(|e| e.name == s.name) {
            out.insert(s.id, e.id);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- start-up import

/// Unleash's start-up import: when `IMPORT_FILE` is set, imports that export document into
/// `IMPORT_PROJECT` / `IMPORT_ENVIRONMENT`, once per start, after migrations.
pub async fn import_at_startup(state: &AppState) -> anyhow::Result<()> {
    let Some(path) = state.config.import_file.clone() else {
        return Ok(());
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("IMPORT_FILE {shown} cannot be read: {e}"))?;
    let data: ExportDocument = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("IMPORT_FILE {shown} is not an Unleash export document: {e}")
    })?;
    let req = ImportRequest {
        project: state.config.import_project.clone(),
        environment: state.config.import_environment.clone(),
        data,
    };
    import(state, Importer::Startup, &req).await.map_err(|e| {
        let details: Vec<String> = match &e {
            AppError::BadData { details, .. } => details.iter().map(|d| d.message.clone()).collect(),
            _ => Vec::new(),
        };
        let mut message = format!(
            "IMPORT_FILE {shown} could not be imported into project \"{}\", environment \"{}\": {e}",
            req.project, req.environment
        );
        if !details.is_empty() && details.iter().all(|d| !e.to_string().contains(d.as_str())) {
            message.push_str(&format!(" ({})", details.join("; ")));
        }
        anyhow::anyhow!(message)
    })?;
    tracing::info!(file = %shown, project = %req.project, environment = %req.environment, "imported flags from IMPORT_FILE");
    Ok(())
}
