//! Variants in the UI: the row editor shared by the strategy form (strategy variants) and
//! the page of a flag's variants in one environment, and that page's handlers.
//!
//! A row has a name, a weight type (variable or fixed), a weight typed as a percentage
//! with at most one decimal (stored, as Unleash stores it, in units of 0.1 %), a payload
//! type and value. One stickiness applies to the whole list. Fixed weights are kept and
//! variable ones share the rest through the domain's [`distribute_weights`]. Without
//! JavaScript the editor offers blank rows (ignored when left empty), an **Add variant**
//! button that shows the form again with one more row and a **Remove** button per row;
//! with JavaScript both work in place.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::widgets::{flag_path, seg};
use super::{error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser};
use crate::auth::permission::Scope;
use crate::domain::features::{distribute_weights, weight_as_percent, TOTAL_VARIANT_WEIGHT};
use crate::domain::permissions::UPDATE_FEATURE_ENVIRONMENT_VARIANTS;
use crate::service::features::{self, VariantChange};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
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

// ---------------------------------------------------------------- the row editor

/// Blank rows offered below the existing ones when a form is first shown.
const BLANK_ROWS: usize = 2;

/// The payload types a row may choose; `none` stores no payload.
pub const PAYLOAD_TYPES: &[&str] = &["none", "string", "json", "csv", "number"];

/// One row of the editor, as shown (and as typed, when the form comes back).
pub struct VariantRow {
    /// The row's number in field names (`v{index}_name`); `__i__` in the script's template.
    pub index: String,
    pub name: String,
    pub fixed: bool,
    /// The weight as a percentage ("33.3").
    pub weight: String,
    pub payload_type: String,
    pub payload: String,
    /// The row's own stickiness, kept unless the list's stickiness is changed.
    pub stickiness: String,
    /// A flag variant's overrides as JSON text (kept as they are; empty when it has none).
    pub overrides: String,
    pub override_count: usize,
}

impl VariantRow {
    fn blank(index: String) -> VariantRow {
        VariantRow {
            index,
            name: String::new(),
            fixed: false,
            weight: String::new(),
            payload_type: "none".into(),
            payload: String::new(),
            stickiness: String::new(),
            overrides: String::new(),
            override_count: 0,
        }
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.payload.trim().is_empty()
    }
}

/// The data of the shared row editor (`templates/variant_rows.html`).
pub struct VariantEditor {
    pub rows: Vec<VariantRow>,
    /// The row the script copies for **Add variant**.
    pub template: VariantRow,
    /// The first free row number, for rows the script adds.
    pub next: usize,
    pub stickiness: String,
    /// The stickiness the form was shown with: rows keep their own unless it changed.
    pub stickiness_was: String,
    pub stickiness_options: Vec<String>,
    pub payload_types: &'static [&'static str],
}

impl VariantEditor {
    fn new(rows: Vec<VariantRow>, stickiness: String, stickiness_was: String) -> VariantEditor {
        let next = rows
            .iter()
            .filter_map(|r| r.index.parse::<usize>().ok())
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        VariantEditor {
            rows,
            template: VariantRow::blank("__i__".into()),
            next,
            stickiness,
            stickiness_was,
            stickiness_options: Vec::new(),
            payload_types: PAYLOAD_TYPES,
        }
    }

    fn push_blank(&mut self) {
        self.rows.push(VariantRow::blank(self.next.to_string()));
        self.next += 1;
    }

