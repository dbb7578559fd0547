//! Maintenance mode: an instance-wide switch, kept in the database so every node obeys it,
//! that refuses changes through the Admin API and the web UI while SDKs keep being served.

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;

/// The setting's name, as Unleash names it.
pub const SETTING: &str = "maintenance.mode";

/// Whether maintenance mode is on. Read from the database on each call, so a switch on one
/// node applies to the next write on every node.
pub async fn is_enabled(state: &AppState) -> AppResult<bool> {
    let mut db = state.db.clone();
    let content = store::settings::get(&mut db, SETTING).await?;
    Ok(content
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
        .and_then(|v| v["enabled"].as_bool())
        .unwrap_or(false))
}

/// Turns maintenance mode on or off, with an audit event (`setting-created` the first time,
/// `setting-updated` after, as Unleash records settings).
pub async fn set(state: &AppState, auth: &Authorized, enabled: bool) -> AppResult<()> {
    let now = state.clock.now();
    let content = json!({ "enabled": enabled });
    let mut tx = state.db.begin().await?;
    let existed = store::settings::put(&mut tx, SETTING, &content.to_string()).await?;
    let kind = if existed {
        "setting-updated"
    } else {
        "setting-created"
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(kind).data(json!({ "id": SETTING, "enabled": enabled })),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
