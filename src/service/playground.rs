//! The playground: what every flag of some projects evaluates to for a context, and why.

use std::collections::BTreeMap;

use crate::domain::playground::answer::{
    AdvancedPlaygroundFeature, AdvancedPlaygroundResponse, PlaygroundFeature, PlaygroundResponse,
    PlaygroundWarnings,
};
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
            constraints: s.constraints,
        })
        .collect())
}

/// `playgroundResponseSchema`: one environment, one context. Reads the stored state directly
/// (not the SDK cache), so a change is visible to the very next playground request.
pub async fn evaluate(state: &AppState, req: &PlaygroundRequest) -> AppResult<PlaygroundResponse> {
    check_environments(state, req, false).await?;
    let environment = req.environments.first().cloned().unwrap_or_default();
    let segments = segments(state).await?;
    let mut db = state.db.clone();
    let stored = store::client_features::load(&mut db, &environment).await?;
    let evaluator = Evaluator::new(&environment, &stored, segments, req.projects.clone());
    Ok(PlaygroundResponse {
        features: evaluator.evaluate(&to_context(&req.context), None),
        input: req.input(),
    })
}

/// `advancedPlaygroundResponseSchema`: several environments, and one context per combination
/// of the comma-separated values sent.
pub async fn evaluate_advanced(
    state: &AppState,
    req: &PlaygroundRequest,
) -> AppResult<AdvancedPlaygroundResponse> {
    check_environments(state, req, true).await?;
    let (contexts, invalid) = combinations(&req.context)?;
    let segments = segments(state).await?;
    // name -> (project, environment -> results)
    type Rows = BTreeMap<String, Vec<PlaygroundFeature>>;
    let mut features: BTreeMap<String, (String, Rows)> = BTreeMap::new();
    for environment in &req.environments {
        let mut db = state.db.clone();
        let stored = store::client_features::load(&mut db, environment).await?;
        let evaluator =
            Evaluator::new(environment, &stored, segments.clone(), req.projects.clone());
        for flat in &contexts {
            let ctx = flat_to_context(flat);
            for result in evaluator.evaluate(&ctx, Some(flat)) {
                let entry = features
                    .entry(result.name.clone())
                    .or_insert_with(|| (result.project_id.clone(), BTreeMap::new()));
                entry.1.entry(environment.clone()).or_default().push(result);
            }
        }
    }
    Ok(AdvancedPlaygroundResponse {
        features: features
            .into_iter()
            .map(
                |(name, (project_id, environments))| AdvancedPlaygroundFeature {
                    environments,
                    name,
                    project_id,
                },
            )
            .collect(),
        input: req.input(),
        warnings: (!invalid.is_empty()).then_some(PlaygroundWarnings {
            invalid_context_properties: invalid,
        }),
    })
}
