//! Feature flags through the Admin API: create, list, search, read, change, archive,
//! revive, delete, tags, dependencies and variants.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::auth::{Authorized, Principal};
use crate::domain::permissions::{
    CREATE_FEATURE, DELETE_FEATURE, UPDATE_FEATURE, UPDATE_FEATURE_DEPENDENCY,
    UPDATE_FEATURE_ENVIRONMENT_VARIANTS, UPDATE_FEATURE_VARIANTS,
};
use crate::domain::token_scope::narrow_projects;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::http::wire::flags::{
    FlagDetail, FlagList, FlagSchema, FlagSearchResult, FlagType, FlagTypeList, ProjectFlagList,
    Tag, TagList, VariantList,
};
use crate::service::favorites;
use crate::service::features::{
    self, AddDependency, CloneFeature, CreateFeature, TagInput, UpdateFeature, VariantChange,
};
use crate::state::AppState;
use crate::store::features::FeatureFilter;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_project_features, create_feature))
        .routes(routes!(
            get_feature,
            update_feature,
            patch_feature,
            archive_feature
        ))
        .routes(routes!(list_features))
        .routes(routes!(search_features))
        .routes(routes!(list_archived))
        .routes(routes!(list_archived_of_project))
        .routes(routes!(revive_feature))
        .routes(routes!(delete_feature))
        .routes(routes!(feature_types))
        .routes(routes!(set_feature_type_lifetime))
        .routes(routes!(validate_name))
        .routes(routes!(archive_many))
        .routes(routes!(revive_many))
        .routes(routes!(delete_many))
        .routes(routes!(stale_many))
        .routes(routes!(variants_batch))
        .routes(routes!(clone_feature))
        .routes(routes!(list_tags, add_tag, update_tags))
        .routes(routes!(remove_tag))
        .routes(routes!(add_dependency, remove_dependencies))
        .routes(routes!(remove_dependency))
        .routes(routes!(parent_options))
        .routes(routes!(parent_variant_options))
        .routes(routes!(dependencies_exist))
        .routes(routes!(
            get_legacy_variants,
            put_legacy_variants,
            patch_legacy_variants
        ))
        .routes(routes!(
            get_env_variants,
            put_env_variants,
            patch_env_variants
        ))
}

/// Checks a permission in the project of a flag named only by its name; an unknown flag is
/// 404 for whoever could act on it somewhere.
pub async fn require_on_flag(
    state: &AppState,
    p: &Principal,
    wanted: &[&str],
    name: &str,
) -> AppResult<Authorized> {
    match features::project_of(state, name).await? {
        Some(project) => p.require(wanted, Scope::project(&project)),
        None => {
            p.require(wanted, Scope::ROOT)?;
            Err(features::feature_not_found(name))
        }
    }
}

/// For a route that reads a flag named only by its name: a flag of a project the caller
/// does not see (a project-scoped token) is answered as unknown.
pub async fn require_visible_flag(state: &AppState, p: &Principal, name: &str) -> AppResult<()> {
    if p.visible_projects().is_none() {
        return Ok(());
    }
    match features::project_of(state, name).await? {
        Some(project) if p.sees_project(&project) => Ok(()),
        _ => Err(features::feature_not_found(name)),
    }
}

/// The flags of a project.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features", tag = "Features", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The project's flags", body = ProjectFlagList),
    (status = 404, description = "No such project"),
))]
async fn list_project_features(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Response> {
    Ok(super::json_bytes(
        crate::service::views::project_flags(&state, &caller, &project_id).await?,
    ))
}

/// Creates a flag in a project (CREATE_FEATURE in that project).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features", tag = "Features", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 201, description = "The new flag", body = FlagSchema),
    (status = 400, description = "Invalid name or type"),
    (status = 403, description = "Needs CREATE_FEATURE"),
    (status = 404, description = "No such project"),
    (status = 409, description = "A flag of that name exists (in any project)"),
))]
async fn create_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<CreateFeature>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_FEATURE], Scope::project(&project_id))?;
    let f = features::create(&state, &auth, &project_id, body).await?;
    Ok((StatusCode::CREATED, Json(FlagSchema::from(&f))).into_response())
}

/// A flag with its environments, strategies, variants and dependencies.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 200, description = "The flag", body = FlagDetail),
    (status = 404, description = "No such project or flag"),
))]
async fn get_feature(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((project_id, name)): Path<(String, String)>,
) -> AppResult<Response> {
    Ok(super::json_bytes(
        crate::service::views::flag(&state, &caller, &project_id, &name).await?,
    ))
}

