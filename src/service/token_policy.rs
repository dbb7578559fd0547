//! The token lifetime policy (`PAT_MAX_LIFETIME_DAYS` and the Admin's setting), Unleash's PAT
//! kill switch, and the automatic revocation of unused personal access tokens.

use chrono::TimeDelta;
use serde_json::{json, Value};

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::tokens::TokenPolicyRequest;
use crate::domain::tokens::{effective_pat_limit, TokenPolicy};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;

pub const TOKEN_POLICY_UPDATED: &str = "token-policy-updated";

/// The settings row that holds the policy.
const SETTING: &str = "token-policy";

/// 404 while `UNLEASH_PAT_KILL_SWITCH` is on, as Unleash answers on its PAT routes.
pub fn ensure_pats_enabled(state: &AppState) -> AppResult<()> {
    if state.config.pat_kill_switch {
        return Err(AppError::not_found("PATs are disabled."));
    }
    Ok(())
}

/// The policy an Admin stored (unset fields when none was).
pub async fn policy(state: &AppState) -> AppResult<TokenPolicy> {
    let mut db = state.db.clone();
    Ok(store::settings::get(&mut db, SETTING)
        .await?
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .map(|v| TokenPolicy::from_stored(&v))
        .unwrap_or_default())
}

/// The longest lifetime of a new personal access token in force, in days, if any.
pub async fn pat_lifetime_limit(state: &AppState) -> AppResult<Option<u32>> {
    let stored = policy(state).await?;
    Ok(effective_pat_limit(
        state.config.pat_max_lifetime_days,
        &stored,
    ))
}

/// Replaces the policy from a `{patMaxLifetimeDays, revokeUnusedAfterDays}` body (Admin
/// only; the caller checked). Writes `token-policy-updated`.
pub async fn set_policy(
    state: &AppState,
    auth: &Authorized,
    body: &TokenPolicyRequest,
) -> AppResult<TokenPolicy> {
    let new = TokenPolicy::validate(body, state.config.pat_max_lifetime_days)?;
    let before = policy(state).await?;
    let mut tx = state.db.begin().await?;
    store::settings::put(&mut tx, SETTING, &new.to_json().to_string()).await?;
    let ev = NewEvent::new(TOKEN_POLICY_UPDATED)
        .pre_data(before.to_json())
        .data(new.to_json());
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(new)
}

/// Deletes personal access tokens unused for the policy's number of days (never used ones
/// count from their creation), each with a `pat-deleted` event whose reason is "unused".
/// Safe on several nodes at once: each deletion is conditional, and only the node whose
/// deletion took effect writes the event. Returns how many were deleted here.
pub async fn revoke_unused_pats(state: &AppState) -> AppResult<usize> {
    let Some(days) = policy(state).await?.revoke_unused_after_days else {
        return Ok(0);
    };
    // Uses seen on this node but not yet written must count.
    crate::service::tokens::flush_seen(state).await?;
    let now = state.clock.now();
    let cutoff = now - TimeDelta::days(i64::from(days));
    let mut db = state.db.clone();
    let candidates = store::pats::unused_since(&mut db, cutoff).await?;
    let system = Authorized::system();
    let mut deleted = 0;
    for pat in candidates {
        let mut tx = state.db.begin().await?;
        if store::pats::delete_if_unused(&mut tx, pat.id, cutoff).await? == 0 {
            continue;
        }
        let mut data = pat.event_data();
        data["reason"] = json!("unused");
        data["unusedForDays"] = json!(days);
        data["userId"] = json!(pat.user_id);
        let ev = NewEvent::new(crate::service::tokens::PAT_DELETED).data(data);
        store::events::insert(&mut tx, &ev, system.actor(), now).await?;
        tx.commit().await?;
        state.seen.forget(crate::auth::seen::SeenKey::Pat(pat.id));
        deleted += 1;
    }
    if deleted > 0 {
        tracing::info!(deleted, days, "deleted unused personal access tokens");
    }
    Ok(deleted)
}
