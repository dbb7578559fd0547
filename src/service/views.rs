//! The Admin API's project list, project and flag reads, served from memory.
//!
//! Each read is built in two steps, both kept in the [`ViewCache`](crate::cache::views)
//! for the current view epoch: the part everyone sees (a project, say), built from
//! the database once; then the answer for one kind of caller (their favourites marked, the
//! projects their token does not cover left out), serialized once. A warm request is a
//! lookup and a copy of a reference-counted body: no query, no JSON work.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use serde::Serialize;

use crate::auth::Principal;
use crate::cache::views::{Generation, ViewKey};
use crate::error::{AppError, AppResult};
use crate::service::shapes::{
    mark_favourites, FlagDetail, ProjectDetail, ProjectFlagList, ProjectList, ProjectSchema,
};
use crate::service::{features, links, projects};
use crate::state::AppState;
use crate::store::{self, features::FeatureFilter};

/// What tells one caller's answer from another's: whose favourites are marked, and which
/// projects a scoped token covers.
fn viewer(caller: &Principal, mut parts: Vec<String>) -> Vec<String> {
    parts.push(
        caller
            .user()
            .map_or_else(|| "-".to_string(), |u| u.user.id.to_string()),
    );
    match caller.visible_projects() {
        None => parts.push("*".into()),
        Some(ids) => {
            parts.push(ids.len().to_string());
            parts.extend(ids.iter().cloned());
        }
    }
    parts
}

fn to_bytes(v: &impl Serialize) -> AppResult<Bytes> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|e| AppError::Internal(e.into()))
}

/// The caller's favourite flags (`of_projects = false`) or projects, once per epoch.
async fn favourites_of(
    g: &Generation,
    state: &AppState,
    caller: &Principal,
    of_projects: bool,
) -> AppResult<Arc<HashSet<String>>> {
    let Some(user) = caller.user() else {
        return Ok(Arc::default());
    };
    let id = user.user.id;
    let key = ViewKey::new("favourites", vec![id.to_string(), of_projects.to_string()]);
    g.get(key, || async move {
        let mut db = state.db.clone();
        Ok(store::favorites::of_user(&mut db, of_projects, id)
            .await?
            .into_iter()
            .collect())
    })
    .await
}

/// One caller's answer: `shape` makes it from the view everyone shares (`base`, built with
/// `load`) and the caller's favourite flags or projects; both the shared view and the
/// serialized answer are kept for the epoch.
#[allow(clippy::too_many_arguments)]
async fn answer<B, A, L, Fut>(
    state: &AppState,
    caller: &Principal,
    kind: &'static str,
    parts: Vec<String>,
    base: ViewKey,
    load: L,
    of_projects: bool,
    shape: impl FnOnce(&B, &HashSet<String>) -> A,
) -> AppResult<Bytes>
where
    B: Send + Sync + 'static,
    A: Serialize,
    L: FnOnce() -> Fut,
    Fut: Future<Output = AppResult<B>>,
{
    let g = state.views.generation(&state.db).await?;
    let key = ViewKey::new(kind, viewer(caller, parts));
    let body = g
        .get(key, || async {
            let base = g.get(base, load).await?;
            let favourites = favourites_of(&g, state, caller, of_projects).await?;
            to_bytes(&shape(&base, &favourites))
        })
        .await?;
    Ok((*body).clone())
}

/// `GET /api/admin/projects`: `{version, projects}`, the projects the caller sees.
pub async fn project_list(state: &AppState, caller: &Principal) -> AppResult<Bytes> {
    let load = || async {
        Ok(projects::list(state)
            .await?
            .iter()
            .map(|(p, o)| ProjectSchema::new(p, o))
            .collect::<Vec<_>>())
    };
    let shape = |all: &Vec<ProjectSchema>, favourites: &HashSet<String>| {
        let mut projects: Vec<ProjectSchema> = all
            .iter()
            .filter(|p| caller.sees_project(&p.id))
            .cloned()
            .collect();
        mark_favourites(&mut projects, favourites);
        ProjectList {
            projects,
            version: 1,
        }
    };
    let base = ViewKey::new("projects", vec![]);
    answer(
        state,
        caller,
        "projects:body",
        vec![],
        base,
        load,
        true,
        shape,
    )
    .await
}

fn project_key(id: &str) -> ViewKey {
    ViewKey::new("project", vec![id.to_string()])
}

/// `GET /api/admin/projects/{id}`: the project with its environments and flags.
pub async fn project(state: &AppState, caller: &Principal, id: &str) -> AppResult<Bytes> {
    let shape = |base: &ProjectDetail, favourites: &HashSet<String>| {
        let mut project = base.clone();
        mark_favourites(&mut project.features, favourites);
        project
    };
    let load = || project_detail(state, id);
    let parts = vec![id.to_string()];
    answer(
        state,
        caller,
        "project:body",
        parts,
        project_key(id),
        load,
        false,
        shape,
    )
    .await
}

/// `GET /api/admin/projects/{id}/features`: `{version, features}`, the project's flags as
/// the project read lists them.
pub async fn project_flags(state: &AppState, caller: &Principal, id: &str) -> AppResult<Bytes> {
    let shape = |base: &ProjectDetail, favourites: &HashSet<String>| {
        let mut features = base.features.clone();
        mark_favourites(&mut features, favourites);
        ProjectFlagList {
            features,
            version: 1,
        }
    };
    let load = || project_detail(state, id);
    let parts = vec![id.to_string()];
    let kind = "project-flags:body";
    answer(
        state,
        caller,
        kind,
        parts,
        project_key(id),
        load,
        false,
        shape,
    )
    .await
}

async fn project_detail(state: &AppState, id: &str) -> AppResult<ProjectDetail> {
    let (project, owners, envs) = projects::get(state, id).await?;
    let filter = FeatureFilter {
        projects: Some(vec![id.to_string()]),
        ..Default::default()
    };
    let (flags, _) = features::search(state, &filter, 0, usize::MAX).await?;
    Ok(ProjectDetail::new(&project, &owners, &envs, flags))
}

/// `GET /api/admin/projects/{project}/features/{name}`: the flag in full.
pub async fn flag(
    state: &AppState,
    caller: &Principal,
    project: &str,
    name: &str,
) -> AppResult<Bytes> {
    let load = || async {
        let mut flag = features::detail(state, project, name).await?;
        flag.links = links::of_feature(state, name).await?;
        Ok(flag)
    };
    let shape = |base: &FlagDetail, favourites: &HashSet<String>| {
        let mut one = [base.clone()];
        mark_favourites(&mut one, favourites);
        let [flag] = one;
        flag
    };
    let parts = vec![project.to_string(), name.to_string()];
    let base = ViewKey::new("flag", parts.clone());
    answer(state, caller, "flag:body", parts, base, load, false, shape).await
}