/// Changes a flag's description, type, stale mark or impression data (UPDATE_FEATURE).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 200, description = "The updated flag", body = FlagSchema),
    (status = 403, description = "Needs UPDATE_FEATURE"),
    (status = 404, description = "No such project or flag"),
))]
async fn update_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateFeature>,
) -> AppResult<Json<FlagSchema>> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project_id))?;
    let f = features::update(&state, &auth, &project_id, &name, body).await?;
    Ok(Json(FlagSchema::from(&f)))
}

/// Changes a flag with a JSON Patch (UPDATE_FEATURE).
#[utoipa::path(patch, path = "/api/admin/projects/{projectId}/features/{featureName}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 200, description = "The updated flag", body = FlagSchema),
    (status = 400, description = "The patch does not apply"),
    (status = 403, description = "Needs UPDATE_FEATURE"),
))]
async fn patch_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<FlagSchema>> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project_id))?;
    let f = features::patch(&state, &auth, &project_id, &name, &body).await?;
    Ok(Json(FlagSchema::from(&f)))
}

/// Archives a flag (DELETE_FEATURE).
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{featureName}", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses(
    (status = 202, description = "Archived"),
    (status = 403, description = "Needs DELETE_FEATURE, or other flags depend on it"),
    (status = 404, description = "No such project or flag"),
))]
async fn archive_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[DELETE_FEATURE], Scope::project(&project_id))?;
    features::archive(&state, &auth, &project_id, &name).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LegacyListParams {
    /// Only flags whose name starts with this.
    name_prefix: Option<String>,
    /// Only flags of this project.
    project: Option<String>,
}

/// Every active flag (the older listing).
#[utoipa::path(get, path = "/api/admin/features", tag = "Features", params(LegacyListParams), responses((status = 200, description = "The flags", body = FlagList)))]
async fn list_features(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<LegacyListParams>,
) -> AppResult<Json<FlagList>> {
    let filter = FeatureFilter {
        projects: narrow_projects(params.project.map(|p| vec![p]), caller.visible_projects()),
        ..Default::default()
    };
    let mut list = features::list_short(&state, &filter).await?;
    if let Some(prefix) = params.name_prefix.filter(|p| !p.is_empty()) {
        list.retain(|f| f.name.starts_with(&prefix));
    }
    Ok(Json(FlagList {
        features: list,
        version: 2,
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Part of a flag's name or description.
    query: Option<String>,
    /// `IS:<project>` or `IS_ANY_OF:<a>,<b>`.
    project: Option<String>,
    /// `IS:true` for archived flags.
    archived: Option<String>,
    /// `IS:<type>` or `IS_ANY_OF:<a>,<b>`.
    #[serde(rename = "type")]
    feature_type: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
}

/// Reads Unleash's filter syntax: `IS:x`, `IS_ANY_OF:x,y`, or a bare value.
fn filter_values(raw: Option<String>) -> Option<Vec<String>> {
    let raw = raw?;
    let list = if let Some(rest) = raw.strip_prefix("IS_ANY_OF:") {
        rest.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![raw.strip_prefix("IS:").unwrap_or(&raw).trim().to_string()]
    };
    Some(list).filter(|l: &Vec<String>| !l.is_empty() && !l.iter().all(String::is_empty))
}

fn number(name: &str, raw: Option<String>, default: usize) -> AppResult<usize> {
    match raw {
        None => Ok(default),
        Some(s) => s.trim().parse().map_err(|_| {
            AppError::bad_field(
                &format!("/query/{name}"),
                format!("`{name}` must be a non-negative integer. You sent \"{s}\"."),
            )
        }),
    }
}

/// Searches flags across projects.
#[utoipa::path(get, path = "/api/admin/search/features", tag = "Features", params(SearchParams), responses(
    (status = 200, description = "One page of the flags that match", body = FlagSearchResult),
    (status = 404, description = "No such project"),
))]
async fn search_features(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> AppResult<Json<FlagSearchResult>> {
    let archived = filter_values(params.archived)
        .is_some_and(|v| v.iter().any(|s| s.eq_ignore_ascii_case("true")));
    let filter = FeatureFilter {
        projects: narrow_projects(filter_values(params.project), caller.visible_projects()),
        archived,
        query: params
            .query
            .filter(|q| !q.trim().is_empty())
            .map(|q| q.trim().to_string()),
        types: filter_values(params.feature_type),
    };
    let offset = number("offset", params.offset, 0)?;
    let limit = number("limit", params.limit, 50)?.min(1000);
    let (mut list, total) = features::search(&state, &filter, offset, limit).await?;
    favorites::mark(&state, &caller, false, &mut list).await?;
    Ok(Json(FlagSearchResult {
        features: list,
        total,
    }))
}

/// Archived flags (the older route).
#[utoipa::path(get, path = "/api/admin/archive/features", tag = "Archive", responses((status = 200, description = "The archived flags", body = FlagList)))]
async fn list_archived(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> AppResult<Json<FlagList>> {
    let filter = FeatureFilter {
        archived: true,
        projects: narrow_projects(None, caller.visible_projects()),
        ..Default::default()
    };
    Ok(Json(FlagList {
        features: features::list_short(&state, &filter).await?,
        version: 2,
    }))
}

/// Archived flags of one project.
#[utoipa::path(get, path = "/api/admin/archive/features/{projectId}", tag = "Archive", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The project's archived flags", body = FlagList),
    (status = 404, description = "No such project"),
))]
async fn list_archived_of_project(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Json<FlagList>> {
    features::require_project_exists(&state, &project_id).await?;
    let filter = FeatureFilter {
        archived: true,
        projects: Some(vec![project_id]),
        ..Default::default()
    };
    Ok(Json(FlagList {
        features: features::list_short(&state, &filter).await?,
        version: 2,
    }))
}

/// Brings an archived flag back (UPDATE_FEATURE in its project).
#[utoipa::path(post, path = "/api/admin/archive/revive/{featureName}", tag = "Archive", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 200, description = "Revived"),
    (status = 400, description = "The flag is not archived"),
    (status = 404, description = "No such flag"),
))]
async fn revive_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<()> {
    let auth = require_on_flag(&state, &p, &[UPDATE_FEATURE], &name).await?;
    features::revive(&state, &auth, &name).await
}

