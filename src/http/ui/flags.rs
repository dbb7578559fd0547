//! Feature flags in the UI: a project's flags (search and
//! the "New flag" form), a flag's page (one row per environment with its switch and its
//! strategies), the strategy form (parameters, constraints, segments, variants), archiving
//! and reviving. A flag's edit form, the confirmation pages and the archive list live in
//! [`super::flag_details`]. Every page is readable by any signed-in user; each control is
//! shown only to those whose permission allows it, and every POST checks the same
//! permission as the Admin API route that does the same thing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::flag_details;
use super::forms::{Confirm, Empty};

use super::variants::{self};
use super::widgets::{flag_path, require, seg, NO_PERMISSION};
use super::PageUser;
use super::{error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult};
use crate::auth::permission::Scope;
use crate::domain::features::FEATURE_TYPES;
use crate::domain::permissions::{
    CREATE_FEATURE, CREATE_FEATURE_STRATEGY, DELETE_FEATURE, DELETE_FEATURE_STRATEGY,
    UPDATE_FEATURE, UPDATE_FEATURE_ENVIRONMENT, UPDATE_FEATURE_STRATEGY,
};
use crate::service::{self, features};
use crate::state::AppState;
use crate::store::features::FeatureFilter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{project}", get(project_page).post(create_flag))
        .route("/projects/{project}/features/{flag}", get(flag_page))
        .route(
            "/projects/{project}/features/{flag}/archive",
            post(archive_flag),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/toggle",
            post(toggle),
        )
        .route("/archive/{flag}/revive", post(revive_flag))
}

// ---------------------------------------------------------------- a project's flags

struct FlagRow {
    name: String,
    link: String,
    kind: String,
    description: String,
    created: String,
    /// (environment, enabled)
    envs: Vec<(String, bool)>,
}

struct NewFlagForm {
    name: String,
    kind: String,
    description: String,
    impression_data: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    ctx: Ctx,
    tabs: super::widgets::ProjectTabs,
    id: String,
    link: String,
    name: String,
    description: String,
    env_names: Vec<String>,
    rows: Vec<FlagRow>,
    query: String,
    can_create: bool,
    types: Vec<(&'static str, &'static str)>,
    form: NewFlagForm,
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn show_project(
    state: &AppState,
    page: &PageUser,
    project: &str,
    query: String,
    form: Option<NewFlagForm>,
    status: StatusCode,
) -> PageResult {
    let (p, _, _) = service::projects::get(state, project)
        .await
        .map_err(page.fail())?;
    let envs = service::environments::of_project(state, project)
        .await
        .map_err(page.fail())?;
    let env_names: Vec<String> = envs
        .into_iter()
        .filter(|e| e.visible)
        .map(|e| e.environment.name)
        .collect();
    let filter = FeatureFilter {
        projects: Some(vec![project.to_string()]),
        query: Some(query.trim().to_string()).filter(|q| !q.is_empty()),
        ..FeatureFilter::default()
    };
    let flags = features::list_short(state, &filter)
        .await
        .map_err(page.fail())?;
    let rows = flags
        .iter()
        .map(|f| {
            let name = f.name.clone();
            FlagRow {
                link: flag_path(project, &name),
                name,
                kind: f.flag_type.clone(),
                description: f.description.clone().unwrap_or_default(),
                created: f.created_at.chars().take(10).collect(),
                envs: env_names
                    .iter()
                    .map(|n| {
                        let on = f.environments.iter().any(|e| e.name == *n && e.enabled);
                        (n.clone(), on)
                    })
                    .collect(),
            }
        })
        .collect();
    let can_create = page
        .principal
        .can(&[CREATE_FEATURE], Scope::project(project));
    let ctx = page.ctx(p.name.clone(), "projects");
    Ok(render(
        &ctx,
        status,
        &ProjectPage {
            ctx: ctx.clone(),
            tabs: super::widgets::ProjectTabs::new(page, &p.id, "flags"),
            link: seg(&p.id),
            id: p.id,
            name: p.name,
            description: p.description.unwrap_or_default(),
            env_names,
            rows,
            query,
            can_create,
            types: FEATURE_TYPES
                .iter()
                .map(|(id, n, _, _)| (*id, *n))
                .collect(),
            form: form.unwrap_or(NewFlagForm {
                name: String::new(),
                kind: "release".into(),
                description: String::new(),
                impression_data: false,
                error: None,
            }),
        },
    ))
}

async fn project_page(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    show_project(&state, &page, &project, q.q, None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct NewFlagInput {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    impression_data: Option<String>,
}

async fn create_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    CsrfForm(input): CsrfForm<NewFlagInput>,
) -> PageResult {
    let auth = require(
        &page,
        CREATE_FEATURE,
        Scope::project(&project),
        "create flags here",
    )?;
    let create = features::CreateFeature {
        name: input.name.trim().to_string(),
        feature_type: Some(input.kind.clone()).filter(|k| !k.is_empty()),
        description: Some(input.description.clone()).filter(|d| !d.trim().is_empty()),
        impression_data: Some(input.impression_data.is_some()),
        tags: None,
    };
    match features::create(&state, &auth, &project, create).await {
        Ok(f) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &f.name),
            &format!("Flag \"{}\" created", f.name),
        )),
        Err(e) => {
            let status = e.status();
            let form = NewFlagForm {
                name: input.name,
                kind: input.kind,
                description: input.description,
                impression_data: input.impression_data.is_some(),
                error: Some(error_text(&e)),
            };
            show_project(&state, &page, &project, String::new(), Some(form), status).await
        }
    }
}

