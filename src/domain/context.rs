//! Context fields: the names constraints can test (built-in ones such as `userId`, and
//! custom ones), optionally with a list of legal values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::strategies::is_url_friendly;
use crate::error::{AppError, AppResult};

pub const CONTEXT_FIELD_CREATED: &str = "context-field-created";
pub const CONTEXT_FIELD_UPDATED: &str = "context-field-updated";
pub const CONTEXT_FIELD_DELETED: &str = "context-field-deleted";

/// The fields every Unleash SDK fills in itself; they always exist.
pub const BUILT_IN_FIELDS: &[&str] = &[
    "environment",
    "userId",
    "appName",
    "currentTime",
    "sessionId",
    "remoteAddress",
];

pub fn is_built_in(name: &str) -> bool {
    BUILT_IN_FIELDS.contains(&name)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ContextField {
    pub name: String,
    pub description: Option<String>,
    pub stickiness: bool,
    pub sort_order: i64,
    pub legal_values: Vec<LegalValue>,
    pub project: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How many flags and projects use a field in their constraints.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub features: i64,
    pub projects: i64,
}

impl ContextField {
    /// What audit events record.
    pub fn event_data(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "stickiness": self.stickiness,
            "sortOrder": self.sort_order,
            "legalValues": self.legal_values,
            "project": self.project,
        })
    }
}

/// A create or update request (`createContextFieldSchema` / `updateContextFieldSchema`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextFieldInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub stickiness: Option<bool>,
    pub sort_order: Option<i64>,
    pub legal_values: Option<Vec<LegalValueInput>>,
    pub project: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LegalValueInput {
    pub value: Option<String>,
    pub description: Option<String>,
}

/// Checks a context field name: present, at most 100 URL-friendly characters.
pub fn validate_name(name: Option<&str>, path: &str) -> AppResult<String> {
    let name = name.unwrap_or("").trim();
    if name.is_empty() {
        return Err(AppError::bad_field(
            path,
            format!("The `{path}` property is required and must not be empty."),
        ));
    }
    if name.chars().count() > 100 {
        return Err(AppError::bad_field(
            path,
            format!("The `{path}` property must be at most 100 characters long."),
        ));
    }
    if !is_url_friendly(name) {
        return Err(AppError::bad_field(
            path,
            format!("The `{path}` property must be URL-friendly (letters, digits and - _ . ! ~ * ' ( ) only). You sent \"{name}\"."),
        ));
    }
    Ok(name.to_string())
}

/// Checks one legal value; `path` points at it.
pub fn validate_legal_value(v: LegalValueInput, path: &str) -> AppResult<LegalValue> {
    let value = v.value.unwrap_or_default();
    if value.trim().is_empty() {
        let p = format!("{path}/value");
        return Err(AppError::bad_field(
            &p,
            format!("The `{p}` property is required and must not be empty."),
        ));
    }
    if value.chars().count() > 100 {
        let p = format!("{path}/value");
        return Err(AppError::bad_field(
            &p,
            format!(
                "The `{p}` property must be at most 100 characters long. You sent \"{value}\"."
            ),
        ));
    }
    Ok(LegalValue {
        value,
        description: v.description.filter(|d| !d.is_empty()),
    })
}

/// Checks a list of legal values: each valid, no value twice.
pub fn validate_legal_values(values: Vec<LegalValueInput>) -> AppResult<Vec<LegalValue>> {
    let mut out: Vec<LegalValue> = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let path = format!("/body/legalValues/{i}");
        let v = validate_legal_value(v, &path)?;
        if out.iter().any(|o| o.value == v.value) {
            let p = format!("{path}/value");
            return Err(AppError::bad_field(
                &p,
                format!(
                    "The `{p}` property must be unique: \"{}\" appears twice.",
                    v.value
                ),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(v: &str) -> LegalValueInput {
        LegalValueInput {
            value: Some(v.into()),
            description: None,
        }
    }

    #[test]
    fn legal_values_are_unique_and_non_empty() {
        assert_eq!(
            validate_legal_values(vec![lv("a"), lv("b")])
                .expect("ok")
                .len(),
            2
        );
        assert!(validate_legal_values(vec![lv("a"), lv("a")]).is_err());
        assert!(validate_legal_values(vec![lv("")]).is_err());
    }

    #[test]
    fn names_are_url_friendly() {
        assert!(validate_name(Some("tenant"), "/body/name").is_ok());
        assert!(validate_name(Some("a b"), "/body/name").is_err());
        assert!(validate_name(None, "/body/name").is_err());
    }
}