/// Deletes an archived flag for good (DELETE_FEATURE in its project).
#[utoipa::path(delete, path = "/api/admin/archive/{featureName}", tag = "Archive", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "The flag is not archived"),
    (status = 404, description = "No such flag"),
))]
async fn delete_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<()> {
    let auth = require_on_flag(&state, &p, &[DELETE_FEATURE], &name).await?;
    features::delete(&state, &auth, &name).await
}

/// The flag types with their expected lifetimes.
#[utoipa::path(get, path = "/api/admin/feature-types", tag = "Features", responses((status = 200, description = "The flag types", body = FlagTypeList)))]
async fn feature_types(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<FlagTypeList>> {
    let types = crate::service::feature_types::list(&state).await?;
    Ok(Json(FlagTypeList {
        types: types.into_iter().map(FlagType::from).collect(),
        version: 1,
    }))
}

/// Unleash's `updateFeatureTypeLifetimeSchema`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LifetimeBody {
    /// Days until a flag of this type is potentially stale; `null` or 0: never.
    lifetime_days: Option<i64>,
}

/// Changes a flag type's expected lifetime (ADMIN).
#[utoipa::path(put, path = "/api/admin/feature-types/{id}/lifetime", tag = "Features", params(("id" = String, Path, description = "Flag type id, e.g. `release`")), request_body = LifetimeBody, responses(
    (status = 200, description = "The updated flag type", body = FlagType),
    (status = 400, description = "lifetimeDays is not a whole number of days, 0 or more, or null"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such flag type"),
    (status = 415, description = "Not JSON"),
))]
async fn set_feature_type_lifetime(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LifetimeBody>,
) -> AppResult<Json<FlagType>> {
    let auth = p.require_admin()?;
    let t =
        crate::service::feature_types::set_lifetime(&state, &auth, &id, body.lifetime_days).await?;
    Ok(Json(FlagType::from(t)))
}

/// A flag's tags.
#[utoipa::path(get, path = "/api/admin/features/{featureName}/tags", tag = "Tags", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 200, description = "The flag's tags", body = TagList),
    (status = 404, description = "No such flag"),
))]
async fn list_tags(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<TagList>> {
    require_visible_flag(&state, &caller, &name).await?;
    Ok(Json(TagList {
        tags: Tag::list(&features::tags(&state, &name).await?),
        version: 1,
    }))
}

/// Tags a flag (UPDATE_FEATURE in its project).
#[utoipa::path(post, path = "/api/admin/features/{featureName}/tags", tag = "Tags", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 201, description = "The tag", body = Tag),
    (status = 400, description = "Invalid tag value"),
    (status = 404, description = "No such flag or tag type"),
))]
async fn add_tag(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<TagInput>,
) -> AppResult<Response> {
    let auth = require_on_flag(&state, &p, &[UPDATE_FEATURE], &name).await?;
    features::add_tag(&state, &auth, &name, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(Tag {
            tag_type: body.tag_type.clone(),
            value: body.value.trim().to_string(),
        }),
    )
        .into_response())
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTagsBody {
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    added_tags: Vec<TagInput>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    removed_tags: Vec<TagInput>,
}

