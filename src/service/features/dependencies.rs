//! A flag's dependencies on parent flags.

use super::*;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct AddDependency {
    pub feature: String,
    pub enabled: Option<bool>,
    pub variants: Option<Vec<String>>,
}

/// Makes `child` depend on a parent. Dependencies are one level deep (a parent has no parent,
/// a child has no children); a child may have several parents, which the SDKs all evaluate.
/// Adding a parent again replaces its options.
pub async fn add_dependency(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    child: &str,
    input: AddDependency,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, child).await?;
    if input.feature == child {
        return Err(AppError::bad_field(
            "/body/feature",
            format!("The flag \"{child}\" cannot depend on itself."),
        ));
    }
    let parent = match store::features::get(&mut tx, &input.feature).await? {
        Some(p) if p.archived_at.is_none() => p,
        Some(_) => {
            return Err(AppError::bad_field(
                "/body/feature",
                format!("The parent flag \"{}\" is archived.", input.feature),
            ))
        }
        None => {
            return Err(AppError::bad_field(
                "/body/feature",
                format!("The parent flag \"{}\" does not exist.", input.feature),
            ))
        }
    };
    if !store::features::dependencies(&mut tx, &parent.name)
        .await?
        .is_empty()
    {
        return Err(AppError::bad_field(
            "/body/feature",
            format!(
                "The flag \"{}\" depends on another flag itself; dependencies are one level deep.",
                parent.name
            ),
        ));
    }
    if !store::features::children(&mut tx, child).await?.is_empty() {
        return Err(AppError::bad_field(
            "/body/feature",
            format!("Other flags depend on \"{child}\", so it cannot depend on a flag itself; dependencies are one level deep."),
        ));
    }
    let enabled = input.enabled.unwrap_or(true);
    let variants = if enabled {
        input.variants.unwrap_or_default()
    } else {
        Vec::new()
    };
    let d = Dependency {
        parent: parent.name.clone(),
        child: child.to_string(),
        enabled,
        variants,
    };
    let before = store::features::dependencies(&mut tx, child)
        .await?
        .into_iter()
        .find(|e| e.parent == parent.name);
    store::features::delete_dependencies(&mut tx, child, Some(&parent.name)).await?;
    store::features::insert_dependency(&mut tx, &d).await?;
    let mut ev = event(rules::FEATURE_DEPENDENCY_ADDED, &f).data(d.to_json());
    if let Some(b) = before {
        ev = ev.pre_data(b.to_json());
    }
    write_event(&mut tx, ev, auth, state).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Removes the child's dependency on `parent`, or all of its dependencies.
pub async fn remove_dependency(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    child: &str,
    parent: Option<&str>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load_in_project(&mut tx, project, child).await?;
    let removed = store::features::delete_dependencies(&mut tx, child, parent).await?;
    if removed > 0 {
        let ev = match parent {
            Some(p) => event(rules::FEATURE_DEPENDENCY_REMOVED, &f).pre_data(json!({"feature": p})),
            None => event(rules::FEATURE_DEPENDENCIES_REMOVED, &f),
        };
        write_event(&mut tx, ev, auth, state).await?;
        store::revision::bump(&mut tx).await?;
    }
    commit(tx, state).await?;
    Ok(())
}

/// Flags of the project that `child` could depend on.
pub async fn parent_options(
    state: &AppState,
    project: &str,
    child: &str,
) -> AppResult<Vec<String>> {
    let mut db = state.db.clone();
    load_in_project(&mut db, project, child).await?;
    let filter = FeatureFilter {
        projects: Some(vec![project.to_string()]),
        ..Default::default()
    };
    let mut out = Vec::new();
    for f in store::features::list(&mut db, &filter).await? {
        if f.name != child
            && store::features::dependencies(&mut db, &f.name)
                .await?
                .is_empty()
        {
            out.push(f.name);
        }
    }
    Ok(out)
}

/// The variant names a child could require of `parent`: its flag variants and strategy
/// variants in every environment, each once, sorted.
pub async fn parent_variant_options(
    state: &AppState,
    project: &str,
    parent: &str,
) -> AppResult<Vec<String>> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, parent).await?;
    let mut names = Vec::new();
    for env in store::features::environments(&mut db, &f).await? {
        let strategy_variants = env
            .strategies
            .iter()
            .flat_map(|s| s.variants.as_array().cloned().unwrap_or_default());
        for v in env
            .variants
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(strategy_variants)
        {
            if let Some(n) = v["name"].as_str() {
                names.push(n.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// True when any flag of the project depends on another.
pub async fn project_has_dependencies(state: &AppState, project: &str) -> AppResult<bool> {
    let mut db = state.db.clone();
    require_project(&mut db, project).await?;
    let filter = FeatureFilter {
        projects: Some(vec![project.to_string()]),
        ..Default::default()
    };
    for f in store::features::list(&mut db, &filter).await? {
        if !store::features::dependencies(&mut db, &f.name)
            .await?
            .is_empty()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What archiving `names` would do to dependencies: whether any of them is a parent or a
/// child, and the parents among them that keep a child outside the list (Unleash refuses to
/// archive those).
pub async fn archive_dependency_impact(
    state: &AppState,
    names: &[String],
) -> AppResult<(bool, Vec<String>)> {
    let mut db = state.db.clone();
    let mut has_dependencies = false;
    let mut orphaned = Vec::new();
    for name in names {
        if !store::features::dependencies(&mut db, name)
            .await?
            .is_empty()
        {
            has_dependencies = true;
        }
        let children = store::features::children(&mut db, name).await?;
        if !children.is_empty() {
            has_dependencies = true;
            if children.iter().any(|c| !names.contains(c)) && !orphaned.contains(name) {
                orphaned.push(name.clone());
            }
        }
    }
    Ok((has_dependencies, orphaned))
}