    /// The stickiness choices: `default`, `userId`, `sessionId`, `random`, then the context
    /// fields marked for stickiness, and the current value if it is none of these.
    pub fn set_stickiness_options(&mut self, fields: &[(String, bool)]) {
        let mut options: Vec<String> = ["default", "userId", "sessionId", "random"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (name, sticky) in fields {
            if *sticky && !options.contains(name) {
                options.push(name.clone());
            }
        }
        for current in [&self.stickiness, &self.stickiness_was] {
            if !current.is_empty() && !options.contains(current) {
                options.push(current.clone());
            }
        }
        self.stickiness_options = options;
    }

    /// The editor for a stored list (rows with their real weights, payloads and
    /// stickiness), followed by blank rows.
    pub fn of_list(list: &Value) -> VariantEditor {
        let rows: Vec<VariantRow> = list
            .as_array()
            .map(|l| {
                l.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let payload = &v["payload"];
                        VariantRow {
                            index: i.to_string(),
                            name: v["name"].as_str().unwrap_or_default().to_string(),
                            fixed: v["weightType"] == "fix",
                            weight: v["weight"]
                                .as_i64()
                                .map(weight_as_percent)
                                .unwrap_or_default(),
                            payload_type: payload["type"].as_str().unwrap_or("none").to_string(),
                            payload: payload["value"].as_str().unwrap_or_default().to_string(),
                            stickiness: v["stickiness"].as_str().unwrap_or_default().to_string(),
                            overrides: v.get("overrides").map(Value::to_string).unwrap_or_default(),
                            override_count: v["overrides"].as_array().map(Vec::len).unwrap_or(0),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let stickiness = rows
            .first()
            .map(|r| r.stickiness.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into());
        let mut editor = VariantEditor::new(rows, stickiness.clone(), stickiness);
        for _ in 0..BLANK_ROWS {
            editor.push_blank();
        }
        editor
    }
}

/// What a press of one of the form's buttons asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum VariantStep {
    /// Save the form: the list is valid so far (the service checks the rest).
    Save(Value),
    /// Show the form again (a row added or removed without JavaScript).
    Edit,
    /// Show the form again with this message.
    Invalid(String),
}

/// Reads the editor's fields (`v{i}_*`, `variant_stickiness`, `add_variant`,
/// `remove_variant`) into the rows to show again and the list to save.
pub fn read_editor(
    pairs: &[(String, String)],
    with_overrides: bool,
) -> (VariantEditor, VariantStep) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut indexes: Vec<usize> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix('v')?.strip_suffix("_name")?.parse().ok())
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    let removed: Option<usize> = pairs
        .iter()
        .find(|(k, _)| k == "remove_variant")
        .and_then(|(_, v)| v.parse().ok());
    let rows: Vec<VariantRow> = indexes
        .iter()
        .filter(|i| Some(**i) != removed)
        .map(|i| {
            let f = |field: &str| get(&format!("v{i}_{field}"));
            let overrides = if with_overrides {
                f("overrides")
            } else {
                String::new()
            };
            VariantRow {
                index: i.to_string(),
                name: f("name"),
                fixed: f("weight_type") == "fix",
                weight: f("weight"),
                payload_type: Some(f("payload_type"))
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "none".into()),
                payload: f("payload").replace("\r\n", "\n"),
                stickiness: f("stickiness"),
                override_count: serde_json::from_str::<Value>(&overrides)
                    .ok()
                    .and_then(|v| v.as_array().map(Vec::len))
                    .unwrap_or(0),
                overrides,
            }
        })
        .collect();
    let stickiness = Some(get("variant_stickiness"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into());
    let was = get("variant_stickiness_was");
    let mut editor = VariantEditor::new(rows, stickiness, was);
    editor.next = editor.next.max(indexes.last().map(|i| i + 1).unwrap_or(0));
    if removed.is_some() {
        return (editor, VariantStep::Edit);
    }
    if pairs.iter().any(|(k, _)| k == "add_variant") {
        editor.push_blank();
        return (editor, VariantStep::Edit);
    }
    let step = match list_of(&editor) {
        Ok(list) => VariantStep::Save(list),
        Err(message) => VariantStep::Invalid(message),
    };
    (editor, step)
}

/// A percentage with at most one decimal ("33.3", "50", "12,5 %") in units of 0.1 %.
pub fn parse_percent(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, tenth) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && tenth.is_empty())
        || whole.len() > 6
        || tenth.len() > 1
        || !digits(whole)
        || !digits(tenth)
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let tenth: i64 = if tenth.is_empty() {
        0
    } else {
        tenth.parse().ok()?
    };
    Some(whole * 10 + tenth)
}

