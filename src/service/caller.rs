//! Resolving the principal of a request from its session cookie or `Authorization` header.

use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use super::principal::{ApiTokenKind, Principal, Via};
use super::session;
use super::throttle;
use super::token::{classify, strip_bearer, Presented};
use crate::error::{AppError, AppResult};
use crate::service;
use crate::state::AppState;

/// The raw token of the `Authorization` header, without any `Bearer ` scheme.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| strip_bearer(v).to_string())
}

const INVALID: &str = "You must log in to use Unleash.";

/// The caller of an Admin API route. A valid session wins over any token (as in Unleash);
/// then a personal access token or an admin API token; client and frontend tokens are
/// refused with 403; anything else is 401.
pub async fn admin_principal(state: &AppState, parts: &Parts) -> AppResult<Principal> {
    if let Some(cookie) = session::from_headers(&parts.headers) {
        if let Some(user_id) = session::user_of(state, &cookie).await? {
            if let Some(p) = service::users::principal(state, user_id, Via::Session).await? {
                return Ok(Principal::User(p));
            }
        }
    }
    let Some(token) = bearer(&parts.headers) else {
        return Err(AppError::AuthenticationRequired);
    };
    let principal = match classify(&token) {
        Presented::Pat { .. } => match service::tokens::authenticate_pat(state, &token).await? {
            Some(p) => Ok(Principal::User(p)),
            None => Err(AppError::Unauthorized(INVALID.into())),
        },
        Presented::ApiTokenV2 { .. } | Presented::ApiTokenLegacy => {
            match service::tokens::authenticate_api_token(state, &token).await? {
                Some(t) if t.kind == ApiTokenKind::Admin => Ok(Principal::ApiToken(t)),
                Some(_) => {
                    // A real token, of another kind: not a failed authentication.
                    throttle::note_verified();
                    return Err(AppError::WrongTokenType);
                }
                None => Err(AppError::Unauthorized(INVALID.into())),
            }
        }
        Presented::MalformedPat | Presented::Unknown => Err(AppError::Unauthorized(INVALID.into())),
    };
    note(principal.is_ok());
    principal
}

/// Tells the failed-authentication throttle what became of the presented token.
fn note(verified: bool) {
    if verified {
        throttle::note_verified()
    } else {
        throttle::note_failed()
    }
}

/// The API token of a client or frontend API request. Missing or unknown → 401; a personal
/// access token, an admin token or a token of the other kind → 403, as Unleash answers.
pub async fn sdk_principal(
    state: &AppState,
    headers: &HeaderMap,
    wanted: ApiTokenKind,
) -> AppResult<std::sync::Arc<super::ApiTokenPrincipal>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(strip_bearer)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::ApiTokenRequired)?;
    // The common case first: a token verified moments ago.
    if let Some(t) = service::tokens::cached_api_token(state, token) {
        if t.kind == wanted {
            throttle::note_verified();
            return Ok(t);
        }
    }
    let found = match classify(token) {
        Presented::Pat { .. } | Presented::MalformedPat => None,
        Presented::ApiTokenV2 { .. } | Presented::ApiTokenLegacy => {
            service::tokens::authenticate_api_token_cached(state, token).await?
        }
        Presented::Unknown => None,
    };
    note(found.is_some());
    match found {
        Some(t) if t.kind == wanted => Ok(t),
        Some(_) => Err(AppError::WrongTokenType),
        None if token.starts_with("*:*") || token.starts_with("user:") => {
            Err(AppError::WrongTokenType)
        }
        None => Err(AppError::ApiTokenRequired),
    }
}
