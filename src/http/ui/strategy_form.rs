//! The strategy form of the UI: adding, editing, deleting and moving a flag's activation
//! strategies in one environment, with their parameters, constraints, segments and variants.
//! Each POST checks the same permission as the Admin API route that does the same thing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::flag_details;
use super::forms::Confirm;

use super::variants::{self, VariantEditor, VariantStep};
use super::widgets::{flag_path, plain_words, require, seg};
use super::PageUser;
use super::{error_text, message_page, redirect_with_flash, render, CsrfForm, Ctx, PageResult};
use crate::auth::permission::Scope;
use crate::domain::constraints::{MULTI_VALUE_OPERATORS, SINGLE_VALUE_OPERATORS};
use crate::domain::permissions::{
    CREATE_FEATURE_STRATEGY, DELETE_FEATURE_STRATEGY, UPDATE_FEATURE_STRATEGY,
};
use crate::error::AppError;
use crate::service::{self, features};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/new",
            get(new_strategy).post(add_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/edit",
            get(edit_strategy).post(save_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/delete",
            post(delete_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/move",
            post(move_strategy),
        )
}

struct ConstraintRow {
    index: usize,
    field: String,
    operator: String,
    multi: bool,
    values: String,
    value: String,
    inverted: bool,
    case_insensitive: bool,
}

struct StrategyForm {
    name: String,
    title: String,
    disabled: bool,
    rollout: String,
    stickiness: String,
    group_id: String,
    user_ids: String,
    ips: String,
    other: String,
    constraints: Vec<ConstraintRow>,
    segments: Vec<i64>,
    variants: VariantEditor,
    error: Option<String>,
}

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

fn param_str(params: &Value, key: &str) -> String {
    match &params[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn form_of(s: &Value) -> StrategyForm {
    let params = &s["parameters"];
    let name = s["name"].as_str().unwrap_or("flexibleRollout").to_string();
    let known: &[&str] = match name.as_str() {
        "flexibleRollout" => &["rollout", "stickiness", "groupId"],
        "userWithId" => &["userIds"],
        "remoteAddress" => &["IPs"],
        _ => &[],
    };
    let other = params
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, _)| format!("{k}={}", param_str(params, k)))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let constraints = s["constraints"]
        .as_array()
        .map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, c)| {
                    let op = c["operator"].as_str().unwrap_or("IN").to_string();
                    ConstraintRow {
                        index: i,
                        field: c["contextName"].as_str().unwrap_or_default().to_string(),
                        multi: MULTI_VALUE_OPERATORS.contains(&op.as_str()),
                        operator: op,
                        values: c["values"]
                            .as_array()
                            .map(|v| {
                                v.iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join("\n")
                            })
                            .unwrap_or_default(),
                        value: c["value"].as_str().unwrap_or_default().to_string(),
                        inverted: c["inverted"] == true,
                        case_insensitive: c["caseInsensitive"] == true,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    StrategyForm {
        title: s["title"].as_str().unwrap_or_default().to_string(),
        disabled: s["disabled"] == true,
        rollout: if name == "flexibleRollout" {
            param_str(params, "rollout")
        } else {
            "100".into()
        },
        stickiness: Some(param_str(params, "stickiness"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into()),
        group_id: param_str(params, "groupId"),
        user_ids: param_str(params, "userIds"),
        ips: param_str(params, "IPs"),
        name,
        other,
        constraints,
        segments: s["segments"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
        variants: VariantEditor::of_list(&s["variants"]),
        error: None,
    }
}

/// Reads the strategy form (repeated and indexed fields) into the form state and the
/// JSON body the strategy services take, and whether the variant rows ask to save, to
/// show the form again (a row added or removed) or to explain a mistake.
fn parse_form(pairs: &[(String, String)], flag: &str) -> (StrategyForm, Value, VariantStep) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let has = |k: &str| pairs.iter().any(|(n, _)| n == k);
    let name = get("name");
    let mut params = Map::new();
    match name.as_str() {
        "flexibleRollout" => {
            params.insert("rollout".into(), json!(get("rollout").trim()));
            params.insert("stickiness".into(), json!(get("stickiness").trim()));
            let group = get("group_id");
            let group = if group.trim().is_empty() {
                flag.to_string()
            } else {
                group.trim().to_string()
            };
            params.insert("groupId".into(), json!(group));
        }
        "userWithId" => {
            params.insert("userIds".into(), json!(list_of(&get("user_ids")).join(",")));
        }
        "remoteAddress" => {
            params.insert("IPs".into(), json!(list_of(&get("ips")).join(",")));
        }
        _ => {}
    }
    for line in get("other").lines() {
        if let Some((k, v)) = line.split_once('=') {
            if !k.trim().is_empty() {
                params.insert(k.trim().to_string(), json!(v.trim()));
            }
        }
    }
    let mut rows = Vec::new();
    let mut constraints = Vec::new();
    let mut i = 0;
    while has(&format!("c{i}_field")) {
        let field = get(&format!("c{i}_field")).trim().to_string();
        let op = get(&format!("c{i}_operator"));
        let removed = has(&format!("c{i}_remove"));
        let row = ConstraintRow {
            index: rows.len(),
            multi: MULTI_VALUE_OPERATORS.contains(&op.as_str()),
            field: field.clone(),
            operator: op.clone(),
            values: get(&format!("c{i}_values")),
            value: get(&format!("c{i}_value")),
            inverted: has(&format!("c{i}_inverted")),
            case_insensitive: has(&format!("c{i}_case_insensitive")),
        };
        i += 1;
        if removed || field.is_empty() {
            continue;
        }
        let mut c = json!({
            "contextName": row.field,
            "operator": row.operator,
            "inverted": row.inverted,
            "caseInsensitive": row.case_insensitive,
        });
        if row.multi {
            c["values"] = json!(list_of(&row.values));
        } else {
            c["value"] = json!(row.value.trim());
            c["values"] = json!([]);
        }
        constraints.push(c);
        rows.push(row);
    }
    let segments: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "segment")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let (variant_editor, step) = variants::read_editor(pairs, false);
    let variants = match &step {
        VariantStep::Save(list) => list.clone(),
        _ => json!([]),
    };
    let title = get("title");
    let body = json!({
        "name": name,
        "title": if title.trim().is_empty() { Value::Null } else { json!(title.trim()) },
        "disabled": has("disabled"),
        "parameters": Value::Object(params),
        "constraints": constraints,
        "segments": segments,
        "variants": variants,
    });
    let form = StrategyForm {
        name,
        title,
        disabled: has("disabled"),
        rollout: get("rollout"),
        stickiness: get("stickiness"),
        group_id: get("group_id"),
        user_ids: get("user_ids"),
        ips: get("ips"),
        other: get("other"),
        constraints: rows,
        segments,
        variants: variant_editor,
        error: None,
    };
    (form, body, step)
}

/// Values typed one per line or separated by commas.
fn list_of(s: &str) -> Vec<String> {
    s.split(['\n', ','])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn show_strategy_form(
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

async fn new_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
) -> PageResult {
    require(
        &page,
        CREATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "add strategies in this environment",
    )?;
    features::strategies(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    let form = form_of(
        &json!({"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "default", "groupId": flag}}),
    );
    show_strategy_form(
        &state,
        &page,
        &project,
        &flag,
        &env,
        None,
        form,
        StatusCode::OK,
    )
    .await
}

async fn add_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env)): Path<(String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        CREATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "add strategies in this environment",
    )?;
    let (mut form, body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return show_strategy_form(&state, &page, &project, &flag, &env, None, form, status).await;
    }
    match features::add_strategy(&state, &auth, &project, &flag, &env, &body).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Strategy added in {env}"),
        )),
        Err(e) => {
            let status = form_status(&e);
            form.error = Some(plain_words(&error_text(&e)));
            show_strategy_form(&state, &page, &project, &flag, &env, None, form, status).await
        }
    }
}

