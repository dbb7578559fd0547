//! A flag's page: one row per environment with its switch, its strategies and their
//! constraints, and the controls the user's permissions allow.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;

use crate::auth::permission::Scope;
use crate::domain::permissions::{
    CREATE_FEATURE_STRATEGY, DELETE_FEATURE, DELETE_FEATURE_STRATEGY, UPDATE_FEATURE,
    UPDATE_FEATURE_ENVIRONMENT, UPDATE_FEATURE_STRATEGY,
};
use crate::http::ui::variants::{self};
use crate::http::ui::widgets::{flag_path, seg, NO_PERMISSION};
use crate::http::ui::PageUser;
use crate::http::ui::{render, Ctx, PageResult};
use crate::service::{self, features};
use crate::state::AppState;

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

pub(super) async fn flag_page(
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
