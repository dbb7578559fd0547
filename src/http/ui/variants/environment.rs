//! The page of a flag's variants in one environment: show, save, copy to other
//! environments.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::editor::{context_stickiness, VariantEditor};
use super::form::{keep_if_unchanged, read_editor};
use crate::auth::permission::Scope;
use crate::domain::features::weight_as_percent;
use crate::domain::permissions::UPDATE_FEATURE_ENVIRONMENT_VARIANTS;
use crate::http::ui::widgets::{flag_path, form_error_text, require, seg};
use crate::http::ui::{redirect_with_flash, render, CsrfForm, Ctx};
use crate::http::ui::{PageResult, PageUser};
use crate::service::features::{self, VariantChange};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/variants",
            get(variants_page).post(save_variants),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/variants/copy",
            post(copy_variants),
        )
}

struct VariantView {
    name: String,
    weight: String,
    fixed: bool,
    payload_type: String,
    payload: String,
    stickiness: String,
    overrides: usize,
}

#[derive(Template)]
#[template(path = "variants.html")]
struct VariantsPage {
    ctx: Ctx,
    project: String,
    project_link: String,
    flag: String,
    path: String,
    env: String,
    env_link: String,
    list: Vec<VariantView>,
    can_edit: bool,
    reason: String,
    editor: VariantEditor,
    error: Option<String>,
    copy_targets: Vec<String>,
    copy_error: Option<String>,
}

fn views(list: &Value) -> Vec<VariantView> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|v| VariantView {
                    name: v["name"].as_str().unwrap_or_default().to_string(),
                    weight: v["weight"]
                        .as_i64()
                        .map(weight_as_percent)
                        .unwrap_or_default(),
                    fixed: v["weightType"] == "fix",
                    payload_type: v["payload"]["type"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    payload: v["payload"]["value"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    stickiness: v["stickiness"].as_str().unwrap_or_default().to_string(),
                    overrides: v["overrides"].as_array().map(Vec::len).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn can_edit_in(page: &PageUser, project: &str, env: &str) -> bool {
    page.principal.can(
        &[UPDATE_FEATURE_ENVIRONMENT_VARIANTS],
        Scope::environment(project, env),
    )
}

const READ_ONLY_REASON: &str =
    "Your role does not allow changing this flag's variants in this environment, so they are shown read-only.";

/// What a re-shown page keeps: the editor as typed and a message.
struct Shown {
    editor: Option<VariantEditor>,
    error: Option<String>,
    copy_error: Option<String>,
}

impl Shown {
    /// The variants as stored.
    fn stored() -> Shown {
        Shown {
            editor: None,
            error: None,
            copy_error: None,
        }
    }

    /// The editor as it was sent, with the reason it was not saved when there is one.
    fn typed(editor: VariantEditor, error: Option<String>) -> Shown {
        Shown {
            editor: Some(editor),
            error,
            copy_error: None,
        }
    }

    /// The variants as stored, with the reason they were not copied.
    fn copy_refused(message: &str) -> Shown {
        Shown {
            copy_error: Some(message.to_string()),
            ..Shown::stored()
        }
    }
}

/// The page's flag and environment: project, flag and environment names.
type At<'a> = (&'a str, &'a str, &'a str);

async fn show_page(
    state: &AppState,
    page: &PageUser,
    (project, flag, env): At<'_>,
    shown: Shown,
    status: StatusCode,
) -> PageResult {
    let stored = features::env_variants(state, project, flag, env)
        .await
        .map_err(page.fail())?;
    let detail = features::detail(state, project, flag)
        .await
        .map_err(page.fail())?;
    let fields = context_stickiness(state).await.map_err(page.fail())?;
    let can_edit = can_edit_in(page, project, env);
    let copy_targets = if can_edit {
        detail
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| *n != env && can_edit_in(page, project, n))
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let mut editor = shown
        .editor
        .unwrap_or_else(|| VariantEditor::of_list(&stored));
    editor.set_stickiness_options(&fields);
    let ctx = page.ctx(format!("Variants · {flag} · {env}"), "projects");
    Ok(render(
        &ctx,
        status,
        &VariantsPage {
            ctx: ctx.clone(),
            project: project.to_string(),
            project_link: seg(project),
            flag: flag.to_string(),
            path: flag_path(project, flag),
            env: env.to_string(),
            env_link: seg(env),
            list: views(&stored),
            can_edit,
            reason: READ_ONLY_REASON.into(),
            editor,
            error: shown.error,
            copy_targets,
            copy_error: shown.copy_error,
        },
    ))
}

async fn variants_page(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
) -> PageResult {
    let at = (project.as_str(), flag.as_str(), env.as_str());
    show_page(&state, &page, at, Shown::stored(), StatusCode::OK).await
}

fn variants_path(project: &str, flag: &str, env: &str) -> String {
    format!(
        "{}/environments/{}/variants",
        flag_path(project, flag),
        seg(env)
    )
}

async fn save_variants(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_ENVIRONMENT_VARIANTS,
        Scope::environment(&project, &env),
        "Your role does not allow changing this flag's variants in this environment.",
    )?;
    let at = (project.as_str(), flag.as_str(), env.as_str());
    let (editor, step) = read_editor(&pairs, true);
    let list = match step.into_list() {
        Ok(list) => list,
        Err((status, error)) => {
            return show_page(&state, &page, at, Shown::typed(editor, error), status).await
        }
    };
    let before = features::env_variants(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    let list = keep_if_unchanged(&before, list);
    let change = VariantChange::Replace(list);
    match features::set_env_variants(&state, &auth, &project, &flag, &env, change).await {
        Ok(saved) => {
            let n = saved.as_array().map(Vec::len).unwrap_or(0);
            let noun = if n == 1 { "variant" } else { "variants" };
            Ok(redirect_with_flash(
                &state,
                &variants_path(&project, &flag, &env),
                &format!("Variants saved in {env} ({n} {noun})"),
            ))
        }
        Err(e) => {
            let shown = Shown::typed(editor, Some(form_error_text(&e)));
            show_page(&state, &page, at, shown, e.status()).await
        }
    }
}

async fn copy_variants(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let targets: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "target")
        .map(|(_, v)| v.clone())
        .filter(|t| *t != env)
        .collect();
    if targets.is_empty() {
        let at = (project.as_str(), flag.as_str(), env.as_str());
        let shown = Shown::copy_refused("Choose at least one environment to copy the variants to.");
        return show_page(&state, &page, at, shown, StatusCode::BAD_REQUEST).await;
    }
    let mut proofs = Vec::new();
    for target in &targets {
        let auth = require(
            &page,
            UPDATE_FEATURE_ENVIRONMENT_VARIANTS,
            Scope::environment(&project, target),
            &format!("Your role does not allow changing this flag's variants in {target}."),
        )?;
        proofs.push(auth);
    }
    let list = features::env_variants(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    for (target, auth) in targets.iter().zip(&proofs) {
        let change = VariantChange::Replace(list.clone());
        features::set_env_variants(&state, auth, &project, &flag, target, change)
            .await
            .map_err(page.fail())?;
    }
    Ok(redirect_with_flash(
        &state,
        &variants_path(&project, &flag, &env),
        &format!("Variants copied to {}", targets.join(", ")),
    ))
}
