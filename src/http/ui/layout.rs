//! Turning a handler's outcome into a response: the layout data of every page ([`Ctx`]),
//! rendering a template, the message, error and refusal pages, redirects that carry a
//! one-shot message, and the small formatters pages share.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::cookies::{cookie_path, FLASH_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

/// Data every page's layout needs.
#[derive(Clone)]
pub struct Ctx {
    pub base: String,
    pub title: String,
    pub nav: &'static str,
    pub user_name: String,
    pub user_email: String,
    pub initials: String,
    pub is_admin: bool,
    /// May read some API tokens (shows the "API access" link).
    pub can_api_tokens: bool,
    pub csrf: String,
    pub flash: Option<String>,
    /// Personal access tokens are offered (UNLEASH_PAT_KILL_SWITCH is off).
    pub pats_enabled: bool,
}

/// Renders a page; a one-shot message shown on it is cleared with the response.
pub fn render(ctx: &Ctx, status: StatusCode, page: &impl Template) -> Response {
    let html = match page.render() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response();
        }
    };
    let mut res = (status, Html(html)).into_response();
    if ctx.flash.is_some() {
        let path = if ctx.base.is_empty() {
            "/".to_string()
        } else {
            ctx.base.clone()
        };
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{FLASH_COOKIE}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax"
        )) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A 303 redirect to a page of the UI that will show `message` once.
pub fn redirect_with_flash(state: &AppState, to: &str, message: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(message.as_bytes()).collect();
    let location = format!("{}{to}", state.config.base_path());
    let cookie = format!(
        "{FLASH_COOKIE}={encoded}; Path={}; Max-Age=60; HttpOnly; SameSite=Lax",
        cookie_path(state)
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// A standalone page with a heading and a message (errors and refusals).
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    base: &'a str,
    heading: &'a str,
    message: &'a str,
}

pub fn message_page(base: &str, status: StatusCode, heading: &str, message: &str) -> Response {
    match (MessagePage {
        base,
        heading,
        message,
    })
    .render()
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// A page for an error from a service: its message for the caller's mistakes, a generic
/// one (with the cause logged) for server faults.
pub fn error_page(base: String, e: AppError) -> Response {
    let status = e.status();
    if let AppError::Internal(cause) = &e {
        tracing::error!(error = %format!("{cause:#}"), "internal error on a UI page");
    }
    let message = e.body()["message"]
        .as_str()
        .unwrap_or("Something went wrong.")
        .to_string();
    message_page(&base, status, "Something went wrong", &message)
}

/// Why a UI handler did not render its page: a page already made (a refusal, a redirect to
/// log in), or a service error, shown as the error page with the status the Admin API would
/// answer. Handlers return [`PageResult`] and use `?`.
pub enum PageError {
    Shown(Response),
    Failed { base: String, error: AppError },
}

/// What UI handlers return.
pub type PageResult = Result<Response, PageError>;

impl From<Response> for PageError {
    fn from(page: Response) -> Self {
        PageError::Shown(page)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Shown(page) => page,
            PageError::Failed { base, error } => error_page(base, error),
        }
    }
}

/// The refusal shown when a user opens a page their role does not allow.
pub fn refusal(ctx: &Ctx, what: &str) -> Response {
    render(
        ctx,
        StatusCode::FORBIDDEN,
        &Refused {
            ctx: ctx.clone(),
            what: what.to_string(),
        },
    )
}

#[derive(Template)]
#[template(path = "refused.html")]
struct Refused {
    ctx: Ctx,
    what: String,
}

/// The message of a service error, for showing beside a form.
pub fn error_text(e: &AppError) -> String {
    if let AppError::Internal(cause) = e {
        tracing::error!(error = %format!("{cause:#}"), "internal error on a UI form");
    }
    match e {
        AppError::BadData { details, message } => details
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_else(|| message.clone()),
        other => other.body()["message"]
            .as_str()
            .unwrap_or("Something went wrong.")
            .to_string(),
    }
}

/// Formats a time for tables, in UTC.
pub fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

pub fn date_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A local redirect target (a path on this server), or `None` for anything that could
/// lead elsewhere.
pub fn safe_redirect(base: &str, target: Option<&str>) -> Option<String> {
    let t = target?.trim();
    if !t.starts_with('/') || t.starts_with("//") || t.contains('\\') || t.contains("://") {
        return None;
    }
    if !base.is_empty() && !t.starts_with(base) {
        return None;
    }
    Some(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::safe_redirect;

    #[test]
    fn redirects_stay_on_this_server() {
        assert_eq!(safe_redirect("", Some("/profile")), Some("/profile".into()));
        assert_eq!(safe_redirect("", Some("//evil.example")), None);
        assert_eq!(safe_redirect("", Some("https://evil.example")), None);
        assert_eq!(safe_redirect("", Some("/\\evil.example")), None);
        assert_eq!(safe_redirect("/unleash", Some("/other")), None);
        assert_eq!(
            safe_redirect("/unleash", Some("/unleash/profile")),
            Some("/unleash/profile".into())
        );
    }
}