/// The list the rows describe, with variable weights shared out; blank rows are skipped.
fn list_of(editor: &VariantEditor) -> Result<Value, String> {
    let change_all = editor.stickiness != editor.stickiness_was;
    let mut list = Vec::new();
    for (n, row) in editor.rows.iter().enumerate() {
        if row.is_blank() {
            continue;
        }
        let name = row.name.trim();
        if name.is_empty() {
            return Err(format!(
                "Variant row {} has a payload but no name; give it a name or clear the row.",
                n + 1
            ));
        }
        let weight = if row.fixed {
            match parse_percent(&row.weight) {
                Some(w) if w <= TOTAL_VARIANT_WEIGHT => w,
                _ => {
                    return Err(format!(
                        "The weight of the variant \"{name}\" must be a percentage from 0 to 100 with at most one decimal, such as 33.3; you wrote \"{}\".",
                        row.weight.trim()
                    ))
                }
            }
        } else {
            0
        };
        let stickiness = if change_all || row.stickiness.trim().is_empty() {
            editor.stickiness.clone()
        } else {
            row.stickiness.trim().to_string()
        };
        let mut v = json!({
            "name": name,
            "weight": weight,
            "weightType": if row.fixed { "fix" } else { "variable" },
            "stickiness": stickiness,
        });
        match row.payload_type.as_str() {
            "none" if row.payload.is_empty() => {}
            "none" => {
                return Err(format!(
                    "The variant \"{name}\" has a payload value but no payload type; choose one or clear the value."
                ))
            }
            t => {
                if t == "json" && serde_json::from_str::<Value>(&row.payload).is_err() {
                    return Err(format!(
                        "The json payload of the variant \"{name}\" is not valid JSON."
                    ));
                }
                v["payload"] = json!({"type": t, "value": row.payload});
            }
        }
        if !row.overrides.trim().is_empty() {
            match serde_json::from_str::<Value>(&row.overrides) {
                Ok(o) => v["overrides"] = o,
                Err(_) => {
                    return Err(format!(
                    "The overrides of the variant \"{name}\" could not be read; reload the page."
                ))
                }
            }
        }
        list.push(v);
    }
    let mut list = Value::Array(list);
    distribute_weights(&mut list, "/body/variants").map_err(|e| error_text(&e))?;
    Ok(list)
}

/// Keeps the stored list when the form sent it back unchanged, so that saving without
/// changes changes nothing, even for a list whose variable weights were set through the
/// Admin API (which keeps weights as sent) rather than shared out evenly.
pub fn keep_if_unchanged(before: &Value, after: Value) -> Value {
    let mask = |list: &Value| -> Value {
        let mut list = list.clone();
        for v in list.as_array_mut().into_iter().flatten() {
            if v["weightType"] != "fix" {
                v["weight"] = Value::Null;
            }
        }
        list
    };
    if before.is_array() && mask(before) == mask(&after) {
        before.clone()
    } else {
        after
    }
}

/// A variant as a chip ("blue 50 %").
pub fn chip(v: &Value) -> Option<(String, String)> {
    let name = v["name"].as_str()?.to_string();
    let weight = v["weight"]
        .as_i64()
        .map(weight_as_percent)
        .unwrap_or_default();
    Some((name, format!("{weight} %")))
}

/// The context fields as (name, may be used for stickiness).
pub async fn context_stickiness(state: &AppState) -> crate::error::AppResult<Vec<(String, bool)>> {
    Ok(crate::service::context::list(state)
        .await?
        .into_iter()
        .map(|(c, _)| (c.name, c.stickiness))
        .collect())
}

// ---------------------------------------------------------------- a flag's variants in one environment

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

