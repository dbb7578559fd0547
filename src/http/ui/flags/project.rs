//! A project's page: its flags (searchable) and the "New flag" form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use crate::auth::permission::Scope;
use crate::domain::features::FEATURE_TYPES;
use crate::domain::permissions::CREATE_FEATURE;
use crate::http::ui::widgets::{flag_path, require, seg};
use crate::http::ui::PageUser;
use crate::http::ui::{error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult};
use crate::service::{self, features};
use crate::state::AppState;
use crate::store::features::FeatureFilter;

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
    tabs: crate::http::ui::widgets::ProjectTabs,
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
pub(super) struct SearchQuery {
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
            tabs: crate::http::ui::widgets::ProjectTabs::new(page, &p.id, "flags"),
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

pub(super) async fn project_page(
    State(state): State<AppState>,
    page: PageUser,
    Path(project): Path<String>,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    show_project(&state, &page, &project, q.q, None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
pub(super) struct NewFlagInput {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    impression_data: Option<String>,
}

pub(super) async fn create_flag(
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
