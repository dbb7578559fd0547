//! Revocation of leaked tokens reported by anyone (a secret scanner, a stranger who found a
//! token in a public repository): each reported string that is a stored personal access
//! token or API token is deleted at once, and its owner finds an audit event saying when,
//! and from which address, it was reported.
//!
//! The answer gives counts only, never which strings were tokens.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::auth::seen::SeenKey;
use crate::auth::token::{classify, strip_bearer, verify, Presented};
use crate::domain::events::{Actor, Event, EventQuery, NewEvent};
use crate::error::{AppError, AppResult};
use crate::service::tokens::api_token_event;
use crate::state::AppState;
use crate::store;

pub const PAT_REVOKED_LEAKED: &str = "pat-revoked-leaked";
pub const API_TOKEN_REVOKED_LEAKED: &str = "api-token-revoked-leaked";

/// Most token strings one report may carry.
pub const MAX_REPORTED_TOKENS: usize = 100;

/// What a report achieved: how many strings were received and how many tokens revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct LeakReportOutcome {
    pub received: usize,
    pub revoked: usize,
}

/// The author of leak revocation events: nobody signed in.
fn reporter() -> Actor {
    Actor {
        name: "leaked-token-report".into(),
        user_id: None,
    }
}

/// Revokes each reported string that is a stored token (expired ones too: an API token's
/// expiry can be extended, so a leaked one must not linger). `reported_from` is the
/// reporting client's address, recorded in the audit events.
pub async fn revoke(
    state: &AppState,
    reported: &[String],
    reported_from: &str,
) -> AppResult<LeakReportOutcome> {
    if reported.len() > MAX_REPORTED_TOKENS {
        return Err(AppError::bad_field(
            "tokens",
            format!(
                "A report may hold at most {MAX_REPORTED_TOKENS} tokens ({} given); send the rest in further reports.",
                reported.len()
            ),
        ));
    }
    let unique: HashSet<&str> = reported
        .iter()
        .map(|t| strip_bearer(t))
        .filter(|t| !t.is_empty())
        .collect();
    let now = state.clock.now();
    let actor = reporter();
    let mut tx = state.db.begin().await?;
    let mut pats = Vec::new();
    let mut api_tokens = Vec::new();
    for token in unique {
        match classify(token) {
            Presented::Pat { selector } => {
                let Some(cred) = store::pats::credential(&mut tx, selector).await? else {
                    continue;
                };
                if !verify(token, &cred.verifier) {
                    continue;
                }
                let Some(pat) = store::pats::get_for_user(&mut tx, cred.user_id, cred.id).await?
                else {
                    continue;
                };
                store::pats::delete_for_user(&mut tx, cred.user_id, cred.id).await?;
                let data = with_report(pat.event_data(), Some(cred.user_id), reported_from);
                store::events::insert(
                    &mut tx,
                    &NewEvent::new(PAT_REVOKED_LEAKED).pre_data(data),
                    &actor,
                    now,
                )
                .await?;
                pats.push(cred.id);
            }
            Presented::ApiTokenV2 { .. } | Presented::ApiTokenLegacy => {
                let selector = crate::service::tokens::external_selector(token);
                let Some(cred) = store::api_tokens::credential(&mut tx, &selector).await? else {
                    continue;
                };
                if !verify(token, &cred.verifier) {
                    continue;
                }
                let Some(t) = store::api_tokens::get_by_selector(&mut tx, &selector).await? else {
                    continue;
                };
                let owner = store::api_tokens::created_by(&mut tx, t.id).await?;
                store::api_tokens::delete(&mut tx, t.id).await?;
                let data = with_report(api_token_event(&t), owner, reported_from);
                store::events::insert(
                    &mut tx,
                    &NewEvent::new(API_TOKEN_REVOKED_LEAKED).pre_data(data),
                    &actor,
                    now,
                )
                .await?;
                api_tokens.push(t.id);
            }
            Presented::MalformedPat | Presented::Unknown => {}
        }
    }
    tx.commit().await?;
    for id in &pats {
        state.seen.forget(SeenKey::Pat(*id));
    }
    for id in &api_tokens {
        state.seen.forget(SeenKey::ApiToken(*id));
    }
    if !api_tokens.is_empty() {
        state.api_tokens.clear();
    }
    Ok(LeakReportOutcome {
        received: reported.len(),
        revoked: pats.len() + api_tokens.len(),
    })
}

/// A revoked token's event data with its owner and the reporting address (never the secret).
fn with_report(mut data: Value, owner: Option<i64>, reported_from: &str) -> Value {
    if let Value::Object(map) = &mut data {
        map.insert("ownerUserId".into(), json!(owner));
        map.insert("reportedFrom".into(), json!(reported_from));
        map.insert("reason".into(), json!("reported as leaked"));
    }
    data
}

/// Leak revocation events about the user's own tokens, newest first.
pub async fn events_for_owner(state: &AppState, user_id: i64) -> AppResult<Vec<Event>> {
    let mut db = state.db.clone();
    let mut found = Vec::new();
    for kind in [PAT_REVOKED_LEAKED, API_TOKEN_REVOKED_LEAKED] {
        let q = EventQuery {
            event_type: Some(kind.to_string()),
            limit: 1000,
            ..Default::default()
        };
        found.extend(
            store::events::list(&mut db, &q)
                .await?
                .into_iter()
                .filter(|e| {
                    e.pre_data.as_ref().and_then(|d| d["ownerUserId"].as_i64()) == Some(user_id)
                }),
        );
    }
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Ok(found)
}
