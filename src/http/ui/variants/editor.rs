//! The row editor's data: its rows as shown, the editor made from a stored list, and the
//! pieces of a stored list other pages show.

use serde_json::Value;

use crate::domain::features::weight_as_percent;
use crate::state::AppState;

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
    pub(super) fn blank(index: String) -> VariantRow {
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

    pub(super) fn is_blank(&self) -> bool {
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
    pub(super) fn new(
        rows: Vec<VariantRow>,
        stickiness: String,
        stickiness_was: String,
    ) -> VariantEditor {
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

    pub(super) fn push_blank(&mut self) {
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
