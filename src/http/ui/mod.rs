//! The admin web UI: server-rendered askama pages that call the same services as the
//! Admin API. Pages work without JavaScript; `static/app.js` only adds conveniences
//! (copying to the clipboard, the live expiry date and curl example).
//!
//! Every page needs a signed-in user (session cookie); requests without one are sent to
//! `/login`. Every form that changes something carries a CSRF token derived from the
//! session (see [`csrf_token`]) and is checked by the [`CsrfForm`] extractor.

// Handlers answer refusals with ready pages; a large `Err` is fine off the hot path.
#![allow(clippy::result_large_err)]

mod addons;
mod api_tokens;
mod dashboard;
mod events;
mod flag_details;
mod flags;
mod forms;
mod invite;
mod login;
mod pats;
mod profile;
mod projects;
mod reset_password;
mod service_accounts;
mod strategy_form;
mod token_inventory;
mod token_policy;
mod users;
mod variants;
mod widgets;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;

use askama::Template;

use crate::auth::token::digest;
use crate::auth::{session, Principal, UserPrincipal};
use crate::domain::permissions::ADMIN;
use crate::domain::users::User;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

/// The UI's routes; merged into the application router (not part of the OpenAPI document).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(login::routes())
        .merge(profile::routes())
        .merge(pats::routes())
        .merge(users::routes())
        .merge(invite::routes())
        .merge(events::routes())
        .merge(flags::routes())
        .merge(strategy_form::routes())
        .merge(flag_details::routes())
        .merge(api_tokens::routes())
        .merge(projects::routes())
        .merge(variants::routes())
        .merge(reset_password::routes())
        .merge(token_policy::routes())
        .merge(service_accounts::routes())
        .merge(token_inventory::routes())
        .merge(addons::routes())
}

const APP_CSS: &str = include_str!("../../../static/app.css");
const APP_JS: &str = include_str!("../../../static/app.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

/// The dashboard; signing in without a page asked for lands here.
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    page: PageUser,
) -> PageResult {
    dashboard::show(&state, &page).await
}

/// Cookie that carries a one-shot message to the next page (after a redirect).
const FLASH_COOKIE: &str = "switchyard-flash";

/// The CSRF token of a session: a one-way digest of the session secret, so the page can
/// carry it without revealing the session, and another session cannot reuse it.
pub fn csrf_token(session_value: &str) -> String {
    digest(&format!("switchyard-ui-csrf:{session_value}"))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn cookie_path(state: &AppState) -> String {
    let base = state.config.base_path();
    if base.is_empty() {
        "/".into()
    } else {
        base
    }
}

fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// A signed-in user visiting a page. Without a valid session the request is redirected
/// to the sign-in page, remembering where it wanted to go.
pub struct PageUser {
    /// The same user as a principal, for permission checks.
    pub principal: Principal,
    user: UserPrincipal,
    pub base: String,
    csrf: String,
    flash: Option<String>,
    /// False while UNLEASH_PAT_KILL_SWITCH is on (the UI then hides personal access tokens).
    pats_enabled: bool,
}

impl PageUser {
    pub fn user(&self) -> &UserPrincipal {
        &self.user
    }

    pub fn is_admin(&self) -> bool {
        self.user().grants.iter().any(|g| g.permission == ADMIN)
    }

    /// The layout data of a page.
    pub fn ctx(&self, title: impl Into<String>, nav: &'static str) -> Ctx {
        let user = &self.user().user;
        Ctx {
            base: self.base.clone(),
            title: title.into(),
            nav,
            user_name: user.display_name(),
            user_email: user.email.clone().unwrap_or_default(),
            initials: initials(user),
            is_admin: self.is_admin(),
            can_api_tokens: self.principal.can(
                &[
                    ADMIN,
                    crate::domain::permissions::READ_CLIENT_API_TOKEN,
                    crate::domain::permissions::READ_FRONTEND_API_TOKEN,
                ],
                crate::auth::permission::Scope::ROOT,
            ),
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
            pats_enabled: self.pats_enabled,
        }
    }
}

/// Up to two letters that stand for a user in the top bar.
pub fn initials(user: &User) -> String {
    let name = user.display_name();
    let mut parts = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '_' || c == '-' || c == '@')
        .filter(|p| !p.is_empty());
    let first = parts
        .next()
        .and_then(|p| p.chars().find(|c| c.is_alphanumeric()));
    let second = parts
        .next()
        .and_then(|p| p.chars().find(|c| c.is_alphanumeric()));
    match (first, second) {
        (Some(a), Some(b)) => format!("{a}{b}").to_uppercase(),
        (Some(_), None) => name
            .chars()
            .filter(|c| c.is_alphanumeric())
            .take(2)
            .collect::<String>()
            .to_uppercase(),
        _ => "?".into(),
    }
}

