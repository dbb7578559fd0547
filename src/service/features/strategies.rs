//! A flag's activation strategies in an environment: add, change, order, remove.

use super::*;

/// Checks a strategy against the store: its definition exists, its constraints are valid and
/// its segments exist.
pub(crate) async fn check_strategy(
    c: &mut impl Conn,
    project: &str,
    input: &mut StrategyInput,
) -> AppResult<()> {
    if store::strategies::get(c, &input.name).await?.is_none() {
        return Err(AppError::bad_field(
            "/body/name",
            format!(
                "The strategy \"{}\" does not exist; define it first or use a built-in one.",
                input.name
            ),
        ));
    }
    input.constraints = validate_constraints(&input.constraints, "/body/constraints")?;
    for (i, id) in input.segments.iter().enumerate() {
        match store::segments::get(c, *id).await? {
            None => {
                return Err(AppError::bad_field(
                    &format!("/body/segments/{i}"),
                    format!("The segment with id {id} does not exist."),
                ))
            }
            // A project's own segments serve only that project's flags.
            Some(seg) if seg.project.as_deref().is_some_and(|p| !p.is_empty() && p != project) => {
                return Err(AppError::bad_field(
                    &format!("/body/segments/{i}"),
                    format!("The segment \"{}\" (id {id}) belongs to the project \"{}\", not to \"{project}\".", seg.name, seg.project.unwrap_or_default()),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

pub(crate) async fn new_strategy(
    c: &mut impl Conn,
    f: &Feature,
    env: &str,
    input: StrategyInput,
) -> AppResult<FeatureStrategy> {
    let sort_order = match input.sort_order {
        Some(s) => s,
        None => store::features::max_sort_order(c, &f.name, env)
            .await?
            .map(|m| m + 1)
            .unwrap_or(0),
    };
    Ok(FeatureStrategy {
        id: uuid::Uuid::new_v4().to_string(),
        feature_name: f.name.clone(),
        project: f.project.clone(),
        environment: env.to_string(),
        name: input.name,
        title: input.title,
        parameters: input.parameters,
        constraints: input.constraints,
        variants: input.variants,
        sort_order,
        disabled: input.disabled,
        segments: input.segments,
    })
}

pub async fn strategies(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
) -> AppResult<Vec<FeatureStrategy>> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    Ok(store::features::strategies(&mut db, name, env).await?)
}

async fn load_strategy(
    c: &mut impl Conn,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<FeatureStrategy> {
    match store::features::strategy(c, id).await? {
        Some(s) if s.feature_name == name && s.environment == env => Ok(s),
        _ => Err(AppError::not_found(format!("Could not find strategy with id \"{id}\" on the flag \"{name}\" in the environment \"{env}\"."))),
    }
}

pub async fn strategy(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<FeatureStrategy> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    load_strategy(&mut db, name, env, id).await
}

pub async fn add_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    raw: &Value,
) -> AppResult<FeatureStrategy> {
    let mut input = StrategyInput::from_json(raw, None)?;
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    check_strategy(&mut tx, project, &mut input).await?;
    let s = new_strategy(&mut tx, &f, env, input).await?;
    store::features::insert_strategy(&mut tx, &s, state.clock.now()).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_ADD, &f)
            .environment(env)
            .data(s.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(s)
}

/// How a strategy change is given: fields to replace (PUT) or a JSON Patch (PATCH).
pub enum StrategyChange {
    Update(Value),
    Patch(Value),
}

pub async fn update_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
    change: StrategyChange,
) -> AppResult<FeatureStrategy> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = load_strategy(&mut tx, name, env, id).await?;
    let base = before.editable();
    let mut input = match change {
        StrategyChange::Update(raw) => StrategyInput::from_json(&raw, Some(&base))?,
        StrategyChange::Patch(ops) => {
            let doc = json_patch::apply(&base.to_json(), &ops_from(&ops)?)?;
            StrategyInput::from_json(&doc, Some(&base))?
        }
    };
    check_strategy(&mut tx, project, &mut input).await?;
    let after = FeatureStrategy {
        name: input.name,
        title: input.title,
        disabled: input.disabled,
        sort_order: input.sort_order.unwrap_or(before.sort_order),
        parameters: input.parameters,
        constraints: input.constraints,
        variants: input.variants,
        segments: input.segments,
        ..before.clone()
    };
    store::features::update_strategy(&mut tx, &after).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_UPDATE, &f)
            .environment(env)
            .data(after.to_json())
            .pre_data(before.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// Finds a strategy by id alone, with the flag it belongs to; `None` when there is none.
pub async fn strategy_by_id(state: &AppState, id: &str) -> AppResult<Option<FeatureStrategy>> {
    let mut db = state.db.clone();
    Ok(store::features::strategy(&mut db, id).await?)
}

/// Sets a strategy's segments to exactly `segment_ids` (Unleash's
/// `POST /api/admin/segments/strategies`): an ordinary strategy update, with its checks, its
/// `feature-strategy-update` event and a revision bump.
pub async fn set_strategy_segments(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    env: &str,
    id: &str,
    segment_ids: &[i64],
) -> AppResult<FeatureStrategy> {
    let found = strategy_by_id(state, id).await?;
    let Some(s) = found.filter(|s| s.project == project && s.environment == env) else {
        return Err(AppError::not_found(format!(
            "Could not find strategy with id \"{id}\" in the project \"{project}\" and the environment \"{env}\"."
        )));
    };
    update_strategy(
        state,
        auth,
        project,
        &s.feature_name,
        env,
        id,
        StrategyChange::Update(serde_json::json!({ "segments": segment_ids })),
    )
    .await
}

pub async fn delete_strategy(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    id: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = load_strategy(&mut tx, name, env, id).await?;
    store::features::delete_strategy(&mut tx, id).await?;
    write_event(
        &mut tx,
        event(rules::FEATURE_STRATEGY_REMOVE, &f)
            .environment(env)
            .pre_data(before.to_json()),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SortOrderEntry {
    pub id: String,
    pub sort_order: i64,
}

pub async fn set_sort_order(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    entries: &[SortOrderEntry],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before: Vec<Value> = store::features::strategies(&mut tx, name, env)
        .await?
        .iter()
        .map(|s| json!({"id": s.id, "sortOrder": s.sort_order}))
        .collect();
    for e in entries {
        load_strategy(&mut tx, name, env, &e.id).await?;
        store::features::set_strategy_sort_order(&mut tx, &e.id, e.sort_order).await?;
    }
    let after: Vec<Value> = store::features::strategies(&mut tx, name, env)
        .await?
        .iter()
        .map(|s| json!({"id": s.id, "sortOrder": s.sort_order}))
        .collect();
    write_event(
        &mut tx,
        event(rules::STRATEGY_ORDER_CHANGED, &f)
            .environment(env)
            .data(json!(after))
            .pre_data(json!(before)),
        auth,
        state,
    )
    .await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}
