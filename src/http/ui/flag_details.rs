//! A flag's details and the destructive actions around it, in the UI:
//!
//! - **Edit flag** (`/projects/{p}/features/{f}/edit`): type, description, stale and
//!   impression data, saved through the same service as
//!   `PUT /api/admin/projects/{p}/features/{f}` (which records the metadata event, and the
//!   stale on/off events as `POST /api/admin/projects/{p}/stale` does).
//! - **The archive** (`/archive`): archived flags with a search by name, **Revive** and
//!   **Delete** (for good, as `DELETE /api/admin/archive/{flag}`).
//! - **Confirmation pages** for archiving a flag, deleting a strategy and deleting an
//!   archived flag.
//!
//! Destructive actions work without JavaScript: their buttons post to the action, and the
//! server acts only when the post carries `confirm=yes`. A post without it, or a GET of the
//! action's address, shows a confirmation page whose form posts `confirm=yes`. With
//! JavaScript on, the page's `data-confirm` dialog adds `confirm=yes`, so one click and the
//! browser's confirmation are enough.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::forms::{Confirm, ConfirmPage};
use super::widgets::{flag_path, require, seg, NO_PERMISSION};
use super::{
    error_text, redirect_with_flash, render, CsrfForm, Ctx, PageError, PageResult, PageUser,
};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::{DELETE_FEATURE, DELETE_FEATURE_STRATEGY, UPDATE_FEATURE};
use crate::error::AppError;
use crate::service::feature_types::FeatureType;
use crate::service::features::{self, UpdateFeature};
use crate::state::AppState;
use crate::store::features::FeatureFilter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project}/features/{flag}/edit",
            get(edit_form).post(save),
        )
        // The POSTs of the next two addresses are `flags::archive_flag` and
        // `flags::delete_strategy`; they ask with the same pages as these GETs.
        .route(
            "/projects/{project}/features/{flag}/archive",
            get(confirm_archive),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/delete",
            get(confirm_delete_strategy),
        )
        .route("/archive", get(archive_page))
        .route(
            "/archive/{flag}/delete",
            get(confirm_delete_flag).post(delete_flag),
        )
}

// ---------------------------------------------------------------- confirmations

/// The page that asks before a flag is archived.
pub(super) async fn archive_confirmation(
    state: &AppState,
    page: &PageUser,
    project: &str,
    flag: &str,
) -> PageResult {
    features::detail(state, project, flag)
        .await
        .map_err(page.fail())?;
    let path = flag_path(project, flag);
    Ok(ConfirmPage {
        ctx: page.ctx("Archive flag?", "projects"),
        heading: "Archive flag?",
        before: "The flag ",
        subject: flag.to_string(),
        after: " will be archived: SDKs will no longer see it. You can revive it from the archive."
            .into(),
        action: format!("{path}/archive"),
        button: "Archive flag",
        button_id: "confirm-archive",
        cancel: path,
    }
    .show())
}

async fn confirm_archive(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag)): Path<(String, String)>,
) -> PageResult {
    require(
        &page,
        DELETE_FEATURE,
        Scope::project(&project),
        "archive flags here",
    )?;
    archive_confirmation(&state, &page, &project, &flag).await
}

/// The page that asks before a strategy is deleted.
pub(super) async fn strategy_confirmation(
    state: &AppState,
    page: &PageUser,
    project: &str,
    flag: &str,
    env: &str,
    id: &str,
) -> PageResult {
    let strategy = features::strategy(state, project, flag, env, id)
        .await
        .map_err(page.fail())?
        .to_json();
    let title = strategy["title"].as_str().unwrap_or_default();
    let name = if title.trim().is_empty() {
        strategy["name"].as_str().unwrap_or_default()
    } else {
        title
    };
    let path = flag_path(project, flag);
    Ok(ConfirmPage {
        ctx: page.ctx("Delete strategy?", "projects"),
        heading: "Delete strategy?",
        before: "The strategy ",
        subject: name.to_string(),
        after: format!(
            " will be removed from the environment {env} of the flag {flag}. You cannot undo this action."
        ),
        action: format!(
            "{path}/environments/{}/strategies/{}/delete",
            seg(env),
            seg(id)
        ),
        button: "Delete strategy",
        button_id: "confirm-delete-strategy",
        cancel: path,
    }
    .show())
}

