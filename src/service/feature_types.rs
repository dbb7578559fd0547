//! Flag types and their expected lifetimes. The types are fixed (Unleash's five); an Admin
//! may change a type's lifetime, kept as a setting so every node sees it.

use std::collections::BTreeMap;

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::features::FEATURE_TYPES;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;

const SETTING: &str = "feature-type-lifetimes";
pub const FEATURE_TYPE_UPDATED: &str = "feature-type-updated";

/// One flag type as `featureTypeSchema` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureType {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Days after which a flag of this type is potentially stale; `None`: never.
    pub lifetime_days: Option<i64>,
}

async fn overrides(c: &mut impl store::Conn) -> AppResult<BTreeMap<String, Option<i64>>> {
    Ok(store::settings::get(c, SETTING)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

fn merged(overrides: &BTreeMap<String, Option<i64>>) -> Vec<FeatureType> {
    FEATURE_TYPES
        .iter()
        .map(|(id, name, description, days)| FeatureType {
            id,
            name,
            description,
            lifetime_days: overrides.get(*id).copied().unwrap_or(*days),
        })
        .collect()
}

/// Every flag type with its current lifetime.
pub async fn list(state: &AppState) -> AppResult<Vec<FeatureType>> {
    let mut db = state.db.clone();
    Ok(merged(&overrides(&mut db).await?))
}

/// Sets a type's lifetime in days; `None` or 0 means flags of that type never go stale.
pub async fn set_lifetime(
    state: &AppState,
    auth: &Authorized,
    id: &str,
    days: Option<i64>,
) -> AppResult<FeatureType> {
    if !FEATURE_TYPES.iter().any(|(t, ..)| *t == id) {
        let ids: Vec<&str> = FEATURE_TYPES.iter().map(|(t, ..)| *t).collect();
        return Err(AppError::not_found(format!(
            "Could not find a flag type with the id \"{id}\". The types are: {}.",
            ids.join(", ")
        )));
    }
    let days = match days {
        Some(d) if d < 0 => {
            return Err(AppError::bad_field(
                "/body/lifetimeDays",
                "lifetimeDays must be a whole number of days from 0 (never stale) up, or null.",
            ))
        }
        Some(0) | None => None,
        Some(d) => Some(d),
    };
    let mut tx = state.db.begin().await?;
    let mut map = overrides(&mut tx).await?;
    let before = merged(&map).into_iter().find(|t| t.id == id);
    map.insert(id.to_string(), days);
    let content = serde_json::to_string(&map).map_err(AppError::internal)?;
    store::settings::put(&mut tx, SETTING, &content).await?;
    let after = merged(&map)
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("flag type {id} vanished")))?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(FEATURE_TYPE_UPDATED)
            .data(json!(after))
            .pre_data(json!(before)),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
