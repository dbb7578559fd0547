//! Password reset links: an admin (or the Unleash import) mints a single-use link for a user,
//! who sets a new password through it without knowing the old one. No email is sent; the
//! admin hands the link over.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::auth::{password, Authorized};
use crate::domain::events::{self, Actor, NewEvent};
use crate::domain::users::{validate_password, User};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{self, Conn};

/// How long a reset link works, as Unleash: one day.
pub const RESET_TOKEN_TTL_HOURS: i64 = 24;

pub const USER_PASSWORD_RESET_LINK: &str = "user-password-reset-link-created";

fn invalid_token() -> AppError {
    AppError::Unauthorized(
        "This password reset link is invalid, already used or expired. Ask an admin for a new one."
            .into(),
    )
}

/// The page a reset token opens.
pub fn reset_url(state: &AppState, token: &str) -> String {
    format!("{}/reset-password?token={token}", state.config.public_url())
}

/// Creates a reset token for `user_id` inside the caller's transaction and returns the
/// token itself (only its digest is stored).
pub async fn mint(
    c: &mut impl Conn,
    user_id: i64,
    created_by: &Actor,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let token = crate::auth::token::random_b64(32);
    let hash = crate::auth::token::digest(&token);
    let expires = now + TimeDelta::hours(RESET_TOKEN_TTL_HOURS);
    store::reset_tokens::insert(c, &hash, user_id, &created_by.name, now, expires).await?;
    let ev = NewEvent::new(USER_PASSWORD_RESET_LINK)
        .data(json!({"id": user_id, "expiresAt": expires.to_rfc3339()}));
    store::events::insert(c, &ev, created_by, now).await?;
    Ok(token)
}

/// Finds a user by id, email or username, as the reset route's `id` may name them.
async fn find_user(c: &mut impl Conn, ident: &str) -> AppResult<Option<User>> {
    let ident = ident.trim();
    if let Ok(id) = ident.parse::<i64>() {
        if let Some(u) = store::users::get(c, id).await? {
            return Ok(Some(u));
        }
    }
    Ok(store::users::find_for_login(c, ident)
        .await?
        .map(|(u, _)| u))
}

/// Mints a reset link for the user named by `ident` (id, email or username).
pub async fn create_link(state: &AppState, auth: &Authorized, ident: &str) -> AppResult<String> {
    let mut tx = state.db.begin().await?;
    let user = find_user(&mut tx, ident)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Could not find a user {}", ident.trim())))?;
    if user.is_service {
        return Err(AppError::bad_data(
            "Service accounts have no password; use their tokens instead",
        ));
    }
    let token = mint(&mut tx, user.id, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(reset_url(state, &token))
}

/// The user a valid token belongs to, with who created the token.
pub async fn validate(state: &AppState, token: &str) -> AppResult<(User, Option<String>)> {
    let mut db = state.db.clone();
    let hash = crate::auth::token::digest(token.trim());
    let found = store::reset_tokens::find_valid(&mut db, &hash, state.clock.now())
        .await?
        .ok_or_else(invalid_token)?;
    let user = store::users::get(&mut db, found.user_id)
        .await?
        .ok_or_else(invalid_token)?;
    Ok((user, found.created_by))
}

/// Sets a new password through a reset token. The token then stops working, as do the
/// user's other open reset links; existing sessions end.
pub async fn reset(state: &AppState, token: &str, new_password: String) -> AppResult<()> {
    // Check the token first, so a bad link is reported before a weak password.
    let (user, _) = validate(state, token).await?;
    validate_password(&new_password)?;
    let hash = password::hash(new_password).await?;
    let token_hash = crate::auth::token::digest(token.trim());
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::reset_tokens::use_token(&mut tx, &token_hash, now).await? {
        return Err(invalid_token());
    }
    store::reset_tokens::expire_for_user(&mut tx, user.id, now).await?;
    store::users::set_password(&mut tx, user.id, &hash).await?;
    store::sessions::delete_for_user(&mut tx, user.id).await?;
    let actor = Actor {
        name: user.display_name(),
        user_id: Some(user.id),
    };
    let ev = NewEvent::new(events::USER_PASSWORD_CHANGED)
        .data(json!({"id": user.id, "via": "reset-link"}));
    store::events::insert(&mut tx, &ev, &actor, now).await?;
    tx.commit().await?;
    Ok(())
}
