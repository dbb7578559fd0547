//! Tag types (`/api/admin/tag-types`) and the tags in use (`GET /api/admin/tags`).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_TAG_TYPE, DELETE_TAG_TYPE, UPDATE_FEATURE, UPDATE_TAG_TYPE,
};
use crate::domain::tag_types::TagTypeInput;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::{
    TagOne, TagTypeList, TagTypeOne, TagTypeSchema, TagTypeValidation, TagWithColor,
    TagWithColorList,
};
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
    (status = 200, description = "Every tag type", body = TagTypeList),
    (status = 401, description = "Not signed in"),
))]
async fn list_tag_types(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<TagTypeList>> {
    let list = tag_types::list(&state).await?;
    Ok(Json(TagTypeList {
        tag_types: list.iter().map(TagTypeSchema::from).collect(),
        version: 1,
    }))
}

/// Creates a tag type (CREATE_TAG_TYPE).
#[utoipa::path(post, path = "/api/admin/tag-types", tag = "Tags", responses(
    (status = 201, description = "The new tag type", body = TagTypeSchema),
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
        Json(TagTypeSchema::from(&t)),
    )
        .into_response())
}

/// Checks a would-be tag type: `{valid: true, tagType}`, or 400/409.
#[utoipa::path(post, path = "/api/admin/tag-types/validate", tag = "Tags", responses(
    (status = 200, description = "The tag type is valid and free", body = TagTypeValidation),
    (status = 400, description = "Invalid name or colour"),
    (status = 403, description = "Needs CREATE_TAG_TYPE or UPDATE_TAG_TYPE"),
    (status = 409, description = "The name is taken"),
))]
async fn validate_tag_type(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<TagTypeInput>,
) -> AppResult<Json<TagTypeValidation>> {
    p.require(&[CREATE_TAG_TYPE, UPDATE_TAG_TYPE], Scope::ROOT)?;
    let t = tag_types::validate(&state, body).await?;
    Ok(Json(TagTypeValidation {
        tag_type: TagTypeSchema::from(&t),
        valid: true,
    }))
}

/// One tag type (`{version: 1, tagType}`).
#[utoipa::path(get, path = "/api/admin/tag-types/{name}", tag = "Tags", params(("name" = String, Path, description = "Tag type name")), responses(
    (status = 200, description = "The tag type", body = TagTypeOne),
    (status = 404, description = "No such tag type"),
))]
async fn get_tag_type(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<TagTypeOne>> {
    let t = tag_types::get(&state, &name).await?;
    Ok(Json(TagTypeOne {
        tag_type: TagTypeSchema::from(&t),
        version: 1,
    }))
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
    (status = 200, description = "The tags", body = TagWithColorList),
    (status = 401, description = "Not signed in"),
))]
async fn list_tags(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<TagWithColorList>> {
    let list = tag_types::tags(&state).await?;
    Ok(Json(TagWithColorList {
        tags: list.iter().map(TagWithColor::from).collect(),
        version: 1,
    }))
}

/// Creates a tag (any signed-in caller, as Unleash): `{version: 1, tag}`.
#[utoipa::path(post, path = "/api/admin/tags", tag = "Tags", request_body = TagInput, responses(
    (status = 201, description = "The new tag", body = TagOne),
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
        Json(TagOne {
            tag: TagWithColor::from(&t),
            version: 1,
        }),
    )
        .into_response())
}

/// The tags of one type (`{version: 1, tags}`; empty for an unknown type).
#[utoipa::path(get, path = "/api/admin/tags/{type}", tag = "Tags", params(("type" = String, Path, description = "Tag type")), responses(
    (status = 200, description = "The tags", body = TagWithColorList),
    (status = 401, description = "Not signed in"),
))]
async fn tags_of_type(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(tag_type): Path<String>,
) -> AppResult<Json<TagWithColorList>> {
    let list = tag_types::tags_of_type(&state, &tag_type).await?;
    Ok(Json(TagWithColorList {
        tags: list.iter().map(TagWithColor::from).collect(),
        version: 1,
    }))
}

/// One tag (`{version: 1, tag}`).
#[utoipa::path(get, path = "/api/admin/tags/{type}/{value}", tag = "Tags", params(
    ("type" = String, Path, description = "Tag type"),
    ("value" = String, Path, description = "Tag value"),
), responses(
    (status = 200, description = "The tag", body = TagOne),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such tag"),
))]
async fn get_tag(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path((tag_type, value)): Path<(String, String)>,
) -> AppResult<Json<TagOne>> {
    let t = tag_types::get_tag(&state, &tag_type, &value).await?;
    Ok(Json(TagOne {
        tag: TagWithColor::from(&t),
        version: 1,
    }))
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