fn form_status(e: &AppError) -> StatusCode {
    e.status()
}

/// When the variant rows ask to show the form again (a row added or removed without
/// JavaScript, or a mistake in them), the status to show it with.
fn variant_stop(form: &mut StrategyForm, step: VariantStep) -> Option<StatusCode> {
    match step {
        VariantStep::Save(_) => None,
        VariantStep::Edit => Some(StatusCode::OK),
        VariantStep::Invalid(message) => {
            form.error = Some(message);
            Some(StatusCode::BAD_REQUEST)
        }
    }
}

async fn edit_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
) -> PageResult {
    require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "edit strategies in this environment",
    )?;
    let s = features::strategy(&state, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    show_strategy_form(
        &state,
        &page,
        &project,
        &flag,
        &env,
        Some(&id),
        form_of(&s.to_json()),
        StatusCode::OK,
    )
    .await
}

async fn save_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "edit strategies in this environment",
    )?;
    let (mut form, mut body, step) = parse_form(&pairs, &flag);
    if let Some(status) = variant_stop(&mut form, step) {
        return show_strategy_form(
            &state,
            &page,
            &project,
            &flag,
            &env,
            Some(&id),
            form,
            status,
        )
        .await;
    }
    // Saving without touching the variants keeps them exactly as stored.
    let before = features::strategy(&state, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    body["variants"] = variants::keep_if_unchanged(&before.variants, body["variants"].take());
    let change = features::StrategyChange::Update(body);
    match features::update_strategy(&state, &auth, &project, &flag, &env, &id, change).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &flag_path(&project, &flag),
            &format!("Strategy saved in {env}"),
        )),
        Err(e) => {
            let status = form_status(&e);
            form.error = Some(plain_words(&error_text(&e)));
            show_strategy_form(
                &state,
                &page,
                &project,
                &flag,
                &env,
                Some(&id),
                form,
                status,
            )
            .await
        }
    }
}

