//! The playground: what every flag of some projects evaluates to for a context, and why.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::domain::playground::{
    combinations, flat_to_context, to_context, Evaluator, NamedSegment, PlaygroundRequest,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;

/// Refuses environments that do not exist, naming the first one and where it was sent.
async fn check_environments(
    state: &AppState,
    req: &PlaygroundRequest,
    advanced: bool,
) -> AppResult<()> {
    let mut db = state.db.clone();
    let known = store::client_features::environment_names(&mut db).await?;
    for (i, env) in req.environments.iter().enumerate() {
        if !known.iter().any(|k| k == env) {
            let path = if advanced {
                format!("/body/environments/{i}")
            } else {
                "/body/environment".to_string()
            };
            return Err(AppError::bad_field(
                &path,
                format!(
                    "The `{path}` property names an environment that does not exist: \"{env}\"."
                ),
            ));
        }
    }
    Ok(())
}

async fn segments(state: &AppState) -> AppResult<Vec<NamedSegment>> {
    let mut db = state.db.clone();
    Ok(store::segments::list(&mut db)
        .await?
        .into_iter()
        .map(|s| NamedSegment {
            id: s.id,
            name: s.name,
            constraints: s
                .constraints
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect(),
        })
        .collect())
}

/// `playgroundResponseSchema`: one environment, one context. Reads the stored state directly
/// (not the SDK cache), so a change is visible to the very next playground request.
pub async fn evaluate(state: &AppState, req: &PlaygroundRequest) -> AppResult<Value> {
    check_environments(state, req, false).await?;
    let environment = req.environments.first().cloned().unwrap_or_default();
    let segments = segments(state).await?;
    let mut db = state.db.clone();
    let stored = store::client_features::load(&mut db, &environment).await?;
    let evaluator = Evaluator::new(&environment, &stored, segments, req.projects.clone());
    let features = evaluator.evaluate(&to_context(&req.context), None);
    Ok(json!({"input": req.input, "features": features}))
}

/// `advancedPlaygroundResponseSchema`: several environments, and one context per combination
/// of the comma-separated values sent.
pub async fn evaluate_advanced(state: &AppState, req: &PlaygroundRequest) -> AppResult<Value> {
    check_environments(state, req, true).await?;
    let (contexts, invalid) = combinations(&req.context)?;
    let segments = segments(state).await?;
    // name -> (project, environment -> results)
    let mut features: BTreeMap<String, (Value, Map<String, Value>)> = BTreeMap::new();
    for environment in &req.environments {
        let mut db = state.db.clone();
        let stored = store::client_features::load(&mut db, environment).await?;
        let evaluator =
            Evaluator::new(environment, &stored, segments.clone(), req.projects.clone());
        for flat in &contexts {
            let ctx = flat_to_context(flat);
            for result in evaluator.evaluate(&ctx, Some(flat)) {
                let name = result["name"].as_str().unwrap_or_default().to_string();
                let entry = features
                    .entry(name)
                    .or_insert_with(|| (result["projectId"].clone(), Map::new()));
                if let Some(list) = entry
                    .1
                    .entry(environment.clone())
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
                {
                    list.push(result);
                }
            }
        }
    }
    let features: Vec<Value> = features
        .into_iter()
        .map(|(name, (project, envs))| {
            json!({"name": name, "projectId": project, "environments": envs})
        })
        .collect();
    let mut out = json!({"input": req.input, "features": features});
    if !invalid.is_empty() {
        out["warnings"] = json!({"invalidContextProperties": invalid});
    }
    Ok(out)
}
