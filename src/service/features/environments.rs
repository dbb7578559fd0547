//! A flag's state per environment: on and off, and its variants there.

use super::*;

pub(crate) async fn set_enabled_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    if enabled
        && store::features::strategies(tx, &f.name, env)
            .await?
            .is_empty()
    {
        // As in Unleash: enabling an environment without strategies gives it one that lets
        // everyone in.
        let s = new_strategy(tx, f, env, rules::default_strategy(&f.name)).await?;
        store::features::insert_strategy(tx, &s, state.clock.now()).await?;
        write_event(
            tx,
            event(rules::FEATURE_STRATEGY_ADD, f)
                .environment(env)
                .data(s.to_json()),
            auth,
            state,
        )
        .await?;
    }
    store::features::set_enabled(tx, &f.name, env, enabled).await?;
    let kind = if enabled {
        rules::FEATURE_ENVIRONMENT_ENABLED
    } else {
        rules::FEATURE_ENVIRONMENT_DISABLED
    };
    write_event(tx, event(kind, f).environment(env), auth, state).await?;
    Ok(())
}

pub async fn set_enabled(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    set_enabled_in(&mut tx, state, auth, &f, env, enabled).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Enables or disables several flags of a project in one environment, all or nothing.
pub async fn bulk_set_enabled(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
    env: &str,
    enabled: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    require_project_environment(&mut tx, project, env).await?;
    for name in names {
        let f = load_in_project(&mut tx, project, name).await?;
        set_enabled_in(&mut tx, state, auth, &f, env, enabled).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// A flag's state in one environment, or `None` when its project does not use that
/// environment.
pub async fn environment(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
) -> AppResult<Option<crate::domain::features::FeatureEnvironment>> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    let envs = store::features::environments(&mut db, &f).await?;
    Ok(envs.into_iter().find(|e| e.name == env))
}

/// A flag's variants in one environment.
pub async fn env_variants(
    state: &AppState,
    project: &str,
    name: &str,
    env: &str,
) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    require_project_environment(&mut db, project, env).await?;
    let envs = store::features::environments(&mut db, &f).await?;
    Ok(envs
        .into_iter()
        .find(|e| e.name == env)
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

/// How a variant change is given: a whole new list, or a JSON Patch of the current one.
pub enum VariantChange {
    Replace(Value),
    Patch(Value),
}

async fn current_variants(c: &mut impl Conn, f: &Feature, env: &str) -> AppResult<Value> {
    let envs = store::features::environments(c, f).await?;
    Ok(envs
        .into_iter()
        .find(|e| e.name == env)
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

fn changed_variants(before: &Value, change: &VariantChange) -> AppResult<Value> {
    let raw = match change {
        VariantChange::Replace(v) => v.clone(),
        VariantChange::Patch(ops) => json_patch::apply(before, &ops_from(ops)?)?,
    };
    rules::validate_variants(&raw, "/body", VariantKind::Flag)
}

/// Sets a flag's variants in one environment; returns the new list.
pub async fn set_env_variants(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    env: &str,
    change: VariantChange,
) -> AppResult<Value> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    require_project_environment(&mut tx, project, env).await?;
    let before = current_variants(&mut tx, &f, env).await?;
    let after = changed_variants(&before, &change)?;
    store::features::set_variants(&mut tx, name, env, &after).await?;
    let ev = event(rules::FEATURE_ENVIRONMENT_VARIANTS_UPDATED, &f)
        .environment(env)
        .data(json!({"variants": after}))
        .pre_data(json!({"variants": before}));
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// The older, environment-less variant routes: they read the first environment's list and
/// write every environment of the project.
pub async fn legacy_variants(state: &AppState, project: &str, name: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    let envs = store::features::environments(&mut db, &f).await?;
    Ok(envs
        .into_iter()
        .next()
        .map(|e| e.variants)
        .unwrap_or_else(|| json!([])))
}

pub async fn set_legacy_variants(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    name: &str,
    change: VariantChange,
) -> AppResult<Value> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, name).await?;
    let envs = store::features::environments(&mut tx, &f).await?;
    let before = envs
        .first()
        .map(|e| e.variants.clone())
        .unwrap_or_else(|| json!([]));
    let after = changed_variants(&before, &change)?;
    for e in &envs {
        store::features::set_variants(&mut tx, name, &e.name, &after).await?;
    }
    let ev = event(rules::FEATURE_VARIANTS_UPDATED, &f)
        .data(json!({"variants": after}))
        .pre_data(json!({"variants": before}));
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(after)
}