/// Deletes a strategy once confirmed; without `confirm=yes` it only asks.
async fn delete_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(input): CsrfForm<Confirm>,
) -> PageResult {
    let auth = require(
        &page,
        DELETE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "delete strategies in this environment",
    )?;
    if !input.confirmed() {
        return flag_details::strategy_confirmation(&state, &page, &project, &flag, &env, &id)
            .await;
    }
    features::delete_strategy(&state, &auth, &project, &flag, &env, &id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Strategy deleted from {env}"),
    ))
}

#[derive(serde::Deserialize)]
struct MoveInput {
    direction: String,
}

async fn move_strategy(
    State(state): State<AppState>,
    page: PageUser,
    Path((project, flag, env, id)): Path<(String, String, String, String)>,
    CsrfForm(input): CsrfForm<MoveInput>,
) -> PageResult {
    let auth = require(
        &page,
        UPDATE_FEATURE_STRATEGY,
        Scope::environment(&project, &env),
        "reorder strategies in this environment",
    )?;
    let list = features::strategies(&state, &project, &flag, &env)
        .await
        .map_err(page.fail())?;
    let mut ids: Vec<String> = list.iter().map(|s| s.id.clone()).collect();
    let Some(at) = ids.iter().position(|s| *s == id) else {
        return Ok(message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such strategy",
            "This flag has no such strategy in this environment.",
        ));
    };
    let to = match input.direction.as_str() {
        "up" if at > 0 => at - 1,
        "down" if at + 1 < ids.len() => at + 1,
        _ => at,
    };
    ids.swap(at, to);
    let entries: Vec<features::SortOrderEntry> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| features::SortOrderEntry {
            id,
            sort_order: i as i64,
        })
        .collect();
    features::set_sort_order(&state, &auth, &project, &flag, &env, &entries)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &flag_path(&project, &flag),
        &format!("Strategy order changed in {env}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_name_form_fields() {
        assert_eq!(
            plain_words("The `/body/constraints/0/value` property must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."),
            "Constraint 1 value must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."
        );
        assert_eq!(
            plain_words("`/body/variants/1/name` is required and must be a non-empty string."),
            "variant 2 name is required and must be a non-empty string."
        );
        assert_eq!(
            plain_words("Nothing to translate."),
            "Nothing to translate."
        );
    }

    #[test]
    fn list_values_split_on_lines_and_commas() {
        assert_eq!(list_of("a, b\n\nc"), vec!["a", "b", "c"]);
    }
}