async fn show_page(
    state: &AppState,
    page: &PageUser,
    (project, flag, env): (&str, &str, &str),
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
        detail["environments"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|e| e["name"].as_str())
                    .filter(|n| *n != env && can_edit_in(page, project, n))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
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
    let shown = Shown {
        editor: None,
        error: None,
        copy_error: None,
    };
    show_page(
        &state,
        &page,
        (&project, &flag, &env),
        shown,
        StatusCode::OK,
    )
    .await
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
    let auth = page
        .principal
        .require(
            &[UPDATE_FEATURE_ENVIRONMENT_VARIANTS],
            Scope::environment(&project, &env),
        )
        .map_err(|_| {
            super::refusal(
                &page.ctx("Not allowed", "projects"),
                "Your role does not allow changing this flag's variants in this environment.",
            )
        })?;
    let (editor, step) = read_editor(&pairs, true);
    let list = match step {
        VariantStep::Save(list) => list,
        VariantStep::Edit => {
            let shown = Shown {
                editor: Some(editor),
                error: None,
                copy_error: None,
            };
            return show_page(
                &state,
                &page,
                (&project, &flag, &env),
                shown,
                StatusCode::OK,
            )
            .await;
        }
        VariantStep::Invalid(message) => {
            let shown = Shown {
                editor: Some(editor),
                error: Some(message),
                copy_error: None,
            };
            return show_page(
                &state,
                &page,
                (&project, &flag, &env),
                shown,
                StatusCode::BAD_REQUEST,
            )
            .await;
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
            let status = e.status();
            let shown = Shown {
                editor: Some(editor),
                error: Some(super::widgets::plain_words(&error_text(&e))),
                copy_error: None,
            };
            show_page(&state, &page, (&project, &flag, &env), shown, status).await
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
        let shown = Shown {
            editor: None,
            error: None,
            copy_error: Some("Choose at least one environment to copy the variants to.".into()),
        };
        return show_page(
            &state,
            &page,
            (&project, &flag, &env),
            shown,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let mut proofs = Vec::new();
    for target in &targets {
        let auth = page
            .principal
            .require(
                &[UPDATE_FEATURE_ENVIRONMENT_VARIANTS],
                Scope::environment(&project, target),
            )
            .map_err(|_| {
                super::refusal(
                    &page.ctx("Not allowed", "projects"),
                    &format!("Your role does not allow changing this flag's variants in {target}."),
                )
            })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn percentages_with_one_decimal() {
        assert_eq!(parse_percent("33.3"), Some(333));
        assert_eq!(parse_percent("50"), Some(500));
        assert_eq!(parse_percent(" 12,5 % "), Some(125));
        assert_eq!(parse_percent(".5"), Some(5));
        assert_eq!(parse_percent("33.33"), None);
        assert_eq!(parse_percent("-1"), None);
        assert_eq!(parse_percent(""), None);
        assert_eq!(parse_percent("abc"), None);
    }

    #[test]
    fn rows_become_a_list_with_shared_weights() {
        let (_, step) = read_editor(
            &pairs(&[
                ("variant_stickiness", "userId"),
                ("variant_stickiness_was", "default"),
                ("v0_name", "a"),
                ("v0_weight_type", "fix"),
                ("v0_weight", "20"),
                ("v0_payload_type", "json"),
                ("v0_payload", "{\"x\": 1}"),
                ("v1_name", "b"),
                ("v1_weight_type", "variable"),
                ("v1_payload_type", "none"),
                ("v3_name", ""),
                ("v3_payload", ""),
                ("v4_name", "c"),
                ("v4_weight_type", "variable"),
            ]),
            false,
        );
        let VariantStep::Save(list) = step else {
            panic!("expected a list, got {step:?}");
        };
        assert_eq!(list.as_array().unwrap().len(), 3);
        assert_eq!(list[0]["weight"], 200);
        assert_eq!(list[0]["weightType"], "fix");
        assert_eq!(
            list[0]["payload"],
            json!({"type": "json", "value": "{\"x\": 1}"})
        );
        assert_eq!(list[1]["weight"], 400);
        assert_eq!(list[2]["weight"], 400);
        assert_eq!(list[2]["stickiness"], "userId");
    }

    #[test]
    fn buttons_and_mistakes() {
        let (editor, step) = read_editor(
            &pairs(&[("v0_name", "a"), ("v1_name", "b"), ("add_variant", "1")]),
            false,
        );
        assert_eq!(step, VariantStep::Edit);
        assert_eq!(editor.rows.len(), 3);
        let (editor, step) = read_editor(
            &pairs(&[("v0_name", "a"), ("v1_name", "b"), ("remove_variant", "0")]),
            false,
        );
        assert_eq!(step, VariantStep::Edit);
        assert_eq!(editor.rows.len(), 1);
        assert_eq!(editor.rows[0].name, "b");
        let (_, step) = read_editor(
            &pairs(&[
                ("v0_name", "a"),
                ("v0_weight_type", "fix"),
                ("v0_weight", "1.25"),
            ]),
            false,
        );
        assert!(matches!(step, VariantStep::Invalid(m) if m.contains("at most one decimal")));
        let (_, step) = read_editor(
            &pairs(&[
                ("v0_name", "a"),
                ("v0_payload_type", "json"),
                ("v0_payload", "{nope"),
            ]),
            false,
        );
        assert!(matches!(step, VariantStep::Invalid(m) if m.contains("not valid JSON")));
    }

    #[test]
    fn an_unchanged_list_is_kept_as_stored() {
        let stored = json!([
            {"name": "a", "weight": 300, "weightType": "variable", "stickiness": "default"},
            {"name": "b", "weight": 700, "weightType": "variable", "stickiness": "default"},
        ]);
        let sent = json!([
            {"name": "a", "weight": 500, "weightType": "variable", "stickiness": "default"},
            {"name": "b", "weight": 500, "weightType": "variable", "stickiness": "default"},
        ]);
        assert_eq!(keep_if_unchanged(&stored, sent.clone()), stored);
        let mut renamed = sent.clone();
        renamed[1]["name"] = json!("c");
        assert_eq!(keep_if_unchanged(&stored, renamed.clone()), renamed);
    }
}