/// Adds and removes tags in one go (UPDATE_FEATURE in its project).
#[utoipa::path(put, path = "/api/admin/features/{featureName}/tags", tag = "Tags", params(("featureName" = String, Path, description = "Flag name")), request_body = UpdateTagsBody, responses(
    (status = 200, description = "The flag's tags after the change", body = TagList),
    (status = 404, description = "No such flag or tag type"),
))]
async fn update_tags(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<UpdateTagsBody>,
) -> AppResult<Json<TagList>> {
    let auth = require_on_flag(&state, &p, &[UPDATE_FEATURE], &name).await?;
    let tags =
        features::update_tags(&state, &auth, &name, &body.added_tags, &body.removed_tags).await?;
    Ok(Json(TagList {
        tags: Tag::list(&tags),
        version: 1,
    }))
}

/// Removes a tag from a flag (UPDATE_FEATURE in its project).
#[utoipa::path(delete, path = "/api/admin/features/{featureName}/tags/{type}/{value}", tag = "Tags", params(
    ("featureName" = String, Path, description = "Flag name"),
    ("type" = String, Path, description = "Tag type"),
    ("value" = String, Path, description = "Tag value"),
), responses(
    (status = 200, description = "Removed"),
    (status = 404, description = "No such flag"),
))]
async fn remove_tag(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((name, tag_type, value)): Path<(String, String, String)>,
) -> AppResult<()> {
    let auth = require_on_flag(&state, &p, &[UPDATE_FEATURE], &name).await?;
    features::remove_tag(&state, &auth, &name, &tag_type, &value).await
}

/// Makes a flag depend on a parent flag (UPDATE_FEATURE_DEPENDENCY).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{child}/dependencies", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("child" = String, Path, description = "The dependent flag"),
), responses(
    (status = 200, description = "Added"),
    (status = 400, description = "Unknown parent, itself, or more than one level"),
    (status = 404, description = "No such project or flag"),
))]
async fn add_dependency(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, child)): Path<(String, String)>,
    ApiJson(body): ApiJson<AddDependency>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_FEATURE_DEPENDENCY], Scope::project(&project_id))?;
    features::add_dependency(&state, &auth, &project_id, &child, body).await
}

/// Removes every dependency of a flag (UPDATE_FEATURE_DEPENDENCY).
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{child}/dependencies", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("child" = String, Path, description = "The dependent flag"),
), responses((status = 200, description = "Removed")))]
async fn remove_dependencies(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, child)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_FEATURE_DEPENDENCY], Scope::project(&project_id))?;
    features::remove_dependency(&state, &auth, &project_id, &child, None).await
}

/// Removes a flag's dependency on one parent (UPDATE_FEATURE_DEPENDENCY).
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/features/{child}/dependencies/{parent}", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("child" = String, Path, description = "The dependent flag"),
    ("parent" = String, Path, description = "The parent flag"),
), responses((status = 200, description = "Removed")))]
async fn remove_dependency(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, child, parent)): Path<(String, String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_FEATURE_DEPENDENCY], Scope::project(&project_id))?;
    features::remove_dependency(&state, &auth, &project_id, &child, Some(&parent)).await
}

/// The flags a flag could depend on.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{child}/parents", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("child" = String, Path, description = "The dependent flag"),
), responses((status = 200, description = "The names of the flags it could depend on", body = Vec<String>)))]
async fn parent_options(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, child)): Path<(String, String)>,
) -> AppResult<Json<Vec<String>>> {
    Ok(Json(
        features::parent_options(&state, &project_id, &child).await?,
    ))
}

fn variants_body(variants: Value) -> Json<VariantList> {
    Json(VariantList {
        variants,
        version: 1,
    })
}

/// A flag's variants (those of its first environment).
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses((status = 200, description = "The flag's variants", body = VariantList)))]
async fn get_legacy_variants(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, name)): Path<(String, String)>,
) -> AppResult<Json<VariantList>> {
    Ok(variants_body(
        features::legacy_variants(&state, &project_id, &name).await?,
    ))
}

