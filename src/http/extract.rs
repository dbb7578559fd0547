//! Extractors that answer malformed input with Unleash's error bodies.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use serde::de::DeserializeOwned;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::caller::admin_principal;
use crate::state::AppState;

/// A JSON body. Without `Content-Type: application/json` → 415; malformed JSON or a field
/// of the wrong type → 400 naming the field.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::ContentType);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The largest request body read ([axum's default body limit](axum::extract::DefaultBodyLimit)).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A body that could not be read: 413 when it is longer than [`MAX_BODY_BYTES`], else 400.
pub fn body_rejection(e: axum::extract::rejection::BytesRejection) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            limit_bytes: MAX_BODY_BYTES,
        }
    } else {
        AppError::bad_data(format!("Could not read the request body: {e}"))
    }
}

/// The most rows a paged list may skip.
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// A numeric query parameter within `0..=max`; 400 naming it otherwise. (Values past
/// `i64::MAX` would not even fit the database's integers.)
pub fn bounded_query(name: &str, value: Option<u64>, max: u64, default: u64) -> AppResult<u64> {
    match value {
        None => Ok(default),
        Some(v) if v <= max => Ok(v),
        Some(v) => Err(AppError::bad_field(
            &format!("/query/{name}"),
            format!("The `{name}` query parameter must be a whole number from 0 to {max}. You sent {v}."),
        )),
    }
}

/// Parses JSON, naming the offending field on failure. Strings may not contain NUL
/// characters (PostgreSQL cannot store them).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    if crate::http::limits::json_has_nul_escape(bytes) {
        return Err(AppError::bad_data(
            "The request body contains a NUL character (\\u0000) in a string; no name or value may contain one.",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            AppError::bad_data(format!("The request body is not valid JSON: {inner}"))
        } else if path == "." || path.is_empty() {
            AppError::bad_field("/body", format!("The request body is invalid: {inner}"))
        } else {
            let pointer = format!("/body/{}", path.replace('.', "/"));
            AppError::bad_field(
                &pointer,
                format!("The `{pointer}` property is invalid: {inner}"),
            )
        }
    })
}

/// Parses a numeric path parameter; 400 naming it otherwise.
pub fn parse_id(name: &str, raw: &str) -> AppResult<i64> {
    raw.parse::<i64>().map_err(|_| {
        AppError::bad_field(
            &format!("/params/{name}"),
            format!("The `/params/{name}` property must be integer. You sent \"{raw}\"."),
        )
    })
}

/// Writes to the Admin API that maintenance mode refuses: every POST, PUT, PATCH and DELETE
/// except the switch itself.
fn paused_by_maintenance(method: &Method, path: &str) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && path.starts_with("/api/admin/")
        && path != "/api/admin/maintenance"
}

/// The authenticated caller of an Admin API route. In maintenance mode, a write is refused
/// here, once the caller is known (so an anonymous caller still gets 401).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = match parts.extensions.get::<Principal>() {
            Some(p) => p.clone(),
            None => {
                let p = admin_principal(state, parts).await?;
                parts.extensions.insert(p.clone());
                p
            }
        };
        p.check_request(parts.method.as_str(), parts.uri.path())?;
        if paused_by_maintenance(&parts.method, parts.uri.path())
            && crate::service::maintenance::is_enabled(state).await?
        {
            return Err(AppError::Maintenance);
        }
        Ok(Caller(p))
    }
}

/// Query-string parameters; a malformed value → 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                AppError::bad_field(
                    &format!("/query/{path}"),
                    format!(
                        "The query parameter `{path}` is invalid: {}",
                        e.into_inner()
                    ),
                )
            })
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// An optional JSON body: empty → `null`; otherwise it must be JSON, as [`ApiJson`] requires.
pub fn optional_json(headers: &HeaderMap, bytes: &[u8]) -> AppResult<serde_json::Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    if !is_json(headers) {
        return Err(AppError::ContentType);
    }
    parse_json(bytes)
}
