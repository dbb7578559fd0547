//! Rotating personal access tokens and API tokens with a grace period: the new token is
//! minted with the old one's description (or name) and scope, and the old one keeps working
//! until the grace ends, then is refused like an expired token. A token rotates once; its
//! successor may rotate in turn.

use serde_json::json;

use crate::auth::token::{digest, new_v2_tail, Secret};
use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::tokens::{
    check_pat_lifetime, grace_end, latest_pat_expiry, same_lifetime, validate_rotation, ApiToken,
    Pat, RotateRequest,
};
use crate::domain::users::iso;
use crate::error::{AppError, AppResult};
use crate::service::{token_policy, tokens};
use crate::state::AppState;
use crate::store;

pub const PAT_ROTATED: &str = "pat-rotated";
pub const API_TOKEN_ROTATED: &str = "api-token-rotated";

fn already_rotated(at: chrono::DateTime<chrono::Utc>) -> AppError {
    AppError::bad_data(format!(
        "This token was already rotated (at {}); rotate its replacement instead.",
        iso(at)
    ))
}

fn expired() -> AppError {
    AppError::bad_data("This token has expired and cannot be rotated; create a new one instead.")
}

/// Rotates one of the acting user's personal access tokens from a `{graceDays, expiresAt?}`
/// body. Returns the new token and its secret (shown once). 404 for a token that is not the
/// caller's.
pub async fn rotate_pat(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    body: &RotateRequest,
) -> AppResult<(Pat, Secret)> {
    token_policy::ensure_pats_enabled(state)?;
    let user_id = auth
        .user_id()
        .ok_or_else(|| AppError::Forbidden("PATs require an authenticated user.".into()))?;
    let now = state.clock.now();
    let rotation = validate_rotation(body, now)?;
    let limit = token_policy::pat_lifetime_limit(state).await?;
    if let Some(t) = rotation.expires_at {
        check_pat_lifetime(limit, t, now)?;
    }

    let mut tx = state.db.begin().await?;
    let old = store::pats::get_for_user(&mut tx, user_id, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("You have no personal access token with id {id}."))
        })?;
    if let Some(at) = old.rotated_at {
        return Err(already_rotated(at));
    }
    if old.expires_at <= now {
        return Err(expired());
    }
    // By default the new token lives as long as the old one did, within the policy.
    let expires_at = rotation.expires_at.unwrap_or_else(|| {
        let same = same_lifetime(old.created_at, old.expires_at, now);
        limit.map_or(same, |days| same.min(latest_pat_expiry(days, now)))
    });
    let ends = grace_end(Some(old.expires_at), rotation.grace, now);
    if store::pats::mark_rotated(&mut tx, user_id, id, ends, now).await? == 0 {
        return Err(AppError::bad_data(
            "This token was rotated by another request meanwhile; rotate its replacement instead.",
        ));
    }
    let (tail, selector) = new_v2_tail();
    let secret = Secret::new(format!("user:{tail}"));
    let new_id = store::pats::insert_successor(
        &mut tx,
        &old,
        &selector,
        &digest(secret.expose()),
        expires_at,
        Some(user_id),
        now,
    )
    .await?;
    let new = Pat {
        id: new_id,
        user_id,
        description: old.description.clone(),
        selector,
        expires_at,
        created_at: now,
        seen_at: None,
        rotated_at: None,
        scope: old.scope.clone(),
    };
    let mut data = new.event_data();
    data["rotatedFromId"] = json!(old.id);
    data["rotatedFromSelector"] = json!(old.selector);
    data["graceEndsAt"] = json!(iso(ends));
    store::events::insert(
        &mut tx,
        &NewEvent::new(PAT_ROTATED)
            .pre_data(old.event_data())
            .data(data),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((new, secret))
}

/// Rotates an API token from a `{graceDays, expiresAt?}` body: the new token has the same
/// name, type, projects and environment. The caller checked the permission to create tokens
/// of this kind. The token cache of this node forgets at once; other nodes see the new
/// expiry within the cache's lifetime.
pub async fn rotate_api_token(
    state: &AppState,
    auth: &Authorized,
    old: &ApiToken,
    body: &RotateRequest,
) -> AppResult<(ApiToken, Secret)> {
    let now = state.clock.now();
    let rotation = validate_rotation(body, now)?;
    if let Some(at) = old.rotated_at {
        return Err(already_rotated(at));
    }
    if old.expires_at.is_some_and(|e| e <= now) {
        return Err(expired());
    }
    let expires_at = rotation.expires_at.or_else(|| {
        old.expires_at
            .map(|e| same_lifetime(old.created_at, e, now))
    });
    let ends = grace_end(old.expires_at, rotation.grace, now);
    let project_part = crate::domain::tokens::project_part(&old.projects);
    let (tail, selector) = new_v2_tail();
    let secret = Secret::new(format!("{project_part}:{}.{tail}", old.environment));

    let mut tx = state.db.begin().await?;
    if store::api_tokens::mark_rotated(&mut tx, old.id, ends, now).await? == 0 {
        return Err(AppError::bad_data(
            "This token was already rotated; rotate its replacement instead.",
        ));
    }
    let row = store::api_tokens::NewRow {
        selector: &selector,
        verifier: &digest(secret.expose()),
        secure: true,
        token_name: &old.token_name,
        kind: old.kind,
        environment: &old.environment,
        projects: &old.projects,
        project_part: &project_part,
        expires_at,
        created_by_user_id: auth.user_id(),
        sealed_secret: state
            .token_sealer
            .as_ref()
            .map(|s| s.seal(secret.expose(), &selector)),
    };
    let id = store::api_tokens::insert(&mut tx, &row, now).await?;
    store::api_tokens::set_rotated_from(&mut tx, id, old.id).await?;
    let new = ApiToken {
        id,
        selector,
        secure: true,
        token_name: old.token_name.clone(),
        kind: old.kind,
        environment: old.environment.clone(),
        projects: old.projects.clone(),
        expires_at,
        created_at: now,
        seen_at: None,
        rotated_at: None,
    };
    let mut data = tokens::api_token_event(&new);
    data["rotatedFromSelector"] = json!(old.selector);
    data["graceEndsAt"] = json!(iso(ends));
    store::events::insert(
        &mut tx,
        &NewEvent::new(API_TOKEN_ROTATED)
            .pre_data(tokens::api_token_event(old))
            .data(data),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.api_tokens.clear();
    Ok((new, secret))
}