/// Sets a flag's variants in every environment (UPDATE_FEATURE_VARIANTS).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses((status = 200, description = "The flag's variants", body = VariantList), (status = 400, description = "Invalid variants")))]
async fn put_legacy_variants(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<VariantList>> {
    let auth = p.require(&[UPDATE_FEATURE_VARIANTS], Scope::project(&project_id))?;
    Ok(variants_body(
        features::set_legacy_variants(
            &state,
            &auth,
            &project_id,
            &name,
            VariantChange::Replace(body),
        )
        .await?,
    ))
}

/// Patches a flag's variants in every environment (UPDATE_FEATURE_VARIANTS).
#[utoipa::path(patch, path = "/api/admin/projects/{projectId}/features/{featureName}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), responses((status = 200, description = "The flag's variants", body = VariantList), (status = 400, description = "Invalid patch or variants")))]
async fn patch_legacy_variants(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<VariantList>> {
    let auth = p.require(&[UPDATE_FEATURE_VARIANTS], Scope::project(&project_id))?;
    Ok(variants_body(
        features::set_legacy_variants(
            &state,
            &auth,
            &project_id,
            &name,
            VariantChange::Patch(body),
        )
        .await?,
    ))
}

/// A flag's variants in one environment.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "The flag's variants", body = VariantList)))]
async fn get_env_variants(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, name, env)): Path<(String, String, String)>,
) -> AppResult<Json<VariantList>> {
    Ok(variants_body(
        features::env_variants(&state, &project_id, &name, &env).await?,
    ))
}

/// Replaces a flag's variants in one environment (UPDATE_FEATURE_ENVIRONMENT_VARIANTS there).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "The flag's variants", body = VariantList), (status = 400, description = "Invalid variants")))]
async fn put_env_variants(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<VariantList>> {
    change_env_variants(
        &state,
        &p,
        (project_id, name, env),
        VariantChange::Replace(body),
    )
    .await
}

/// Patches a flag's variants in one environment (UPDATE_FEATURE_ENVIRONMENT_VARIANTS there).
#[utoipa::path(patch, path = "/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/variants", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
    ("environment" = String, Path, description = "Environment"),
), responses((status = 200, description = "The flag's variants", body = VariantList), (status = 400, description = "Invalid patch or variants")))]
async fn patch_env_variants(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name, env)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<VariantList>> {
    change_env_variants(
        &state,
        &p,
        (project_id, name, env),
        VariantChange::Patch(body),
    )
    .await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ValidateNameBody {
    name: String,
}

/// Checks that a flag name is valid and not taken in any project.
#[utoipa::path(post, path = "/api/admin/features/validate", tag = "Features", request_body = ValidateNameBody, responses(
    (status = 200, description = "The name is free"),
    (status = 400, description = "The name is invalid"),
    (status = 409, description = "A flag of that name exists"),
))]
async fn validate_name(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiJson(body): ApiJson<ValidateNameBody>,
) -> AppResult<()> {
    features::validate_new_name(&state, &body.name).await
}

/// Copies a flag with its strategies and variants under a new name (CREATE_FEATURE).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/features/{featureName}/clone", tag = "Features", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag to copy"),
), responses(
    (status = 201, description = "The copy", body = FlagSchema),
    (status = 403, description = "Needs CREATE_FEATURE"),
    (status = 404, description = "No such project or flag"),
    (status = 409, description = "The new name is taken"),
))]
async fn clone_feature(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<CloneFeature>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_FEATURE], Scope::project(&project_id))?;
    let f = features::clone(&state, &auth, &project_id, &name, body).await?;
    Ok((StatusCode::CREATED, Json(FlagSchema::from(&f))).into_response())
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct BatchBody {
    features: Vec<String>,
}

/// Archives several flags (DELETE_FEATURE); unknown or archived ones are skipped.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/archive", tag = "Archive", params(("projectId" = String, Path, description = "Project id")), request_body = BatchBody, responses(
    (status = 202, description = "Archived"),
    (status = 400, description = "A flag is in another project"),
    (status = 403, description = "Needs DELETE_FEATURE"),
))]
async fn archive_many(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<BatchBody>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[DELETE_FEATURE], Scope::project(&project_id))?;
    features::archive_many(&state, &auth, &project_id, &body.features).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Revives several archived flags (UPDATE_FEATURE).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/revive", tag = "Archive", params(("projectId" = String, Path, description = "Project id")), request_body = BatchBody, responses(
    (status = 200, description = "Revived"),
    (status = 400, description = "A flag is not archived or in another project"),
    (status = 404, description = "No such flag"),
))]
async fn revive_many(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<BatchBody>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project_id))?;
    features::revive_many(&state, &auth, &project_id, &body.features).await
}

