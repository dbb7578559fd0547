//! Who is calling: the principal of a request, from its session cookie or its
//! `Authorization` header, and the sessions that log people in.

use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use chrono::TimeDelta;

use crate::auth::principal::{ApiTokenKind, ApiTokenPrincipal, Principal, UserPrincipal, Via};
use crate::auth::principal_cache::CachedPrincipal;
use crate::auth::session;
use crate::auth::throttle;
use crate::auth::token::{classify, digest, random_b64, strip_bearer, Presented, Secret};
use crate::error::{AppError, AppResult};
use crate::service;
use crate::state::AppState;
use crate::store;

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
        if let Some(p) = session_principal(state, &cookie).await? {
            return Ok(Principal::User(p));
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
) -> AppResult<std::sync::Arc<ApiTokenPrincipal>> {
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

// ---------------------------------------------------------------------------- sessions

/// Creates a session for a user and returns the cookie value.
pub async fn start_session(state: &AppState, user_id: i64) -> AppResult<Secret> {
    let value = Secret::new(random_b64(32));
    let now = state.clock.now();
    let expires = now + TimeDelta::hours(state.config.session_ttl_hours as i64);
    let mut db = state.db.clone();
    store::sessions::insert(&mut db, &digest(value.expose()), user_id, now, expires).await?;
    Ok(value)
}

/// The user logged in by the session named by this cookie value, with their permissions;
/// `None` when the session is unknown or expired, or its user is gone. Answered from memory
/// while the auth epoch stands (logging out, or any change to the user or their roles, moves
/// it; see [`crate::auth::principal_cache`]).
pub async fn session_principal(state: &AppState, value: &str) -> AppResult<Option<UserPrincipal>> {
    let now = state.clock.now();
    // The epoch first: a change committed while the principal loads moves it past this.
    let epoch = state.principals.epoch(&state.db).await?;
    let key = state.principals.session_key(value);
    if let Some(hit) = state.principals.get(key, epoch) {
        return Ok((hit.expires_at > now).then(|| hit.principal.as_ref().clone()));
    }
    let mut db = state.db.clone();
    let Some(session) = store::sessions::find_live(&mut db, &digest(value), now).await? else {
        return Ok(None);
    };
    let principal = service::users::principal(state, session.user_id, Via::Session).await?;
    if let Some(p) = &principal {
        state.principals.put(
            key,
            epoch,
            CachedPrincipal {
                principal: std::sync::Arc::new(p.clone()),
                token_id: None,
                expires_at: session.expires_at,
            },
        );
    }
    Ok(principal)
}

/// Ends the session named by this cookie value (logging out).
pub async fn end_session(state: &AppState, value: &str) -> AppResult<()> {
    let mut db = state.db.clone();
    store::sessions::delete(&mut db, &digest(value)).await?;
    Ok(())
}
