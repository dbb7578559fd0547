//! The client API for backend SDKs (client/backend tokens): `/api/client/*`.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;
use unleash_types::client_features::ClientFeaturesDelta;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The header with which SDKs name the client specification version they implement.
const UNLEASH_CLIENT_SPEC: header::HeaderName =
    header::HeaderName::from_static("unleash-client-spec");

use super::auth::ClientAddr;
use super::extract::ApiJson;
use crate::auth::ApiTokenKind;
use crate::domain::client::{
    diff, hydration, parse_tag_filter, select, spec_supports_segments, unleash_shape, Selection,
};
use crate::error::{AppError, AppResult};
use crate::service::caller::sdk_principal;
use crate::service::metrics;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_client_features))
        .routes(routes!(get_client_feature))
        .routes(routes!(register_client))
        .routes(routes!(client_metrics))
        .routes(routes!(client_metrics_bulk))
        .routes(routes!(get_client_delta))
        .routes(routes!(get_client_streaming))
}

/// The whole state as one hydration event (the Node SDK's delta mode). `If-None-Match`
/// with the current event id answers 304.
#[utoipa::path(get, path = "/api/client/delta", tag = "Client API", responses(
    (status = 200, description = "One `hydration` event with the whole state", body = crate::http::wire::sdk::ClientDelta),
    (status = 304, description = "Nothing changed since the event id in If-None-Match"),
))]
async fn get_client_delta(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    let mut sel = selection(&headers, query.as_deref(), token.projects.clone())?;
    sel.inline_segments = false;
    // Unleash's delta and streaming endpoints do not filter by tag.
    sel.tags.clear();
    let snap = state
        .features
        .snapshot(&state.db, &token.environment)
        .await?;
    let event_id = snap.revision.max(0) as u32;
    let etag = format!("\"{event_id}\"");
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    if etag_matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let features = select(&snap.all, &sel, &snap.environment);
    let delta = ClientFeaturesDelta {
        events: vec![hydration(&features, event_id)],
    };
    Ok((
        [(header::ETAG, etag_value)],
        Json(serde_json::to_value(delta).map_err(AppError::internal)?),
    )
        .into_response())
}

/// How often a stream checks for changes.
const STREAM_CHECK: Duration = Duration::from_millis(250);

/// Server-sent events: `unleash-connected` with the whole state, then `unleash-updated`
/// with the changes, within a second of any change on any node.
#[utoipa::path(get, path = "/api/client/streaming", tag = "Client API", responses(
    (status = 200, description = "Server-sent events: `unleash-connected` with the whole state, then `unleash-updated` with changes; each event's data is `{events: [...]}` as in `/api/client/delta`", content_type = "text/event-stream", body = String),
))]
async fn get_client_streaming(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    let mut sel = selection(&headers, query.as_deref(), token.projects.clone())?;
    sel.inline_segments = false;
    // Unleash's delta and streaming endpoints do not filter by tag.
    sel.tags.clear();
    let snap = state
        .features
        .snapshot(&state.db, &token.environment)
        .await?;
    let first = select(&snap.all, &sel, &snap.environment);
    let event_id = snap.revision.max(0) as u32;
    let connected = Event::default()
        .event("unleash-connected")
        .id(event_id.to_string())
        .data(
            serde_json::to_string(&ClientFeaturesDelta {
                events: vec![hydration(&first, event_id)],
            })
            .map_err(AppError::internal)?,
        );
    let environment = token.environment.clone();
    let updates = futures_util::stream::unfold(
        (state, first, snap.revision),
        move |(state, mut last, mut revision)| {
            let sel = sel.clone();
            let environment = environment.clone();
            async move {
                loop {
                    tokio::time::sleep(STREAM_CHECK).await;
                    let Ok(snap) = state.features.snapshot(&state.db, &environment).await else {
                        continue;
                    };
                    if snap.revision == revision {
                        continue;
                    }
                    let now = select(&snap.all, &sel, &snap.environment);
                    let event_id = snap.revision.max(0) as u32;
                    let events = diff(&last, &now, event_id);
                    revision = snap.revision;
                    if events.is_empty() {
                        last = now;
                        continue;
                    }
                    let data =
                        serde_json::to_string(&ClientFeaturesDelta { events }).unwrap_or_default();
                    let event = Event::default()
                        .event("unleash-updated")
                        .id(event_id.to_string())
                        .data(data);
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (state, now, revision),
                    ));
                }
            }
        },
    );
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(connected) })
            .chain(updates);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// True when an `If-None-Match` header names this ETag (weak or strong form).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    // `strip_prefix` rather than `trim_start_matches`: a string pattern there builds a
    // substring searcher on every call, and this runs on every SDK poll.
    let bare = etag.strip_prefix("W/").unwrap_or(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| {
            let v = v.trim();
            v.strip_prefix("W/").unwrap_or(v)
        })
        .any(|v| v == bare || v == "*")
}

