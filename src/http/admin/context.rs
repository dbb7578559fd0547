//! Context fields: `/api/admin/context`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::context::{ContextFieldInput, LegalValueInput};
use crate::domain::permissions::{
    CREATE_CONTEXT_FIELD, DELETE_CONTEXT_FIELD, UPDATE_CONTEXT_FIELD,
};
use crate::error::AppResult;
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::{ContextFieldSchema, ContextFieldStrategies, SegmentStrategy};
use crate::service::context;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_context_fields, create_context_field))
        .routes(routes!(validate_context_field_name))
        .routes(routes!(
            get_context_field,
            update_context_field,
            delete_context_field
        ))
        .routes(routes!(get_strategies_by_context_field))
        .routes(routes!(put_legal_value))
        .routes(routes!(delete_legal_value))
}

/// A body with just a name (`nameSchema`).
#[derive(Debug, serde::Deserialize)]
pub struct NameBody {
    pub name: Option<String>,
}

/// Every context field, built-in and custom, by sort order.
#[utoipa::path(get, path = "/api/admin/context", tag = "Context", responses(
    (status = 200, description = "Every context field", body = Vec<ContextFieldSchema>),
    (status = 401, description = "Not signed in"),
))]
async fn list_context_fields(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Vec<ContextFieldSchema>>> {
    let list = context::list(&state)
        .await?
        .iter()
        .map(|(f, u)| ContextFieldSchema::new(f, *u))
        .collect();
    Ok(Json(list))
}

/// Creates a context field (CREATE_CONTEXT_FIELD).
#[utoipa::path(post, path = "/api/admin/context", tag = "Context", responses(
    (status = 201, description = "The new context field", body = ContextFieldSchema),
    (status = 400, description = "Invalid name, legal values or project"),
    (status = 403, description = "Needs CREATE_CONTEXT_FIELD"),
    (status = 409, description = "The name is taken"),
))]
async fn create_context_field(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<ContextFieldInput>,
) -> AppResult<Response> {
    let auth = p.require(&[CREATE_CONTEXT_FIELD], Scope::ROOT)?;
    let field = context::create(&state, &auth, body).await?;
    let location = crate::http::location(&["context", &field.name]);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ContextFieldSchema::new(&field, Default::default())),
    )
        .into_response())
}

/// Checks that a name is valid and free: 200, or 400/409.
#[utoipa::path(post, path = "/api/admin/context/validate", tag = "Context", responses(
    (status = 200, description = "The name is valid and free"),
    (status = 400, description = "Invalid name"),
    (status = 409, description = "The name is taken"),
))]
async fn validate_context_field_name(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<NameBody>,
) -> AppResult<()> {
    p.require(&[CREATE_CONTEXT_FIELD, UPDATE_CONTEXT_FIELD], Scope::ROOT)?;
    context::validate_name(&state, body.name.as_deref()).await
}

/// One context field.
#[utoipa::path(get, path = "/api/admin/context/{contextField}", tag = "Context", params(("contextField" = String, Path, description = "Field name")), responses(
    (status = 200, description = "The context field", body = ContextFieldSchema),
    (status = 404, description = "No such field"),
))]
async fn get_context_field(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(context_field): Path<String>,
) -> AppResult<Json<ContextFieldSchema>> {
    let (field, usage) = context::get(&state, &context_field).await?;
    Ok(Json(ContextFieldSchema::new(&field, usage)))
}

/// Changes a context field (UPDATE_CONTEXT_FIELD).
#[utoipa::path(put, path = "/api/admin/context/{contextField}", tag = "Context", params(("contextField" = String, Path, description = "Field name")), responses(
    (status = 200, description = "Updated"),
    (status = 400, description = "Invalid legal values or project"),
    (status = 403, description = "Needs UPDATE_CONTEXT_FIELD"),
    (status = 404, description = "No such field"),
))]
async fn update_context_field(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(context_field): Path<String>,
    ApiJson(body): ApiJson<ContextFieldInput>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_CONTEXT_FIELD], Scope::ROOT)?;
    context::update(&state, &auth, &context_field, body).await?;
    Ok(())
}

/// Deletes a custom context field (DELETE_CONTEXT_FIELD).
#[utoipa::path(delete, path = "/api/admin/context/{contextField}", tag = "Context", params(("contextField" = String, Path, description = "Field name")), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs DELETE_CONTEXT_FIELD, or the field is built in"),
    (status = 404, description = "No such field"),
))]
async fn delete_context_field(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(context_field): Path<String>,
) -> AppResult<()> {
    let auth = p.require(&[DELETE_CONTEXT_FIELD], Scope::ROOT)?;
    context::delete(&state, &auth, &context_field).await
}

/// The flag strategies whose constraints use this field.
#[utoipa::path(get, path = "/api/admin/context/{contextField}/strategies", tag = "Context", params(("contextField" = String, Path, description = "Field name")), responses(
    (status = 200, description = "The strategies whose constraints use the field", body = ContextFieldStrategies),
    (status = 404, description = "No such field"),
))]
async fn get_strategies_by_context_field(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(context_field): Path<String>,
) -> AppResult<Json<ContextFieldStrategies>> {
    let list = context::strategies_using(&state, &context_field).await?;
    Ok(Json(ContextFieldStrategies {
        strategies: list.into_iter().map(SegmentStrategy::from).collect(),
    }))
}

/// Adds a legal value, or updates its description (UPDATE_CONTEXT_FIELD).
#[utoipa::path(post, path = "/api/admin/context/{contextField}/legal-values", tag = "Context", params(("contextField" = String, Path, description = "Field name")), responses(
    (status = 200, description = "Saved"),
    (status = 400, description = "Invalid value"),
    (status = 403, description = "Needs UPDATE_CONTEXT_FIELD"),
    (status = 404, description = "No such field"),
))]
async fn put_legal_value(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(context_field): Path<String>,
    ApiJson(body): ApiJson<LegalValueInput>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_CONTEXT_FIELD], Scope::ROOT)?;
    context::put_legal_value(&state, &auth, &context_field, body).await?;
    Ok(())
}

/// Removes one legal value (UPDATE_CONTEXT_FIELD).
#[utoipa::path(delete, path = "/api/admin/context/{contextField}/legal-values/{legalValue}", tag = "Context", params(
    ("contextField" = String, Path, description = "Field name"),
    ("legalValue" = String, Path, description = "The value to remove"),
), responses(
    (status = 200, description = "Removed"),
    (status = 403, description = "Needs UPDATE_CONTEXT_FIELD"),
    (status = 404, description = "No such field"),
))]
async fn delete_legal_value(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((context_field, legal_value)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[UPDATE_CONTEXT_FIELD], Scope::ROOT)?;
    context::delete_legal_value(&state, &auth, &context_field, &legal_value).await
}
