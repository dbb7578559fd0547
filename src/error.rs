//! One error type for the whole server, rendered as Unleash's error JSON:
//! `{"id": uuid, "name": "BadDataError", "message": "...", "details": [{"message": "..."}]}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// One entry of the `details` list; `path` names the offending field when known.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request body, path or query is invalid.
    #[error("{message}")]
    BadData {
        message: String,
        details: Vec<Detail>,
    },
    /// 400: a configured limit would be exceeded.
    #[error("{0}")]
    ExceedsLimit(String),
    /// 401: no credentials at all on an Admin API route.
    #[error("authentication required")]
    AuthenticationRequired,
    /// 401: credentials were given but are not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// 401: wrong username or password at login.
    #[error("password mismatch")]
    PasswordMismatch,
    /// 401 with a bare `{message}` body: the SDK APIs' answer to a missing or unknown token.
    #[error("api token required")]
    ApiTokenRequired,
    /// 403 with a bare `{message}` body: a token of the wrong kind for this API.
    #[error("wrong token type")]
    WrongTokenType,
    /// 403: the caller lacks one of these permissions.
    #[error("missing permission {0:?}")]
    Permission(Vec<String>),
    /// 403: the operation is refused whoever asks.
    #[error("{0}")]
    OperationDenied(String),
    /// 403
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409
    #[error("{0}")]
    NameExists(String),
    /// 413: the body is longer than the server reads.
    #[error("payload too large")]
    PayloadTooLarge { limit_bytes: usize },
    /// 415
    #[error("content type")]
    ContentType,
    /// 503 with Unleash's bare `{message}` body: maintenance mode refuses Admin API writes.
    #[error("maintenance mode")]
    Maintenance,
    /// 429
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 500: logged with its cause, never shown to the caller.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// Unleash's words for a write refused in maintenance mode, and how to end it.
pub const MAINTENANCE_MESSAGE: &str = "Unleash is currently in maintenance mode. Reads and the SDK APIs keep working; an Admin ends it with POST /api/admin/maintenance {\"enabled\": false}.";

impl AppError {
    pub fn bad_data(message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadData {
            details: vec![Detail {
                path: None,
                message: message.clone(),
            }],
            message,
        }
    }

    /// A 400 that names the field at fault, as Unleash's request validator does.
    pub fn bad_field(path: &str, message: impl Into<String>) -> Self {
        AppError::BadData {
            message: "Request validation failed: your request body or params contain invalid data. Refer to the `details` list for more information.".into(),
            details: vec![Detail { path: Some(path.to_string()), message: message.into() }],
        }
    }

    /// The same error with `path`, the JSON pointer of the field at fault (such as
    /// `/body/expiresAt`), in each entry of its `details`; the message is unchanged. Errors
    /// other than [`AppError::BadData`] have no such list and are returned as they are.
    pub fn at(mut self, path: &str) -> Self {
        if let AppError::BadData { details, .. } = &mut self {
            for d in details {
                d.path = Some(path.to_string());
            }
        }
        self
    }

    /// The JSON pointer of the field the error names first, when it names one.
    pub fn field_path(&self) -> Option<&str> {
        match self {
            AppError::BadData { details, .. } => details.first()?.path.as_deref(),
            _ => None,
        }
    }

