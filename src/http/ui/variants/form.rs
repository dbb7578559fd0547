//! Reading a submitted row editor: the buttons it was sent with, and the list its rows
//! describe, checked as far as the form can check it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::editor::{VariantEditor, VariantRow};
use crate::domain::features::{distribute_weights, TOTAL_VARIANT_WEIGHT};
use crate::http::ui::error_text;
use crate::http::ui::forms::field;

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

impl VariantStep {
    /// The list to save, or how to show the form again: the status of the page and the
    /// message to show on it, if any.
    pub fn into_list(self) -> Result<Value, (StatusCode, Option<String>)> {
        match self {
            VariantStep::Save(list) => Ok(list),
            VariantStep::Edit => Err((StatusCode::OK, None)),
            VariantStep::Invalid(message) => Err((StatusCode::BAD_REQUEST, Some(message))),
        }
    }
}

/// Reads the editor's fields (`v{i}_*`, `variant_stickiness`, `add_variant`,
/// `remove_variant`) into the rows to show again and the list to save.
pub fn read_editor(
    pairs: &[(String, String)],
    with_overrides: bool,
) -> (VariantEditor, VariantStep) {
    let get = |k: &str| field(pairs, k);
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
