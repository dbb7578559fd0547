//! The audit log: `/api/admin/events` and `/api/admin/search/events`.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::events::EventQuery;
use crate::domain::permissions::ADMIN;
use crate::domain::token_scope::narrow_projects;
use crate::error::{AppError, AppResult};
use crate::http::extract::{bounded_query, ApiQuery, Caller, MAX_OFFSET};
use crate::http::wire::events::{
    EventCreator, EventList, EventSchema, EventSearchResult, FlagEventList,
};
use crate::service;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_events))
        .routes(routes!(get_feature_events))
        .routes(routes!(search_events))
        .routes(routes!(event_creators))
}

/// The users who have written events (`eventCreatorsSchema`: `[{id, name}]`), for filtering
/// the event log by creator.
#[utoipa::path(get, path = "/api/admin/event-creators", tag = "Events", responses(
    (status = 200, description = "The users who have written events", body = Vec<EventCreator>),
    (status = 401, description = "Not signed in"),
))]
async fn event_creators(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Vec<EventCreator>>> {
    let list = service::events::creators(&state)
        .await?
        .into_iter()
        .map(|(id, name)| EventCreator { id, name })
        .collect();
    Ok(Json(list))
}

const MAX_LIMIT: u64 = 1000;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// Only events of this project.
    project: Option<String>,
    /// Skip this many events (newest first; at most 1000000000).
    offset: Option<u64>,
    /// At most this many events (default 100, at most 1000).
    limit: Option<u64>,
}

/// The newest events, optionally of one project (ADMIN).
#[utoipa::path(get, path = "/api/admin/events", tag = "Events", params(EventsParams), responses(
    (status = 200, description = "The newest events", body = EventList),
    (status = 400, description = "`offset` out of range"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn get_events(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiQuery(params): ApiQuery<EventsParams>,
) -> AppResult<Json<EventList>> {
    p.require(&[ADMIN], Scope::LISTING)?;
    let q = EventQuery {
        project: params.project,
        projects: narrow_projects(None, p.visible_projects()),
        offset: bounded_query("offset", params.offset, MAX_OFFSET, 0)?,
        limit: params.limit.unwrap_or(100).min(MAX_LIMIT),
        ..Default::default()
    };
    let (events, total) = service::events::search(&state, &q).await?;
    Ok(Json(EventList {
        events: events.iter().map(EventSchema::from).collect(),
        total_events: total,
        version: 1,
    }))
}

/// The events of one flag; any signed-in user may read them.
#[utoipa::path(get, path = "/api/admin/events/{featureName}", tag = "Events", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 200, description = "The flag's events", body = FlagEventList),
))]
async fn get_feature_events(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(feature_name): Path<String>,
) -> AppResult<Json<FlagEventList>> {
    let q = EventQuery {
        feature_name: Some(feature_name.clone()),
        projects: narrow_projects(None, caller.visible_projects()),
        limit: MAX_LIMIT,
        ..Default::default()
    };
    let (events, total) = service::events::search(&state, &q).await?;
    Ok(Json(FlagEventList {
        events: events.iter().map(EventSchema::from).collect(),
        toggle_name: feature_name,
        total_events: total,
        version: 1,
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Flag name, optionally as `IS:<name>`.
    feature: Option<String>,
    /// Project id, optionally as `IS:<id>`.
    project: Option<String>,
    /// Event type, optionally as `IS:<type>`.
    #[serde(rename = "type")]
    event_type: Option<String>,
    /// Actor name, optionally as `IS:<name>`.
    created_by: Option<String>,
    /// Environment, optionally as `IS:<name>`.
    environment: Option<String>,
    /// Events at or after this date or time (`IS:2024-01-01` or RFC 3339).
    from: Option<String>,
    /// Events before the end of this date, or before this time.
    to: Option<String>,
    /// Skip this many events (newest first; at most 1000000000).
    offset: Option<u64>,
    limit: Option<u64>,
}

fn strip_is(v: Option<String>) -> Option<String> {
    v.map(|s| s.strip_prefix("IS:").map(str::to_string).unwrap_or(s))
        .filter(|s| !s.is_empty())
}

fn parse_time(
    field: &str,
    v: Option<String>,
    end_of_day: bool,
) -> AppResult<Option<DateTime<Utc>>> {
    let Some(s) = strip_is(v) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
        AppError::bad_field(
            &format!("/query/{field}"),
            format!(
                "`{field}` must be a date (YYYY-MM-DD) or an RFC 3339 date-time. You sent \"{s}\"."
            ),
        )
    })?;
    let d = if end_of_day {
        d.succ_opt().unwrap_or(d)
    } else {
        d
    };
    Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// Searches the audit log (ADMIN).
#[utoipa::path(get, path = "/api/admin/search/events", tag = "Events", params(SearchParams), responses(
    (status = 200, description = "One page of the events that match", body = EventSearchResult),
    (status = 400, description = "`offset` out of range, or a date that is not one"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn search_events(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> AppResult<Json<EventSearchResult>> {
    p.require(&[ADMIN], Scope::LISTING)?;
    let q = EventQuery {
        feature_name: strip_is(params.feature),
        project: strip_is(params.project),
        projects: narrow_projects(None, p.visible_projects()),
        event_type: strip_is(params.event_type),
        created_by: strip_is(params.created_by),
        environment: strip_is(params.environment),
        from: parse_time("from", params.from, false)?,
        to: parse_time("to", params.to, true)?,
        offset: bounded_query("offset", params.offset, MAX_OFFSET, 0)?,
        limit: params.limit.unwrap_or(50).min(MAX_LIMIT),
    };
    let (events, total) = service::events::search(&state, &q).await?;
    Ok(Json(EventSearchResult {
        events: events.iter().map(EventSchema::from).collect(),
        total,
    }))
}
