//! Expiry notices: `pat-expiring` and `api-token-expiring` events at each lead time of
//! `TOKEN_EXPIRY_NOTIFICATION_DAYS` before a token expires, once per token and lead time
//! whatever the number of nodes (a row keyed by token and lead time decides who emits).
//! The events carry what identifies a token, never its secret; addons deliver them.

use chrono::TimeDelta;
use serde_json::json;

use crate::domain::addons::{API_TOKEN_EXPIRING, PAT_EXPIRING};
use crate::domain::events::{Actor, NewEvent};
use crate::domain::token_expiry::{due_lead, horizon_days};
use crate::domain::users::iso;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;

/// How many notices one run emitted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoticeRun {
    pub pats: usize,
    pub api_tokens: usize,
}

/// Emits the expiry notices that are due now and have not been emitted by any node.
pub async fn emit_notices(state: &AppState) -> AppResult<NoticeRun> {
    let leads = &state.config.token_expiry_notification_days;
    let mut run = NoticeRun::default();
    if leads.is_empty() {
        return Ok(run);
    }
    let now = state.clock.now();
    // Calendar days: a token expiring late on the last day of the horizon counts too.
    let until = now + TimeDelta::days(i64::from(horizon_days(leads)) + 1);
    let mut db = state.db.clone();
    let actor = Actor::system();

    for pat in store::token_expiry::pats_due(&mut db, now, until).await? {
        let Some((lead, days_left)) = due_lead(pat.created_at, pat.expires_at, now, leads) else {
            continue;
        };
        let lead = i64::from(lead);
        let mut tx = state.db.begin().await?;
        if !store::token_expiry::claim(&mut tx, "pat", pat.id, lead, now).await? {
            continue;
        }
        let data = json!({
            "id": pat.id,
            "description": pat.description,
            "userId": pat.user_id,
            "username": pat.username.clone().or(pat.email.clone()),
            "expiresAt": iso(pat.expires_at),
            "daysLeft": days_left,
            "leadDays": lead,
        });
        let event_id = store::events::insert(
            &mut tx,
            &NewEvent::new(PAT_EXPIRING).data(data),
            &actor,
            now,
        )
        .await?;
        store::token_expiry::set_event(&mut tx, "pat", pat.id, lead, event_id).await?;
        tx.commit().await?;
        run.pats += 1;
    }

    for token in store::token_expiry::api_tokens_due(&mut db, now, until).await? {
        let Some((lead, days_left)) = due_lead(token.created_at, token.expires_at, now, leads)
        else {
            continue;
        };
        let lead = i64::from(lead);
        let mut tx = state.db.begin().await?;
        if !store::token_expiry::claim(&mut tx, "api-token", token.id, lead, now).await? {
            continue;
        }
        let projects = if token.projects.is_empty() {
            vec!["*".to_string()]
        } else {
            token.projects.clone()
        };
        let data = json!({
            "id": token.id,
            "tokenName": token.token_name,
            "type": token.kind,
            "environment": token.environment,
            "projects": projects,
            "expiresAt": iso(token.expires_at),
            "daysLeft": days_left,
            "leadDays": lead,
        });
        let mut ev = NewEvent::new(API_TOKEN_EXPIRING).data(data);
        if token.environment != "*" {
            ev = ev.environment(token.environment.clone());
        }
        if let [only] = token.projects.as_slice() {
            ev = ev.project(only.clone());
        }
        let event_id = store::events::insert(&mut tx, &ev, &actor, now).await?;
        store::token_expiry::set_event(&mut tx, "api-token", token.id, lead, event_id).await?;
        tx.commit().await?;
        run.api_tokens += 1;
    }
    Ok(run)
}
