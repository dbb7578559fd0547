//! The strategy form's state: what a stored strategy shows in the form, and how a posted
//! form (repeated and indexed fields) becomes the JSON body the strategy services take.

use serde_json::{json, Map, Value};

use crate::domain::constraints::MULTI_VALUE_OPERATORS;
use crate::http::ui::variants::{self, VariantEditor, VariantStep};

pub(super) struct ConstraintRow {
    pub(super) index: usize,
    pub(super) field: String,
    pub(super) operator: String,
    pub(super) multi: bool,
    pub(super) values: String,
    pub(super) value: String,
    pub(super) inverted: bool,
    pub(super) case_insensitive: bool,
}

pub(super) struct StrategyForm {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) disabled: bool,
    pub(super) rollout: String,
    pub(super) stickiness: String,
    pub(super) group_id: String,
    pub(super) user_ids: String,
    pub(super) ips: String,
    pub(super) other: String,
    pub(super) constraints: Vec<ConstraintRow>,
    pub(super) segments: Vec<i64>,
    pub(super) variants: VariantEditor,
    pub(super) error: Option<String>,
}

fn param_str(params: &Value, key: &str) -> String {
    match &params[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

pub(super) fn form_of(s: &Value) -> StrategyForm {
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
pub(super) fn parse_form(
    pairs: &[(String, String)],
    flag: &str,
) -> (StrategyForm, Value, VariantStep) {
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

#[cfg(test)]
mod tests {
    use super::list_of;

    #[test]
    fn list_values_split_on_lines_and_commas() {
        assert_eq!(list_of("a, b\n\nc"), vec!["a", "b", "c"]);
    }
}