async fn confirm_delete_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
) -> PageResult {
    require(
        &page,
        DELETE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "delete strategies in this environment",
    )?;
    strategy_confirmation(&state, &page, &project, &flag, &env, &id).await
}

/// The project of an archived flag and the proof that the user may delete flags there.
async fn archived_flag_project(
    state: &AppState,
    page: &PageUser,
    flag: &str,
) -> Result<(String, Authorized), PageError> {
    let f = features::get_archived(state, flag)
        .await
        .map_err(page.fail())?;
    let auth = require(
        page,
        DELETE_FEATURE,
        Scope::project(&f.project),
        "delete flags of this project",
    )?;
    Ok((f.project, auth))
}

fn delete_flag_confirmation(page: &PageUser, project: &str, flag: &str) -> Response {
    ConfirmPage {
        ctx: page.ctx("Delete flag?", "archive"),
        heading: "Delete flag?",
        before: "The archived flag ",
        subject: flag.to_string(),
        after: format!(
            " of the project {project} will be deleted permanently, with its strategies and settings. You cannot undo this action."
        ),
        action: format!("/archive/{}/delete", seg(flag)),
        button: "Delete flag",
        button_id: "confirm-delete-flag",
        cancel: "/archive".into(),
    }
    .show()
}

async fn confirm_delete_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
) -> PageResult {
    let (project, _) = archived_flag_project(&state, &page, &flag).await?;
    Ok(delete_flag_confirmation(&page, &project, &flag))
}

/// Deletes an archived flag for good once confirmed; without `confirm=yes` it only asks.
async fn delete_flag(
    State(state): State<AppState>,
    page: PageUser,
    Path(flag): Path<String>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let (project, auth) = archived_flag_project(&state, &page, &flag).await?;
    if !input.confirmed() {
        return Ok(delete_flag_confirmation(&page, &project, &flag));
    }
    features::delete(&state, &auth, &flag)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        "/archive",
        &format!("Flag \"{flag}\" deleted"),
    ))
}

// ---------------------------------------------------------------- edit a flag

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

async fn edit_form(
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
struct EditInput {
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

async fn save(
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

// ---------------------------------------------------------------- the archive

struct ArchivedRow {
    name: String,
    link: String,
    project: String,
    project_link: String,
    archived: String,
    can_revive: bool,
    can_delete: bool,
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    ctx: Ctx,
    rows: Vec<ArchivedRow>,
    query: String,
    reason: &'static str,
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn archive_page(
    State(state): State<AppState>,
    page: PageUser,
    Query(search): Query<SearchQuery>,
) -> PageResult {
    let query = search.q.trim().to_string();
    let filter = FeatureFilter {
        archived: true,
        query: Some(query.clone()).filter(|q| !q.is_empty()),
        ..FeatureFilter::default()
    };
    let list = features::list_short(&state, &filter)
        .await
        .map_err(page.fail())?;
    let p = &page.principal;
    let rows = list
        .iter()
        .map(|f| {
            let name = f.name.clone();
            let project = f.project.clone();
            let scope = Scope::project(&project);
            ArchivedRow {
                link: seg(&name),
                archived: f
                    .archived_at
                    .as_deref()
                    .map(|s| s.chars().take(10).collect())
                    .unwrap_or_default(),
                can_revive: p.can(&[UPDATE_FEATURE], scope),
                can_delete: p.can(&[DELETE_FEATURE], scope),
                project_link: seg(&project),
                name,
                project,
            }
        })
        .collect();
    let ctx = page.ctx("Archive", "archive");
    Ok(render(
        &ctx,
        StatusCode::OK,
        &ArchivePage {
            ctx: ctx.clone(),
            rows,
            query,
            reason: NO_PERMISSION,
        },
    ))
}
