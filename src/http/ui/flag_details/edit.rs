//! The flag's edit form: type, description, stale and impression data.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::permission::Scope;
use crate::domain::permissions::UPDATE_FEATURE;
use crate::error::AppError;
use crate::http::ui::widgets::{flag_path, require, seg};
use crate::http::ui::{
    error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::service::feature_types::FeatureType;
use crate::service::features::{self, UpdateFeature};
use crate::state::AppState;

struct EditForm {
    kind: String,
    description: String,
    stale: bool,
    impression_data: bool,
    /// A message about the type, shown beside the type field.
    type_error: Option<String>,
    /// Any other message, shown above the form.
    error: Option<String>,
}

/// One choice of the type field: id, name, description and expected lifetime.
struct TypeChoice {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    lifetime: String,
}

#[derive(Template)]
#[template(path = "flag_edit.html")]
struct EditPage {
    ctx: Ctx,
    project: String,
    project_link: String,
    path: String,
    name: String,
    types: Vec<TypeChoice>,
    form: EditForm,
}

fn type_choices(types: Vec<FeatureType>) -> Vec<TypeChoice> {
    types
        .into_iter()
        .map(|t| TypeChoice {
            id: t.id,
            name: t.name,
            description: t.description,
            lifetime: match t.lifetime_days {
                Some(d) => format!("expected lifetime {d} days"),
                None => "permanent".into(),
            },
        })
        .collect()
}

fn show_edit(
    types: Vec<FeatureType>,
    page: &PageUser,
    project: &str,
    flag: &str,
    form: EditForm,
    status: StatusCode,
) -> Response {
    let ctx = page.ctx(format!("Edit {flag}"), "projects");
    render(
        &ctx,
        status,
        &EditPage {
            ctx: ctx.clone(),
            project: project.to_string(),
            project_link: seg(project),
            path: flag_path(project, flag),
            name: flag.to_string(),
            types: type_choices(types),
            form,
        },
    )
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
) -> PageResult {
    require(
        &page,
        UPDATE_FEATURE,
        Scope::project(&project),
        "edit flags here",
    )?;
    let detail = features::detail(&state, &project, &flag)
        .await
        .map_err(page.fail())?;
    let form = EditForm {
        kind: detail.flag_type,
        description: detail.description.unwrap_or_default(),
        stale: detail.stale,
        impression_data: detail.impression_data,
        type_error: None,
        error: None,
    };
    let types = crate::service::feature_types::list(&state)
        .await
        .map_err(page.fail())?;
    Ok(show_edit(
        types,
        &page,
        &project,
        &flag,
        form,
        StatusCode::OK,
    ))
}

#[derive(serde::Deserialize)]
pub(super) struct EditInput {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    stale: Option<String>,
    #[serde(default)]
    impression_data: Option<String>,
}

/// True when a validation error is about the given field of the request body.
fn is_about(e: &AppError, pointer: &str) -> bool {
    matches!(e, AppError::BadData { details, .. }
        if details.iter().any(|d| d.path.as_deref() == Some(pointer)))
}

pub(super) async fn save(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
    CsrfForm(input): CsrfForm<EditInput>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE,
        Scope::project(&project),
        "edit flags here",
    )?;
    let description = if input.description.trim().is_empty() {
        None
    } else {
        Some(input.description.clone())
    };
    let change = UpdateFeature {
        feature_type: Some(input.kind.clone()),
        description: Some(description),
        stale: Some(input.stale.is_some()),
        impression_data: Some(input.impression_data.is_some()),
        ..UpdateFeature::default()
    };
    match features::update(&state, &auth, &project, &flag, change).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Flag \"{flag}\" saved"),
        )),
        Err(e @ AppError::NotFound(_)) => Err(page.fail()(e)),
        Err(e) => {
            let message = error_text(&e);
            let about_type = is_about(&e, "/body/type");
            let form = EditForm {
                kind: input.kind,
                description: input.description,
                stale: input.stale.is_some(),
                impression_data: input.impression_data.is_some(),
                type_error: about_type.then(|| message.clone()),
                error: (!about_type).then_some(message),
            };
            let types = crate::service::feature_types::list(&state)
                .await
                .map_err(page.fail())?;
            Ok(show_edit(types, &page, &project, &flag, form, e.status()))
        }
    }
}
