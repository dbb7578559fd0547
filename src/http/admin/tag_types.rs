//! Tag types (`/api/admin/tag-types`) and the tags in use (`GET /api/admin/tags`).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_TAG_TYPE, DELETE_TAG_TYPE, UPDATE_FEATURE, UPDATE_TAG_TYPE,
};
use crate::domain::tag_types::TagTypeInput;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::service::tag_types::{self, TagInput};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tag_types, create_tag_type))
        .routes(routes!(validate_tag_type))
        .routes(routes!(get_tag_type, update_tag_type, delete_tag_type))
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(tags_of_type))
        .routes(routes!(get_tag, delete_tag))
}

/// Every tag type (`{version: 1, tagTypes}`).
#[utoipa::path(get, path = "/api/admin/tag-types", tag = "Tags", responses(
    (status = 200, description = "`tagTypesSchema`"),
    (status = 401, description = "Not signed in"),
))]
async fn list_tag_types(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Value>> {
    let list: Vec<Value> = tag_types::list(&state)
        .await?
        .iter()
        .map(|t| t.to_json())
        .collect();
    Ok(Json(json!({"version": 1, "tagTypes": list})))
}

/// Creates a tag type (CREATE_TAG_TYPE).
#[utoipa::path(post, path = "/api/admin/tag-types", tag = "Tags", responses(
    (status = 201, description = "The new `tagTypeSchema`"),
    (status = 400, description = "Invalid name or colour"),
    (status = 403, description = "Needs CREATE_TAG_TYPE"),
    (status = 409, description = "The name is taken"),
))]
async fn create_tag_type(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<TagTypeInput>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_TAG_TYPE], Scope::ROOT)?;
    let t = tag_types::create(&state, &auth, body).await?;
    let location = crate::http::location(&["tag-types", &t.name]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(t.to_json()),
    )
        .into_response())
}

/// Checks a would-be tag type: `{valid: true, tagType}`, or 400/409.
#[utoipa::path(post, path = "/api/admin/tag-types/validate", tag = "Tags", responses(
    (status = 200, description = "`validateTagTypeSchema`"),
    (status = 400, description = "Invalid name or colour"),
    (status = 403, description = "Needs CREATE_TAG_TYPE or UPDATE_TAG_TYPE"),
    (status = 409, description = "The name is taken"),
))]
async fn validate_tag_type(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<TagTypeInput>,
) -> AppResult<Json<Value>> {
    p.require(&[CREATE_TAG_TYPE, UPDATE_TAG_TYPE], Scope::ROOT)?;
    let t = tag_types::validate(&state, body).await?;
    Ok(Json(json!({"valid": true, "tagType": t.to_json()})))
}

/// One tag type (`{version: 1, tagType}`).
#[utoipa::path(get, path = "/api/admin/tag-types/{name}", tag = "Tags", params(("name" = String, Path, description = "Tag type name")), responses(
    (status = 200, description = "`{version, tagType}`"),
    (status = 404, description = "No such tag type"),
))]
async fn get_tag_type(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let t = tag_types::get(&state, &name).await?;
    Ok(Json(json!({"version": 1, "tagType": t.to_json()})))
}

/// Changes a tag type's description, icon or colour (UPDATE_TAG_TYPE).
#[utoipa::path(put, path = "/api/admin/tag-types/{name}", tag = "Tags", params(("name" = String, Path, description = "Tag type name")), responses(
    (status = 200, description = "Updated"),
    (status = 400, description = "Invalid colour"),
    (status = 403, description = "Needs UPDATE_TAG_TYPE"),
    (status = 404, description = "No such tag type"),
))]
async fn update_tag_type(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<TagTypeInput>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_TAG_TYPE], Scope::ROOT)?;
    tag_types::update(&state, &auth, &name, body).await?;
    Ok(())
}

/// Deletes a tag type and every tag of that type on flags (DELETE_TAG_TYPE).
#[utoipa::path(delete, path = "/api/admin/tag-types/{name}", tag = "Tags", params(("name" = String, Path, description = "Tag type name")), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs DELETE_TAG_TYPE"),
    (status = 404, description = "No such tag type"),
))]
async fn delete_tag_type(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[DELETE_TAG_TYPE], Scope::ROOT)?;
    tag_types::delete(&state, &auth, &name).await
}

/// Every tag in use on a flag (`{version: 1, tags}`).
#[utoipa::path(get, path = "/api/admin/tags", tag = "Tags", responses(
    (status = 200, description = "`tagsSchema`"),
    (status = 401, description = "Not signed in"),
))]
async fn list_tags(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Value>> {
    let list: Vec<Value> = tag_types::tags(&state)
        .await?
        .iter()
        .map(|t| t.to_json())
        .collect();
    Ok(Json(json!({"version": 1, "tags": list})))
}

/// Creates a tag (any signed-in caller, as Unleash): `{version: 1, tag}`.
#[utoipa::path(post, path = "/api/admin/tags", tag = "Tags", request_body = TagInput, responses(
    (status = 201, description = "`tagWithVersionSchema`"),
    (status = 400, description = "The value is not 2 to 50 characters long"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such tag type"),
    (status = 409, description = "The tag exists"),
))]
async fn create_tag(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<TagInput>,
) -> AppResult<Response> {
    let auth = p.authenticated();
    let t = tag_types::create_tag(&state, &auth, body).await?;
    let location = crate::http::location(&["tags", &t.tag_type, &t.value]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({"version": 1, "tag": t.to_json()})),
    )
        .into_response())
}

/// The tags of one type (`{version: 1, tags}`; empty for an unknown type).
#[utoipa::path(get, path = "/api/admin/tags/{type}", tag = "Tags", params(("type" = String, Path, description = "Tag type")), responses(
    (status = 200, description = "`tagsSchema`"),
    (status = 401, description = "Not signed in"),
))]
async fn tags_of_type(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(tag_type): Path<String>,
) -> AppResult<Json<Value>> {
    let list: Vec<Value> = tag_types::tags_of_type(&state, &tag_type)
        .await?
        .iter()
        .map(|t| t.to_json())
        .collect();
    Ok(Json(json!({"version": 1, "tags": list})))
}

/// One tag (`{version: 1, tag}`).
#[utoipa::path(get, path = "/api/admin/tags/{type}/{value}", tag = "Tags", params(
    ("type" = String, Path, description = "Tag type"),
    ("value" = String, Path, description = "Tag value"),
), responses(
    (status = 200, description = "`tagWithVersionSchema`"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such tag"),
))]
async fn get_tag(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((tag_type, value)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let t = tag_types::get_tag(&state, &tag_type, &value).await?;
    Ok(Json(json!({"version": 1, "tag": t.to_json()})))
}

/// Deletes a tag and takes it off every flag (UPDATE_FEATURE).
#[utoipa::path(delete, path = "/api/admin/tags/{type}/{value}", tag = "Tags", params(
    ("type" = String, Path, description = "Tag type"),
    ("value" = String, Path, description = "Tag value"),
), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs UPDATE_FEATURE"),
))]
async fn delete_tag(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((tag_type, value)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_FEATURE], Scope::ROOT)?;
    tag_types::delete_tag(&state, &auth, &tag_type, &value).await
}
