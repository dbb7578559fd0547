//! Reading the audit log.

use crate::domain::events::{Event, EventQuery};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;

/// Matching events, newest first, and how many match in all.
pub async fn search(state: &AppState, q: &EventQuery) -> AppResult<(Vec<Event>, i64)> {
    let mut db = state.db.clone();
    let events = store::events::list(&mut db, q).await?;
    let total = store::events::count(&mut db, q).await?;
    Ok((events, total))
}

/// The latest change of each of the `limit` most recently changed flags (not archived),
/// newest first: what the dashboard lists.
pub async fn latest_flag_changes(state: &AppState, limit: u64) -> AppResult<Vec<Event>> {
    let mut db = state.db.clone();
    Ok(store::events::latest_per_flag(&mut db, limit).await?)
}

/// The users who have written events, as Unleash's `eventCreatorsSchema` lists them: id and
/// display name. Deleted users are left out.
pub async fn creators(state: &AppState) -> AppResult<Vec<(i64, String)>> {
    let mut db = state.db.clone();
    let ids = store::events::creator_ids(&mut db).await?;
    let users = store::users::list(&mut db).await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            users
                .iter()
                .find(|u| u.id == id)
                .map(|u| (id, u.display_name()))
        })
        .collect())
}