fn login_redirect(state: &AppState, parts: &Parts) -> Response {
    let base = state.config.base_path();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    // The path seen here is already stripped of BASE_URI_PATH by the nesting router.
    let mut to = format!("{base}/login");
    if target != "/" {
        let encoded: String =
            form_urlencoded::byte_serialize(format!("{base}{target}").as_bytes()).collect();
        to.push_str("?redirect=");
        to.push_str(&encoded);
    }
    Redirect::to(&to).into_response()
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = session::from_headers(&parts.headers) else {
            return Err(login_redirect(state, parts));
        };
        let principal = match service::caller::session_principal(state, &value).await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(login_redirect(state, parts)),
            Err(e) => return Err(error_page(state.config.base_path(), e)),
        };
        let flash = read_cookie(&parts.headers, FLASH_COOKIE).map(|v| {
            let decoded: String = form_urlencoded::parse(format!("m={v}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            decoded
        });
        Ok(PageUser {
            principal: Principal::User(principal.clone()),
            user: principal,
            base: state.config.base_path(),
            csrf: csrf_token(&value),
            flash,
            pats_enabled: !state.config.pat_kill_switch,
        })
    }
}

/// A form submitted from one of our pages: its `_csrf` field must match the session's
/// token, otherwise the request is refused with a 403 page before `T` is even parsed.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let base = state.config.base_path();
        let expected = session::from_headers(req.headers()).map(|v| csrf_token(&v));
        let path = req.uri().path().to_string();
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| e.into_response())?;
        let presented = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.into_owned());
        match (expected, presented) {
            (Some(e), Some(p)) if constant_time_eq(&e, &p) => {}
            _ => return Err(csrf_refusal(&base)),
        }
        if crate::http::limits::has_encoded_nul(&String::from_utf8_lossy(&bytes)) {
            return Err(message_page(
                &base,
                StatusCode::BAD_REQUEST,
                "Invalid characters",
                "A field contains a NUL character, which no name or value may contain, so nothing was changed. Go back and remove it.",
            ));
        }
        if path != "/sign-out" {
            match crate::service::maintenance::is_enabled(state).await {
                Ok(false) => {}
                Ok(true) => return Err(maintenance_refusal(&base)),
                Err(e) => return Err(error_page(base, e)),
            }
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(CsrfForm)
            .map_err(|e| {
                message_page(
                    &base,
                    StatusCode::BAD_REQUEST,
                    "The form could not be read",
                    &format!("{e}"),
                )
            })
    }
}

fn maintenance_refusal(base: &str) -> Response {
    message_page(
        base,
        StatusCode::SERVICE_UNAVAILABLE,
        "Maintenance mode",
        "Changes are paused while this instance is in maintenance mode, so nothing was changed. Flags are still served to applications. An Admin ends maintenance mode with POST /api/admin/maintenance {\"enabled\": false}.",
    )
}

fn csrf_refusal(base: &str) -> Response {
    message_page(
        base,
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form did not carry a valid security token, so nothing was changed. Go back, reload the page and try again.",
    )
}

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

impl PageUser {
    /// Turns a service error into the error page, for `.map_err(page.fail())?`.
    pub fn fail(&self) -> impl FnOnce(AppError) -> PageError + '_ {
        move |error| PageError::Failed {
            base: self.base.clone(),
            error,
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
    use super::*;

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

    #[test]
    fn initials_of_names() {
        let user = |name: Option<&str>, username: Option<&str>| User {
            id: 7,
            username: username.map(Into::into),
            email: None,
            name: name.map(Into::into),
            root_role_id: 3,
            is_service: false,
            created_at: chrono::Utc::now(),
            seen_at: None,
            login_attempts: 0,
        };
        assert_eq!(initials(&user(Some("Erin Editor"), None)), "EE");
        assert_eq!(initials(&user(None, Some("erin"))), "ER");
        assert_eq!(initials(&user(None, Some("jane.doe"))), "JD");
        assert_eq!(initials(&user(Some("<script>"), None)), "SC");
        assert_eq!(initials(&user(Some("Erin <b>x</b>"), None)), "EB");
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_hide_it() {
        let a = csrf_token("session-a");
        assert_ne!(a, csrf_token("session-b"));
        assert!(!a.contains("session-a"));
        assert_ne!(a, digest("session-a"));
    }
}
