//! The Admins' token inventory: every personal access token and service-account token with
//! its owner, scope, use and last addresses; and revoking any of them.

use crate::auth::seen::SeenKey;
use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::service_accounts::SERVICE_ACCOUNT_TOKEN_DELETED;
use crate::domain::token_inventory::{InventoryFilter, InventoryToken};
use crate::domain::tokens::LastAddress;
use crate::error::{AppError, AppResult};
use crate::service::tokens::PAT_DELETED;
use crate::state::AppState;
use crate::store::{self, token_addresses::TokenTable};

/// One row of the inventory.
pub struct Entry {
    pub token: InventoryToken,
    pub addresses: Vec<LastAddress>,
}

/// The user an `owner` filter names: a numeric id, a username or an email. `Ok(None)` when
/// nobody matches (the listing is then empty).
async fn resolve_owner(state: &AppState, owner: &str) -> AppResult<Option<i64>> {
    let owner = owner.trim();
    if let Ok(id) = owner.parse::<i64>() {
        return Ok(Some(id));
    }
    let mut db = state.db.clone();
    let lower = owner.to_lowercase();
    Ok(store::users::list(&mut db)
        .await?
        .into_iter()
        .find(|u| {
            u.username.as_deref() == Some(owner) || u.email.as_deref() == Some(lower.as_str())
        })
        .map(|u| u.id))
}

/// Every token that passes the filters, newest first.
pub async fn list(
    state: &AppState,
    owner: Option<&str>,
    filter: &InventoryFilter,
) -> AppResult<Vec<Entry>> {
    let owner_id = match owner.filter(|o| !o.trim().is_empty()) {
        Some(o) => match resolve_owner(state, o).await? {
            Some(id) => Some(id),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let now = state.clock.now();
    let mut db = state.db.clone();
    let tokens: Vec<InventoryToken> = store::pat_inventory::list(&mut db, owner_id)
        .await?
        .into_iter()
        .filter(|t| filter.matches(t, now))
        .collect();
    let ids: Vec<i64> = tokens.iter().map(|t| t.id).collect();
    // One query either way: by id for a short list, else the whole (small) table.
    let narrow = (ids.len() <= 500).then_some(ids.as_slice());
    let mut addresses = store::token_addresses::of_tokens(&mut db, TokenTable::Pat, narrow).await?;
    Ok(tokens
        .into_iter()
        .map(|t| Entry {
            addresses: addresses.remove(&t.id).unwrap_or_default(),
            token: t,
        })
        .collect())
}

/// Revokes any personal access token or service-account token. The owner's audit trail
/// shows who did it: `pat-deleted` (or `service-account-token-deleted`) by the acting
/// Admin, with the owner's id. The token stops working at once on every node (token
/// authentication reads the database).
pub async fn revoke(state: &AppState, auth: &Authorized, id: i64) -> AppResult<InventoryToken> {
    let mut tx = state.db.begin().await?;
    let token = store::pat_inventory::get(&mut tx, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("There is no personal access token with id {id}"))
        })?;
    store::pat_inventory::delete(&mut tx, id).await?;
    let kind = if token.owner_is_service {
        SERVICE_ACCOUNT_TOKEN_DELETED
    } else {
        PAT_DELETED
    };
    let mut data = token.event_data();
    data["revokedByAdmin"] = serde_json::json!(true);
    store::events::insert(
        &mut tx,
        &NewEvent::new(kind).data(data),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    state.seen.forget(SeenKey::Pat(id));
    Ok(token)
}

/// The last addresses of these personal access tokens, by token id.
pub async fn pat_addresses(
    state: &AppState,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<LastAddress>>> {
    let mut db = state.db.clone();
    let narrow = (ids.len() <= 500).then_some(ids);
    Ok(store::token_addresses::of_tokens(&mut db, TokenTable::Pat, narrow).await?)
}

/// The last addresses of these API tokens, by token id.
pub async fn api_token_addresses(
    state: &AppState,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<LastAddress>>> {
    let mut db = state.db.clone();
    let narrow = (ids.len() <= 500).then_some(ids);
    Ok(store::token_addresses::of_tokens(&mut db, TokenTable::ApiToken, narrow).await?)
}

/// A token of the user that an Admin revoked.
pub struct Revocation {
    pub description: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// How far back a user is told about revocations of their tokens.
pub const REVOCATION_NOTICE_DAYS: i64 = 30;

/// The user's tokens that someone else revoked in the last [`REVOCATION_NOTICE_DAYS`],
/// newest first, read from the audit log.
pub async fn revocations_of(state: &AppState, user_id: i64) -> AppResult<Vec<Revocation>> {
    let now = state.clock.now();
    let q = crate::domain::events::EventQuery {
        event_type: Some(PAT_DELETED.to_string()),
        from: Some(now - chrono::TimeDelta::days(REVOCATION_NOTICE_DAYS)),
        limit: 500,
        ..Default::default()
    };
    let (events, _) = crate::service::events::search(state, &q).await?;
    Ok(events
        .into_iter()
        .filter(|e| e.created_by_user_id != Some(user_id))
        .filter_map(|e| {
            let data = e.data.as_ref()?;
            (data["userId"].as_i64() == Some(user_id) && data["revokedByAdmin"] == true).then(
                || Revocation {
                    description: data["description"].as_str().unwrap_or_default().to_string(),
                    by: e.created_by.clone(),
                    at: e.created_at,
                },
            )
        })
        .collect())
}
