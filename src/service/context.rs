//! Context fields: list, read, create, update, delete, name validation and legal values.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::constraints::Constraint;
use crate::domain::context::{
    self as rules, ContextField, ContextFieldInput, LegalValueInput, Usage,
};
use crate::domain::events::NewEvent;
use crate::domain::segments::SegmentUsage;
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::{self, context::StrategyConstraints, Conn};

fn not_found(name: &str) -> AppError {
    AppError::not_found(format!("Could not find context field with name {name}"))
}

fn name_taken() -> AppError {
    AppError::NameExists("A context field with that name already exist".into())
}

fn uses(row: &StrategyConstraints, field: &str) -> bool {
    serde_json::from_str::<Vec<Constraint>>(&row.constraints)
        .map(|cs| cs.iter().any(|c| c.context_name == field))
        .unwrap_or(false)
}

/// Per field name: in how many flags and projects its constraints use it.
async fn usage(c: &mut impl Conn) -> AppResult<HashMap<String, Usage>> {
    let mut seen: HashMap<String, (HashSet<String>, HashSet<String>)> = HashMap::new();
    for row in store::context::constrained_strategies(c).await? {
        let Ok(cs) = serde_json::from_str::<Vec<Constraint>>(&row.constraints) else {
            continue;
        };
        for con in cs {
            let entry = seen.entry(con.context_name).or_default();
            entry.0.insert(row.feature_name.clone());
            entry.1.insert(row.project_name.clone());
        }
    }
    Ok(seen
        .into_iter()
        .map(|(k, (f, p))| {
            (
                k,
                Usage {
                    features: f.len() as i64,
                    projects: p.len() as i64,
                },
            )
        })
        .collect())
}

pub async fn list(state: &AppState) -> AppResult<Vec<(ContextField, Usage)>> {
    let mut db = state.db.clone();
    let fields = store::context::list(&mut db).await?;
    let counts = usage(&mut db).await?;
    Ok(fields
        .into_iter()
        .map(|f| {
            let u = counts.get(&f.name).copied().unwrap_or_default();
            (f, u)
        })
        .collect())
}

pub async fn get(state: &AppState, name: &str) -> AppResult<(ContextField, Usage)> {
    let mut db = state.db.clone();
    let field = store::context::get(&mut db, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let u = usage(&mut db).await?.get(name).copied().unwrap_or_default();
    Ok((field, u))
}

/// The feature strategies whose constraints use field `name`.
pub async fn strategies_using(state: &AppState, name: &str) -> AppResult<Vec<SegmentUsage>> {
    let mut db = state.db.clone();
    store::context::get(&mut db, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    Ok(store::context::constrained_strategies(&mut db)
        .await?
        .into_iter()
        .filter(|r| uses(r, name))
        .map(|r| SegmentUsage {
            id: r.id,
            feature_name: r.feature_name,
            project_id: r.project_name,
            environment: r.environment,
            strategy_name: r.strategy_name,
        })
        .collect())
}

async fn check_project(c: &mut impl Conn, project: Option<String>) -> AppResult<Option<String>> {
    match project.filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) if store::context::project_exists(c, &p).await? => Ok(Some(p)),
        Some(p) => Err(AppError::bad_field(
            "/body/project",
            format!(
                "The `/body/project` property must name an existing project. You sent \"{p}\"."
            ),
        )),
    }
}

/// Checks that `name` is a valid, free context field name.
pub async fn validate_name(state: &AppState, name: Option<&str>) -> AppResult<()> {
    let name = rules::validate_name(name, "/body/name")?;
    let mut db = state.db.clone();
    if store::context::get(&mut db, &name).await?.is_some() {
        return Err(name_taken());
    }
    Ok(())
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: ContextFieldInput,
) -> AppResult<ContextField> {
    let name = rules::validate_name(input.name.as_deref(), "/body/name")?;
    let legal_values = rules::validate_legal_values(input.legal_values.unwrap_or_default())?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let project = check_project(&mut tx, input.project).await?;
    let field = ContextField {
        name,
        description: input.description,
        stickiness: input.stickiness.unwrap_or(false),
        sort_order: input.sort_order.unwrap_or(10),
        legal_values,
        project,
        created_at: now,
    };
    store::context::insert(&mut tx, &field)
        .await
        .on_unique_violation(name_taken)?;
    let ev = NewEvent::new(rules::CONTEXT_FIELD_CREATED).data(field.event_data());
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(field)
}

