//! Rendering the strategy form: the choices it offers (strategies, context fields,
//! operators, segments) around the form's state, and the status a stopped form is shown with.

use askama::Template;
use axum::http::StatusCode;

use super::form::{ConstraintRow, StrategyForm};
use crate::domain::constraints::{MULTI_VALUE_OPERATORS, SINGLE_VALUE_OPERATORS};
use crate::error::AppError;
use crate::http::ui::variants::{self, VariantStep};
use crate::http::ui::widgets::{flag_path, seg};
use crate::http::ui::{render, Ctx, PageResult, PageUser};
use crate::service;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "strategy_form.html")]
struct StrategyPage {
    ctx: Ctx,
    heading: String,
    action: String,
    back: String,
    flag: String,
    env: String,
    form: StrategyForm,
    strategy_names: Vec<String>,
    context_fields: Vec<String>,
    operators: Vec<&'static str>,
    multi_operators: String,
    segments: Vec<(i64, String)>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn show_strategy_form(
    state: &AppState,
    page: &PageUser,
    project: &str,
    flag: &str,
    env: &str,
    id: Option<&str>,
    mut form: StrategyForm,
    status: StatusCode,
) -> PageResult {
    let names = service::strategies::list(state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .filter(|s| !s.deprecated || s.name == form.name)
        .map(|s| s.name)
        .collect();
    let context = variants::context_stickiness(state)
        .await
        .map_err(page.fail())?;
    form.variants.set_stickiness_options(&context);
    let context_fields = context.into_iter().map(|(name, _)| name).collect();
    let segments = service::segments::list(state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .filter(|(s, _)| s.project.as_deref().is_none_or(|p| p == project))
        .map(|(s, _)| (s.id, s.name))
        .collect();
    // One empty row to add a constraint.
    form.constraints.push(ConstraintRow {
        index: form.constraints.len(),
        field: String::new(),
        operator: "IN".into(),
        multi: true,
        values: String::new(),
        value: String::new(),
        inverted: false,
        case_insensitive: false,
    });
    let base_path = flag_path(project, flag);
    let action = match id {
        Some(id) => format!(
            "{base_path}/environments/{}/strategies/{}/edit",
            seg(env),
            seg(id)
        ),
        None => format!("{base_path}/environments/{}/strategies/new", seg(env)),
    };
    let heading = if id.is_some() {
        "Edit strategy"
    } else {
        "Add strategy"
    };
    let ctx = page.ctx(format!("{heading} · {flag}"), "projects");
    Ok(render(
        &ctx,
        status,
        &StrategyPage {
            ctx: ctx.clone(),
            heading: heading.into(),
            action,
            back: base_path,
            flag: flag.into(),
            env: env.into(),
            form,
            strategy_names: names,
            context_fields,
            operators: MULTI_VALUE_OPERATORS
                .iter()
                .chain(SINGLE_VALUE_OPERATORS)
                .copied()
                .collect(),
            multi_operators: MULTI_VALUE_OPERATORS.join(","),
            segments,
        },
    ))
}

pub(super) fn form_status(e: &AppError) -> StatusCode {
    e.status()
}

/// When the variant rows ask to show the form again (a row added or removed without
/// JavaScript, or a mistake in them), the status to show it with.
pub(super) fn variant_stop(form: &mut StrategyForm, step: VariantStep) -> Option<StatusCode> {
    let (status, error) = step.into_list().err()?;
    if error.is_some() {
        form.error = error;
    }
    Some(status)
}