    /// A 400 from a service rule, phrased as Unleash phrases those.
    pub fn validation(message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadData {
            details: vec![Detail { path: None, message: message.clone() }],
            message: format!("Request validation failed: your request body or params contain invalid data: {message}"),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound(message.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadData { .. } | AppError::ExceedsLimit(_) => StatusCode::BAD_REQUEST,
            AppError::AuthenticationRequired
            | AppError::Unauthorized(_)
            | AppError::PasswordMismatch
            | AppError::ApiTokenRequired => StatusCode::UNAUTHORIZED,
            AppError::WrongTokenType
            | AppError::Permission(_)
            | AppError::OperationDenied(_)
            | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::NameExists(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Maintenance => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body Unleash would send for this error.
    pub fn body(&self) -> Value {
        let (name, message, details): (&str, String, Option<Vec<Detail>>) = match self {
            AppError::BadData { message, details } => ("BadDataError", message.clone(), Some(details.clone())),
            AppError::ExceedsLimit(m) => ("ExceedsLimitError", m.clone(), None),
            AppError::AuthenticationRequired => {
                let message = "You must log in to use Unleash. Your request had no authorization header, so we could not authorize you. Try logging in at /auth/simple/login";
                return json!({
                    "id": uuid::Uuid::new_v4(),
                    "name": "AuthenticationRequired",
                    "message": message,
                    "details": [{"message": message}],
                    "path": "/auth/simple/login",
                    "type": "password",
                    "defaultHidden": false,
                });
            }
            AppError::Unauthorized(m) => ("UnauthorizedError", m.clone(), None),
            AppError::PasswordMismatch => (
                "PasswordMismatch",
                "The combination of password and username you provided is invalid. If you have forgotten your password, visit /forgotten-password or get in touch with your instance administrator.".into(),
                None,
            ),
            AppError::ApiTokenRequired => {
                return json!({"message": "This endpoint requires an API token. Please add an authorization header to your request with a valid token"});
            }
            AppError::WrongTokenType => {
                return json!({"message": "invalid token: expected a different token type for this endpoint"});
            }
            AppError::Maintenance => {
                return json!({"message": MAINTENANCE_MESSAGE});
            }
            AppError::Permission(perms) => {
                let list = perms.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
                let message = if perms.len() == 1 {
                    format!("You don't have the required permissions to perform this operation. To perform this action, you need the {list} permission.")
                } else {
                    format!("You don't have the required permissions to perform this operation. To perform this action, you need one of the following permissions: {list}.")
                };
                return json!({
                    "id": uuid::Uuid::new_v4(),
                    "name": "PermissionError",
                    "message": message,
                    "details": [{"message": message}],
                    "permissions": perms,
                });
            }
            AppError::OperationDenied(m) => ("OperationDeniedError", m.clone(), None),
            AppError::Forbidden(m) => ("ForbiddenError", m.clone(), None),
            AppError::NotFound(m) => ("NotFoundError", m.clone(), None),
            AppError::NameExists(m) => ("NameExistsError", m.clone(), None),
            AppError::PayloadTooLarge { limit_bytes } => (
                "PayloadTooLargeError",
                format!("The request body is too large: this server reads at most {limit_bytes} bytes. Send a smaller body, for example by splitting an import into several."),
                None,
            ),
            AppError::ContentType => (
                "ContentTypeError",
                "We do not accept the content-type you provided. Try using one of the content-types we do accept instead (application/json) and make sure the body is in the corresponding format.".into(),
                None,
            ),
            AppError::TooManyRequests { .. } => ("TooManyRequestsError", "Too many requests, please try again later.".into(), None),
            AppError::Internal(_) => ("InternalError", "Unexpected error on the server. It has been logged; please try again.".into(), None),
        };
        let message = clip_echoes(&message);
        let details = match details {
            Some(details) => details
                .into_iter()
                .map(|d| Detail {
                    path: d.path.map(|p| clip_echoes(&p)),
                    message: clip_echoes(&d.message),
                })
                .collect(),
            None => vec![Detail {
                path: None,
                message: message.clone(),
            }],
        };
        json!({"id": uuid::Uuid::new_v4(), "name": name, "message": message, "details": details})
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        }
        let status = self.status();
        let mut response = (status, axum::Json(self.body())).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// The most characters of a caller's value an error message repeats.
pub const MAX_ECHO_CHARS: usize = 100;
/// The longest error message sent.
const MAX_MESSAGE_CHARS: usize = 2_000;

/// Shortens what an error message quotes back to the caller: each `"…"` run longer than
/// [`MAX_ECHO_CHARS`] keeps its start and says how long it was, and the message as a whole
/// is capped. A 10,000-character name is not worth sending back in full.
pub fn clip_echoes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS + 64));
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else {
            rest = after;
            break;
        };
        let quoted = &after[..close];
        let chars = quoted.chars().count();
        if chars > MAX_ECHO_CHARS {
            out.extend(quoted.chars().take(MAX_ECHO_CHARS));
            out.push_str(&format!("… ({chars} characters)"));
        } else {
            out.push_str(quoted);
        }
        out.push('"');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if out.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = out.chars().take(MAX_MESSAGE_CHARS).collect();
        return format!("{cut}…");
    }
    out
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Turns a unique-constraint violation into a domain error at the call site, so that
/// uniqueness holds under concurrent requests instead of relying on a racy pre-check.
pub trait ResultExt<T> {
    fn on_unique_violation(self, f: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_unique_violation(self, f: impl FnOnce() -> AppError) -> AppResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(f()),
            Err(e) => Err(e.into()),
        }
    }
}

impl<T> ResultExt<T> for AppResult<T> {
    fn on_unique_violation(self, f: impl FnOnce() -> AppError) -> AppResult<T> {
        match self {
            Err(AppError::Internal(e)) => match e.downcast::<sqlx::Error>() {
                Ok(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(f()),
                Ok(other) => Err(AppError::Internal(other.into())),
                Err(e) => Err(AppError::Internal(e)),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_clipped_and_short_ones_kept() {
        let long = "a".repeat(10_000);
        let clipped = clip_echoes(&format!("Bad name. You sent \"{long}\". Fix \"it\"."));
        assert!(clipped.starts_with(&format!("Bad name. You sent \"{}", "a".repeat(100))));
        assert!(clipped.contains("… (10000 characters)\". Fix \"it\"."));
        assert!(clipped.len() < 200);
        assert_eq!(clip_echoes("plain \"short\" text"), "plain \"short\" text");
        assert_eq!(clip_echoes("unclosed \"quote"), "unclosed \"quote");
    }

    #[test]
    fn the_whole_message_is_capped() {
        let clipped = clip_echoes(&"word ".repeat(2_000));
        assert_eq!(clipped.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn payload_too_large_is_413_in_unleash_shape() {
        let e = AppError::PayloadTooLarge { limit_bytes: 10 };
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = e.body();
        assert_eq!(body["name"], "PayloadTooLargeError");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("at most 10 bytes"));
    }
}
