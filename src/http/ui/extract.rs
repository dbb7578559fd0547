//! The extractors of UI handlers: [`PageUser`], the signed-in user a page is shown to
//! (or a redirect to the sign-in page), and [`CsrfForm`], a posted form whose CSRF token
//! has been checked (and which is refused during maintenance mode).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

use super::cookies::{constant_time_eq, csrf_token, read_cookie, FLASH_COOKIE};
use super::layout::{error_page, message_page, Ctx, PageError};
use crate::auth::{session, Principal, UserPrincipal};
use crate::domain::permissions::ADMIN;
use crate::domain::users::User;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

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

impl PageUser {
    /// Turns a service error into the error page, for `.map_err(page.fail())?`.
    pub fn fail(&self) -> impl FnOnce(AppError) -> PageError + '_ {
        move |error| PageError::Failed {
            base: self.base.clone(),
            error,
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

#[cfg(test)]
mod tests {
    use super::{initials, User};

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
}