fn selection(
    headers: &HeaderMap,
    raw_query: Option<&str>,
    token_projects: std::sync::Arc<[String]>,
) -> AppResult<Selection> {
    let mut projects = Vec::new();
    let mut name_prefix = None;
    let mut tags = Vec::new();
    for (k, v) in form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "project" | "project[]" if !v.is_empty() => {
                projects.extend(v.split(',').map(str::to_string))
            }
            "namePrefix" if !v.is_empty() => name_prefix = Some(v.to_string()),
            "tag" | "tag[]" if !v.is_empty() => {
                tags.push(parse_tag_filter(&v).ok_or_else(|| {
                    AppError::bad_data(format!(
                        "\"tag[{}]\" must be a tag written as type:value, e.g. simple:payment",
                        tags.len()
                    ))
                })?)
            }
            _ => {}
        }
    }
    projects.sort();
    projects.dedup();
    tags.sort();
    tags.dedup();
    let spec = headers
        .get(UNLEASH_CLIENT_SPEC)
        .and_then(|v| v.to_str().ok());
    Ok(Selection {
        token_projects,
        projects,
        name_prefix,
        inline_segments: !spec_supports_segments(spec),
        tags,
    })
}

/// Every flag the token may see in its environment, in Unleash's client format. Answers 304
/// when `If-None-Match` names the current ETag.
#[utoipa::path(get, path = "/api/client/features", tag = "Client API", params(
    ("project" = Option<String>, Query, description = "Only flags of these projects"),
    ("namePrefix" = Option<String>, Query, description = "Only flags whose name starts with this"),
    ("tag" = Option<String>, Query, description = "Only flags with one of these tags (`type:value`, repeatable)"),
), responses(
    (status = 200, description = "Every flag of the token's projects in its environment", body = crate::http::wire::sdk::ClientFeatures),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    (status = 400, description = "A `tag` that is not `type:value`"),
    (status = 401, description = "No or unknown token"),
    (status = 403, description = "Not a client (backend) token"),
))]
async fn get_client_features(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    client_features(&state, req).await
}

/// The answer to an SDK poll. Served by [`super::sdk_poll`] without the router for `GET`,
/// through the route above for `HEAD`. Takes the request itself rather than copies of its
/// headers and query.
pub(super) async fn client_features(
    state: &AppState,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let headers = req.headers();
    let token = sdk_principal(state, headers, ApiTokenKind::Client).await?;
    let sel = selection(headers, req.uri().query(), token.projects.clone())?;
    let snap = state
        .features
        .snapshot(&state.db, &token.environment)
        .await?;
    let rendered = snap.client_features(&sel);
    let etag = rendered.etag_header.clone();
    if etag_matches(headers, &rendered.etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let gzip = accepts_gzip(headers).then(|| rendered.gzip()).flatten();
    let mut res = Response::new(axum::body::Body::from(
        gzip.clone().unwrap_or_else(|| rendered.body.clone()),
    ));
    // Room for these, the shared layers' and hyper's headers at once, instead of growing.
    let h = res.headers_mut();
    h.reserve(8);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if gzip.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::ETAG, etag);
    Ok(res)
}

/// True when `Accept-Encoding` lists gzip (and does not refuse it with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// One flag, in Unleash's client format.
#[utoipa::path(get, path = "/api/client/features/{featureName}", tag = "Client API", params(("featureName" = String, Path, description = "Flag name")), responses(
    (status = 200, description = "The flag", body = crate::http::wire::sdk::ClientFeature),
    (status = 404, description = "No such flag for this token"),
))]
async fn get_client_feature(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    let sel = selection(&headers, None, token.projects.clone())?;
    let snap = state
        .features
        .snapshot(&state.db, &token.environment)
        .await?;
    let features = select(&snap.all, &sel, &snap.environment);
    let feature = features
        .features
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| AppError::not_found(format!("Could not find feature flag {name}")))?;
    let mut feature = serde_json::to_value(feature).map_err(AppError::internal)?;
    unleash_shape(&mut feature);
    Ok(Json(feature))
}

/// An SDK instance registers itself.
#[utoipa::path(post, path = "/api/client/register", tag = "Client API", responses((status = 202, description = "Accepted")))]
async fn register_client(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    metrics::register(&state, &token.environment, &body, Some(&addr)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// An SDK reports how often it evaluated each flag.
#[utoipa::path(post, path = "/api/client/metrics", tag = "Client API", responses(
    (status = 202, description = "Accepted"),
    (status = 400, description = "No bucket of counts"),
))]
async fn client_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    metrics::record(&state, &token.environment, &body).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Applications and flag counts in one report (as Unleash Edge sends them upstream). Counts
/// for environments other than the token's are dropped, as Unleash does.
#[utoipa::path(post, path = "/api/client/metrics/bulk", tag = "Unleash Edge", responses(
    (status = 202, description = "Accepted"),
    (status = 400, description = "`applications` or `metrics` missing, or an entry malformed (the message names the field)"),
    (status = 401, description = "No or unknown token"),
    (status = 403, description = "Not a client (backend) token"),
))]
async fn client_metrics_bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<StatusCode> {
    let token = sdk_principal(&state, &headers, ApiTokenKind::Client).await?;
    metrics::record_bulk(&state, &token.environment, &body, Some(&addr)).await?;
    Ok(StatusCode::ACCEPTED)
}
