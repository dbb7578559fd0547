//! CORS for the frontend API, which browsers call from other origins. Other routes send no
//! CORS headers, so browsers keep them same-origin.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

fn allowed_origin(state: &AppState, origin: &str) -> Option<HeaderValue> {
    let origins = &state.config.cors_origins;
    if origins.iter().any(|o| o.trim() == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    origins
        .iter()
        .any(|o| o.trim().eq_ignore_ascii_case(origin))
        .then(|| HeaderValue::from_str(origin).ok())
        .flatten()
}

pub async fn frontend_cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let base = state.config.base_path();
    let is_frontend = path
        .strip_prefix(base.as_str())
        .unwrap_or(path)
        .starts_with("/api/frontend");
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (Some(origin), true) = (origin, is_frontend) else {
        return next.run(req).await;
    };
    let allow = allowed_origin(&state, &origin);
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        if let Some(allow) = allow {
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            let requested = req
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                requested.unwrap_or(HeaderValue::from_static("authorization, content-type, if-none-match, unleash-appname, unleash-sdk, unleash-connection-id")),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        return res;
    }
    let mut res = next.run(req).await;
    if let Some(allow) = allow {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}