/// Deletes several archived flags for good (DELETE_FEATURE).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/delete", tag = "Archive", params(("projectId" = String, Path, description = "Project id")), request_body = BatchBody, responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "A flag is not archived or in another project"),
    (status = 404, description = "No such flag"),
))]
async fn delete_many(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<BatchBody>,
) -> AppResult<()> {
    let auth = p.require(&[DELETE_FEATURE], Scope::project(&project_id))?;
    features::delete_many(&state, &auth, &project_id, &body.features).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct StaleBody {
    features: Vec<String>,
    stale: bool,
}

/// Marks several flags as stale or not (UPDATE_FEATURE).
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/stale", tag = "Features", params(("projectId" = String, Path, description = "Project id")), request_body = StaleBody, responses(
    (status = 202, description = "Marked"),
    (status = 404, description = "No such flag"),
))]
async fn stale_many(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<StaleBody>,
) -> AppResult<StatusCode> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::project(&project_id))?;
    features::set_stale_many(&state, &auth, &project_id, &body.features, body.stale).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct VariantsBatchBody {
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    variants: Value,
    #[serde(default)]
    environments: Vec<String>,
}

/// Writes the same variants to several environments (UPDATE_FEATURE_ENVIRONMENT_VARIANTS in each).
#[utoipa::path(put, path = "/api/admin/projects/{projectId}/features/{featureName}/variants-batch", tag = "Variants", params(
    ("projectId" = String, Path, description = "Project id"),
    ("featureName" = String, Path, description = "Flag name"),
), request_body = VariantsBatchBody, responses(
    (status = 200, description = "The flag's variants", body = VariantList),
    (status = 400, description = "Invalid variants"),
    (status = 403, description = "Needs UPDATE_FEATURE_ENVIRONMENT_VARIANTS in every environment named"),
))]
async fn variants_batch(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project_id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<VariantsBatchBody>,
) -> AppResult<Json<VariantList>> {
    let mut proofs = Vec::new();
    for env in &body.environments {
        proofs.push(p.require(
            &[UPDATE_FEATURE_ENVIRONMENT_VARIANTS],
            Scope::environment(&project_id, env),
        )?);
    }
    let mut last = json!([]);
    for (env, auth) in body.environments.iter().zip(&proofs) {
        last = features::set_env_variants(
            &state,
            auth,
            &project_id,
            &name,
            env,
            VariantChange::Replace(body.variants.clone()),
        )
        .await?;
    }
    Ok(variants_body(last))
}

/// The variant names a child could require of this parent flag.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/features/{parent}/parent-variants", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
    ("parent" = String, Path, description = "The parent flag"),
), responses((status = 200, description = "The names of the flag's variants", body = Vec<String>), (status = 404, description = "No such project or flag")))]
async fn parent_variant_options(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((project_id, parent)): Path<(String, String)>,
) -> AppResult<Json<Vec<String>>> {
    Ok(Json(
        features::parent_variant_options(&state, &project_id, &parent).await?,
    ))
}

/// Whether any flag of the project depends on another.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/dependencies", tag = "Dependencies", params(
    ("projectId" = String, Path, description = "Project id"),
), responses((status = 200, description = "Whether any flag of the project depends on another", body = bool, content_type = "application/json"), (status = 404, description = "No such project")))]
async fn dependencies_exist(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(project_id): Path<String>,
) -> AppResult<Json<bool>> {
    Ok(Json(
        features::project_has_dependencies(&state, &project_id).await?,
    ))
}

/// PUT and PATCH of a flag's variants in one environment: the same check, then the service.
async fn change_env_variants(
    state: &AppState,
    p: &crate::auth::Principal,
    (project_id, name, env): (String, String, String),
    change: VariantChange,
) -> AppResult<Json<VariantList>> {
    let auth = p.require(
        &[UPDATE_FEATURE_ENVIRONMENT_VARIANTS],
        Scope::environment(&project_id, &env),
    )?;
    Ok(variants_body(
        features::set_env_variants(state, &auth, &project_id, &name, &env, change).await?,
    ))
}