async fn save(
    state: &AppState,
    auth: &Authorized,
    mut tx: store::Tx,
    before: ContextField,
    after: ContextField,
) -> AppResult<ContextField> {
    store::context::update(&mut tx, &after).await?;
    let ev = NewEvent::new(rules::CONTEXT_FIELD_UPDATED)
        .pre_data(before.event_data())
        .data(after.event_data());
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Changes the given properties of a field; the path names it, a `name` in the body is ignored.
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    input: ContextFieldInput,
) -> AppResult<ContextField> {
    let legal_values = input
        .legal_values
        .map(rules::validate_legal_values)
        .transpose()?;
    let mut tx = state.db.begin().await?;
    let before = store::context::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let project = match input.project {
        Some(p) => check_project(&mut tx, Some(p)).await?,
        None => before.project.clone(),
    };
    let after = ContextField {
        description: input.description.or(before.description.clone()),
        stickiness: input.stickiness.unwrap_or(before.stickiness),
        sort_order: input.sort_order.unwrap_or(before.sort_order),
        legal_values: legal_values.unwrap_or_else(|| before.legal_values.clone()),
        project,
        ..before.clone()
    };
    save(state, auth, tx, before, after).await
}

/// Adds a legal value, or replaces the description of an existing one.
pub async fn put_legal_value(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    input: LegalValueInput,
) -> AppResult<ContextField> {
    let value = rules::validate_legal_value(input, "/body")?;
    let mut tx = state.db.begin().await?;
    let before = store::context::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let mut after = before.clone();
    match after
        .legal_values
        .iter_mut()
        .find(|v| v.value == value.value)
    {
        Some(existing) => *existing = value,
        None => after.legal_values.push(value),
    }
    save(state, auth, tx, before, after).await
}

/// Removes one legal value; removing one that is not there changes nothing.
pub async fn delete_legal_value(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    value: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::context::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let mut after = before.clone();
    after.legal_values.retain(|v| v.value != value);
    if after.legal_values.len() != before.legal_values.len() {
        save(state, auth, tx, before, after).await?;
    }
    Ok(())
}

/// Deletes a custom field. The built-in fields are always present.
pub async fn delete(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::context::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if rules::is_built_in(name) {
        return Err(AppError::OperationDenied(format!(
            "{name} is a built-in context field; SDKs always provide it, so it cannot be deleted."
        )));
    }
    store::context::delete(&mut tx, name).await?;
    let ev = NewEvent::new(rules::CONTEXT_FIELD_DELETED)
        .pre_data(before.event_data())
        .data(json!({"name": name}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks one constraint as the flag and segment routes would, and beyond that that its
/// values are among the context field's legal values when the field has some.
pub async fn validate_constraint(state: &AppState, raw: &serde_json::Value) -> AppResult<()> {
    let c = crate::domain::constraints::validate_one(raw, "/body")?;
    let mut db = state.db.clone();
    let Some(field) = store::context::get(&mut db, &c.context_name).await? else {
        return Ok(());
    };
    if field.legal_values.is_empty() {
        return Ok(());
    }
    let legal: HashSet<&str> = field
        .legal_values
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    let single = c.operator.starts_with("NUM_")
        || c.operator.starts_with("DATE_")
        || c.operator.starts_with("SEMVER_")
        || c.operator == "REGEX";
    let sent: Vec<&str> = if single {
        c.value.as_deref().into_iter().collect()
    } else {
        c.values.iter().map(String::as_str).collect()
    };
    if let Some(bad) = sent.iter().find(|v| !legal.contains(*v)) {
        return Err(AppError::bad_data(format!(
            "\"{bad}\" is not one of the legal values of the context field \"{}\"",
            c.context_name
        )));
    }
    Ok(())
}