// ---------------------------------------------------------------- a flag

struct ConstraintView {
    field: String,
    operator: String,
    inverted: bool,
    case_insensitive: bool,
    values: String,
}

struct StrategyView {
    id: String,
    title: String,
    name: String,
    disabled: bool,
    params: Vec<(String, String)>,
    constraints: Vec<ConstraintView>,
    segments: Vec<String>,
    /// (name, weight as "50 %")
    variants: Vec<(String, String)>,
    first: bool,
    last: bool,
}

struct EnvView {
    name: String,
    link: String,
    kind: String,
    enabled: bool,
    can_toggle: bool,
    can_add: bool,
    can_edit: bool,
    can_delete: bool,
    variant_count: usize,
    strategies: Vec<StrategyView>,
}

#[derive(Template)]
#[template(path = "flag.html")]
struct FlagPage {
    ctx: Ctx,
    project: String,
    project_link: String,
    path: String,
    name: String,
    kind: String,
    description: String,
    impression_data: bool,
    stale: bool,
    created: String,
    envs: Vec<EnvView>,
    can_archive: bool,
    can_edit: bool,
    reason: &'static str,
}

fn constraint_views(raw: &Value) -> Vec<ConstraintView> {
    raw.as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    let values = match c["values"].as_array() {
                        Some(v) if !v.is_empty() => v
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        _ => c["value"].as_str().unwrap_or_default().to_string(),
                    };
                    ConstraintView {
                        field: c["contextName"].as_str().unwrap_or_default().to_string(),
                        operator: c["operator"].as_str().unwrap_or_default().to_string(),
                        inverted: c["inverted"] == true,
                        case_insensitive: c["caseInsensitive"] == true,
                        values,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn flag_page(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
) -> PageResult {
    let detail = features::detail(&state, &project, &flag)
        .await
        .map_err(page.fail())?;
    let segment_names: Vec<(i64, String)> = service::segments::list(&state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|(s, _)| (s.id, s.name))
        .collect();
    let p = &page.principal;
    let envs: Vec<EnvView> = detail
        .environments
        .iter()
        .map(|e| {
            let env = e.name.clone();
            let scope = Scope::environment(&project, &env);
            let list = &e.strategies;
            let count = list.len();
            let strategies = list
                .iter()
                .enumerate()
                .map(|(i, s)| StrategyView {
                    id: s.id.clone(),
                    title: s.title.clone().unwrap_or_default(),
                    name: s.name.clone(),
                    disabled: s.disabled,
                    params: s
                        .parameters
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .map(|(k, v)| {
                                    (
                                        k.clone(),
                                        v.as_str().map(str::to_string).unwrap_or(v.to_string()),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    constraints: constraint_views(&s.constraints),
                    segments: s
                        .segments
                        .iter()
                        .map(|&id| {
                            segment_names
                                .iter()
                                .find(|(i, _)| *i == id)
                                .map(|(_, n)| n.clone())
                                .unwrap_or_else(|| format!("#{id}"))
                        })
                        .collect(),
                    variants: s
                        .variants
                        .as_array()
                        .map(|v| v.iter().filter_map(variants::chip).collect())
                        .unwrap_or_default(),
                    first: i == 0,
                    last: i + 1 == count,
                })
                .collect();
            EnvView {
                link: seg(&env),
                kind: e.env_type.clone(),
                enabled: e.enabled,
                can_toggle: p.can(&[UPDATE_FEATURE_ENVIRONMENT], scope),
                can_add: p.can(&[CREATE_FEATURE_STRATEGY], scope),
                can_edit: p.can(&[UPDATE_FEATURE_STRATEGY], scope),
                can_delete: p.can(&[DELETE_FEATURE_STRATEGY], scope),
                variant_count: e.variants.as_array().map(Vec::len).unwrap_or(0),
                name: env,
                strategies,
            }
        })
        .collect();
    let ctx = page.ctx(flag.clone(), "projects");
    Ok(render(
        &ctx,
        StatusCode::OK,
        &FlagPage {
            ctx: ctx.clone(),
            project_link: seg(&project),
            path: flag_path(&project, &flag),
            can_archive: p.can(&[DELETE_FEATURE], Scope::project(&project)),
            can_edit: p.can(&[UPDATE_FEATURE], Scope::project(&project)),
            project,
            name: flag,
            kind: detail.flag_type.clone(),
            description: detail.description.clone().unwrap_or_default(),
            impression_data: detail.impression_data,
            stale: detail.stale,
            created: detail.created_at.chars().take(10).collect(),
            envs,
            reason: NO_PERMISSION,
        },
    ))
}

#[derive(serde::Deserialize)]
struct ToggleInput {
    enabled: String,
}

async fn toggle(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(input): CsrfForm<ToggleInput>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_ENVIRONMENT,
        Scope::environment(&project, &env),
        "switch this flag in this environment",
    )?;
    let on = input.enabled == "true";
    features::set_enabled(&state, &auth, &project, &flag, &env, on)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!(
            "\"{flag}\" {} in {env}",
            if on { "enabled" } else { "disabled" }
        ),
    ))
}

/// Archives a flag once confirmed; without `confirm=yes` it only asks.
async fn archive_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let auth = require(
        &page,
        DELETE_FEATURE,
        Scope::project(&project),
        "archive flags here",
    )?;
    if !input.confirmed() {
        return flag_details::archive_confirmation(&state, &page, &project, &flag).await;
    }
    features::archive(&state, &auth, &project, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &format!("/projects/{}", seg(&project)),
        &format!("Flag \"{flag}\" archived"),
    ))
}

// ---------------------------------------------------------------- the archive

async fn revive_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
    CsrfForm(_input): CsrfForm<Empty>,
) -> PageResult {
    let project = features::project_of(&state, &flag)
        .await
        .and_then(|p| p.ok_or_else(|| features::feature_not_found(&flag)))
        .map_err(page.fail())?;
    let auth = require(
        &page,
        UPDATE_FEATURE,
        Scope::project(&project),
        "revive flags of this project",
    )?;
    features::revive(&state, &auth, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Flag \"{flag}\" revived"),
    ))
}
