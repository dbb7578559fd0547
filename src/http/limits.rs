//! Guards every request passes before routing: bounded headers, no NUL characters (which
//! PostgreSQL cannot store in text) in the path or query, small bodies read before the
//! handler (so that kept-alive connections survive handlers that ignore them), and a handler
//! that panics answers 500 in Unleash's error shape instead of dropping the connection.

use std::any::Any;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;

/// The most bytes of header names and values one request may carry (cookies included).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header lines one request may carry.
pub const MAX_HEADER_COUNT: usize = 100;

/// The answer refusing a request before any handler or authentication runs, if it must be:
/// headers larger than [`MAX_HEADER_BYTES`] or more than [`MAX_HEADER_COUNT`] (431), or a
/// path or query string that encodes a NUL character (400). Checked by
/// [`super::gate`] for every request.
pub fn refusal(req: &Request) -> Option<Response> {
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("");
    if has_encoded_nul(target) {
        return Some(
            AppError::bad_data(
                "The request's path or query contains a NUL character (%00), which no name or value may contain.",
            )
            .into_response(),
        );
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if bytes > MAX_HEADER_BYTES || headers.len() > MAX_HEADER_COUNT {
        let message = format!(
            "The request's headers are too large: at most {MAX_HEADER_COUNT} headers and {} KiB in all are read. Remove unneeded headers or cookies.",
            MAX_HEADER_BYTES / 1024
        );
        let body = json!({
            "id": uuid::Uuid::new_v4(),
            "name": "RequestHeaderFieldsTooLargeError",
            "message": message,
            "details": [{"message": message}],
        });
        return Some(
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                axum::Json(body),
            )
                .into_response(),
        );
    }
    None
}

/// Bodies up to this many bytes, with their length declared, are read before the handler
/// runs (by [`super::gate`]), so that the connection stays usable for the client's next
/// request.
///
/// hyper keeps a connection alive only when the request body was read to its end. Many
/// endpoints take no body (`POST .../environments/{env}/on`), yet clients send one (`{}`),
/// often in a packet of its own after the head (Python's `http.client` and urllib3 send the
/// two separately). When a handler ignores the body, hyper drains what has arrived and, when
/// the rest is still on its way, closes the connection after the answer; when it notices
/// only after the answer's head went out, that head carries no `Connection: close`, and the
/// client's next request on the connection fails with a reset or a broken pipe. Bodies
/// without a declared length, or longer ones, are left to the handlers (which refuse those
/// over [`crate::http::extract::MAX_BODY_BYTES`]); the small bound keeps what is read for
/// handlers that would refuse the request unread (no credentials) to a few pages.
pub const SMALL_BODY_BYTES: u64 = 64 * 1024;

/// Whether a URL-encoded string encodes the NUL character.
pub fn has_encoded_nul(encoded: &str) -> bool {
    encoded
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Whether JSON text has a `\u0000` escape inside a string (a raw NUL byte is not valid JSON).
pub fn json_has_nul_escape(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u') && json.get(i + 2..i + 6) == Some(b"0000".as_slice())
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The answer to a handler that panicked: logged, then 500 in Unleash's error shape.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    AppError::internal(anyhow::anyhow!("a request handler panicked: {what}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    async fn boom() -> &'static str {
        panic!("deliberately")
    }

    #[test]
    fn nul_characters_are_found_in_urls_and_json() {
        assert!(has_encoded_nul("/api/admin/projects/a%00b"));
        assert!(has_encoded_nul("/x?q=%00"));
        assert!(!has_encoded_nul("/x?q=%20%30%0A"));
        assert!(json_has_nul_escape(br#"{"name":"a\u0000b"}"#));
        assert!(!json_has_nul_escape(br#"{"name":"a\\u0000b"}"#));
        assert!(!json_has_nul_escape(br#"{"name":"a\u00e9b"}"#));
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_unleash_shape() {
        let app = Router::new()
            .route("/boom", get(boom))
            .layer(CatchPanicLayer::custom(panic_response));
        let res = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["name"], "InternalError");
        assert!(!body["message"].as_str().unwrap().contains("deliberately"));
    }
}
