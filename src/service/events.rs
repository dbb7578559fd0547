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
