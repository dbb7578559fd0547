//! Addons (`/api/admin/addons`): Unleash's integrations API with the webhook provider.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::addons::webhook_definition;
use crate::domain::permissions::{CREATE_ADDON, DELETE_ADDON, UPDATE_ADDON};
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiJson, ApiQuery, Caller};
use crate::http::wire::addons::{
    AddonList, AddonSchema, DeliveredEvent, GoneEvent, IntegrationEvent, IntegrationEventList,
};
use crate::http::wire::events::EventSchema;
use crate::service::addons;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_addons, create_addon))
        .routes(routes!(get_addon, update_addon, delete_addon))
        .routes(routes!(addon_events))
}

/// Every addon (sensitive parameters masked) and the providers on offer (`addonsSchema`).
#[utoipa::path(get, path = "/api/admin/addons", tag = "Addons", responses(
    (status = 200, description = "Every addon and the providers on offer", body = AddonList),
    (status = 401, description = "Not signed in"),
))]
async fn list_addons(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<AddonList>> {
    let list = addons::list(&state).await?;
    Ok(Json(AddonList {
        addons: list.iter().map(AddonSchema::from).collect(),
        providers: vec![webhook_definition()],
    }))
}

/// Creates an addon (CREATE_ADDON). Only the `webhook` provider exists; `url` is required.
#[utoipa::path(post, path = "/api/admin/addons", tag = "Addons", responses(
    (status = 200, description = "The new addon", body = AddonSchema),
    (status = 400, description = "Unknown provider, missing or invalid parameters, events not a list"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs CREATE_ADDON"),
    (status = 415, description = "The body is not JSON"),
))]
async fn create_addon(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<AddonSchema>> {
    let auth = p.require(&[CREATE_ADDON], Scope::ROOT)?;
    let addon = addons::create(&state, &auth, &body).await?;
    Ok(Json(AddonSchema::from(&addon)))
}

/// One addon, sensitive parameters masked (`addonSchema`).
#[utoipa::path(get, path = "/api/admin/addons/{id}", tag = "Addons", params(("id" = i64, Path, description = "Addon id")), responses(
    (status = 200, description = "The addon", body = AddonSchema),
    (status = 400, description = "The id is not an integer"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "No such addon"),
))]
async fn get_addon(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<AddonSchema>> {
    let id = parse_id("id", &id)?;
    let addon = addons::get(&state, id).await?;
    Ok(Json(AddonSchema::from(&addon)))
}

/// Replaces an addon's configuration (UPDATE_ADDON); a sensitive parameter sent back as
/// `*****` keeps its stored value.
#[utoipa::path(put, path = "/api/admin/addons/{id}", tag = "Addons", params(("id" = i64, Path, description = "Addon id")), responses(
    (status = 200, description = "The updated addon", body = AddonSchema),
    (status = 400, description = "Unknown provider, missing or invalid parameters"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs UPDATE_ADDON"),
    (status = 404, description = "No such addon"),
    (status = 415, description = "The body is not JSON"),
))]
async fn update_addon(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Json<AddonSchema>> {
    let id = parse_id("id", &id)?;
    let auth = p.require(&[UPDATE_ADDON], Scope::ROOT)?;
    let addon = addons::update(&state, &auth, id, &body).await?;
    Ok(Json(AddonSchema::from(&addon)))
}

/// Deletes an addon (DELETE_ADDON); it receives no more events.
#[utoipa::path(delete, path = "/api/admin/addons/{id}", tag = "Addons", params(("id" = i64, Path, description = "Addon id")), responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "The id is not an integer"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs DELETE_ADDON"),
    (status = 404, description = "No such addon"),
))]
async fn delete_addon(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<()> {
    let id = parse_id("id", &id)?;
    let auth = p.require(&[DELETE_ADDON], Scope::ROOT)?;
    addons::delete(&state, &auth, id).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// At most this many deliveries (default 50, at most 1000).
    limit: Option<u32>,
    /// Skip this many deliveries (newest first).
    offset: Option<u32>,
}

/// What an addon delivered, newest first (`integrationEventsSchema`; ADMIN).
#[utoipa::path(get, path = "/api/admin/addons/{id}/events", tag = "Addons", params(("id" = i64, Path, description = "Addon id"), PageParams), responses(
    (status = 200, description = "The addon's deliveries, newest first", body = IntegrationEventList),
    (status = 400, description = "The id, limit or offset is not a number"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such addon"),
))]
async fn addon_events(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> AppResult<Json<IntegrationEventList>> {
    let id = parse_id("id", &id)?;
    p.require_admin()?;
    let limit = u64::from(page.limit.unwrap_or(50).clamp(1, 1000));
    let offset = u64::from(page.offset.unwrap_or(0));
    let list = addons::deliveries(&state, id, limit, offset)
        .await?
        .into_iter()
        .map(|(d, ev)| IntegrationEvent {
            created_at: crate::domain::users::iso(d.created_at),
            details: Map::new(),
            event: match ev {
                Some(e) => DeliveredEvent::Event(Box::new(EventSchema::from(&e))),
                None => DeliveredEvent::Gone(GoneEvent { id: d.event_id }),
            },
            id: d.id.to_string(),
            integration_id: d.addon_id,
            state: d.state,
            state_details: d.state_details,
        })
        .collect();
    Ok(Json(IntegrationEventList {
        integration_events: list,
    }))
}
