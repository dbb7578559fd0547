//! Segments: list, read, create, update, delete, name validation and usage.
//!
//! SDKs receive segments with the flags that use them, so every change bumps the state
//! revision in the same transaction.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::auth::Authorized;
use crate::domain::constraints::validate_constraints;
use crate::domain::events::NewEvent;
use crate::domain::segments::{self as rules, Segment, SegmentUsage};
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::{self, segments::SegmentData, Conn};

fn not_found(id: i64) -> AppError {
    AppError::not_found(format!("Could not find segment with id {id}"))
}

fn name_taken() -> AppError {
    AppError::NameExists("Segment name already exists".into())
}

/// A create or update request (`upsertSegmentSchema`). Constraints stay raw JSON until
/// [`validate_constraints`] has named any bad field.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub project: Option<String>,
    pub constraints: Option<Value>,
}

/// How many flags and projects use a segment.
pub type UsageCounts = (i64, i64);

pub async fn list(state: &AppState) -> AppResult<Vec<(Segment, UsageCounts)>> {
    let mut db = state.db.clone();
    let segments = store::segments::list(&mut db).await?;
    let counts = store::segments::usage_counts(&mut db).await?;
    Ok(segments
        .into_iter()
        .map(|s| {
            let c = counts.get(&s.id).copied().unwrap_or((0, 0));
            (s, c)
        })
        .collect())
}

pub async fn get(state: &AppState, id: i64) -> AppResult<(Segment, UsageCounts)> {
    let mut db = state.db.clone();
    let segment = store::segments::get(&mut db, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let c = store::segments::usage_counts(&mut db)
        .await?
        .get(&id)
        .copied()
        .unwrap_or((0, 0));
    Ok((segment, c))
}

/// The flag strategies that use segment `id` (empty for an unknown id, as in Unleash).
pub async fn strategies_using(state: &AppState, id: i64) -> AppResult<Vec<SegmentUsage>> {
    let mut db = state.db.clone();
    Ok(store::segments::strategies_using(&mut db, id).await?)
}

fn check_name(name: Option<&str>) -> AppResult<String> {
    let name = name.unwrap_or("").trim();
    if name.is_empty() {
        return Err(AppError::bad_field(
            "/body/name",
            "Segment name cannot be empty",
        ));
    }
    if name.chars().count() > 255 {
        return Err(AppError::bad_field(
            "/body/name",
            "The `/body/name` property must be at most 255 characters long.",
        ));
    }
    Ok(name.to_string())
}

/// Checks that `name` is a valid, free segment name.
/// The segments a strategy uses, by strategy id; none when there is no such strategy.
pub async fn of_strategy(state: &AppState, strategy_id: &str) -> AppResult<Vec<Segment>> {
    let mut db = state.db.clone();
    let Some(strategy) = store::features::strategy(&mut db, strategy_id).await? else {
        return Ok(Vec::new());
    };
    Ok(store::segments::get_many(&mut db, &strategy.segments).await?)
}

pub async fn validate_name(state: &AppState, name: Option<&str>) -> AppResult<()> {
    let name = check_name(name)?;
    let mut db = state.db.clone();
    if store::segments::name_exists(&mut db, &name).await? {
        return Err(name_taken());
    }
    Ok(())
}

async fn checked(c: &mut impl Conn, input: SegmentInput) -> AppResult<SegmentData> {
    let name = check_name(input.name.as_deref())?;
    let Some(raw) = input.constraints else {
        return Err(AppError::bad_field(
            "/body/constraints",
            "The `/body/constraints` property is required (use [] for none).",
        ));
    };
    let constraints = validate_constraints(&raw, "/body/constraints")?;
    if rules::values_count(&constraints) > rules::SEGMENT_VALUES_LIMIT {
        return Err(AppError::bad_data(format!(
            "Segments may not have more than {} values",
            rules::SEGMENT_VALUES_LIMIT
        )));
    }
    let project = match input.project.filter(|p| !p.is_empty()) {
        Some(p) if !store::context::project_exists(c, &p).await? => {
            return Err(AppError::bad_field(
                "/body/project",
                format!(
                    "The `/body/project` property must name an existing project. You sent \"{p}\"."
                ),
            ));
        }
        other => other,
    };
    Ok(SegmentData {
        name,
        description: input.description,
        project,
        constraints,
    })
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: SegmentInput,
) -> AppResult<Segment> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let data = checked(&mut tx, input).await?;
    let id = store::segments::insert(&mut tx, &data, &auth.actor().name, now)
        .await
        .on_unique_violation(name_taken)?;
    let segment = store::segments::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let mut ev = NewEvent::new(rules::SEGMENT_CREATED).data(segment.to_admin_json());
    if let Some(p) = &segment.project {
        ev = ev.project(p.clone());
    }
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    super::commit_flag_change(tx, state).await?;
    Ok(segment)
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    input: SegmentInput,
) -> AppResult<Segment> {
    let mut tx = state.db.begin().await?;
    let before = store::segments::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let data = checked(&mut tx, input).await?;
    if let Some(project) = &data.project {
        let used_in: BTreeSet<String> = store::segments::strategies_using(&mut tx, id)
            .await?
            .into_iter()
            .map(|u| u.project_id)
            .collect();
        if used_in.iter().any(|p| p != project) {
            return Err(AppError::bad_data(format!(
                "Invalid project. Segment is being used by strategies in other projects: {}",
                used_in.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    store::segments::update(&mut tx, id, &data)
        .await
        .on_unique_violation(name_taken)?;
    let after = store::segments::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let mut ev = NewEvent::new(rules::SEGMENT_UPDATED)
        .pre_data(before.to_admin_json())
        .data(after.to_admin_json());
    if let Some(p) = after.project.as_ref().or(before.project.as_ref()) {
        ev = ev.project(p.clone());
    }
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    super::commit_flag_change(tx, state).await?;
    Ok(after)
}

/// What happened to a delete request.
#[derive(Debug)]
pub enum Deleted {
    Yes,
    /// Still used by these many flag strategies; nothing was deleted.
    InUse(usize),
}

pub async fn delete(state: &AppState, auth: &Authorized, id: i64) -> AppResult<Deleted> {
    let mut tx = state.db.begin().await?;
    let before = store::segments::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let used = store::segments::strategies_using(&mut tx, id).await?.len();
    if used > 0 {
        return Ok(Deleted::InUse(used));
    }
    // A strategy attached after the check above (PostgreSQL) trips the foreign key.
    if let Err(e) = store::segments::delete(&mut tx, id).await {
        return match e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Ok(Deleted::InUse(1)),
            other => Err(other.into()),
        };
    }
    let mut ev = NewEvent::new(rules::SEGMENT_DELETED).pre_data(before.to_admin_json());
    if let Some(p) = &before.project {
        ev = ev.project(p.clone());
    }
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    super::commit_flag_change(tx, state).await?;
    Ok(Deleted::Yes)
}
