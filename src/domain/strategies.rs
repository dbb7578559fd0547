//! Strategy definitions: the named activation strategies flags may use, with the parameters
//! each one takes. Built-in ones come with the server and cannot be changed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};

pub const STRATEGY_CREATED: &str = "strategy-created";
pub const STRATEGY_UPDATED: &str = "strategy-updated";
pub const STRATEGY_DELETED: &str = "strategy-deleted";
pub const STRATEGY_DEPRECATED: &str = "strategy-deprecated";
pub const STRATEGY_REACTIVATED: &str = "strategy-reactivated";

/// Parameter types the Admin UI and SDKs understand.
pub const PARAMETER_TYPES: &[&str] = &["string", "percentage", "list", "number", "boolean"];

/// One parameter a strategy takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyParameter {
    pub name: String,
    #[serde(rename = "type")]
    pub param_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
}

/// A stored strategy definition.
#[derive(Debug, Clone)]
pub struct StrategyDefinition {
    pub name: String,
    pub title: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<StrategyParameter>,
    pub built_in: bool,
    pub deprecated: bool,
    pub sort_order: i64,
    pub created_at: DateTime<Utc>,
}

impl StrategyDefinition {
    /// What audit events record about a strategy.
    pub fn event_data(&self) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": self.parameters,
            "deprecated": self.deprecated,
        })
    }
}

/// Input for creating a strategy (Unleash's `createStrategySchema`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub parameters: Option<Vec<ParameterInput>>,
}

/// A parameter as sent by a client; checked by [`validate_parameters`].
#[derive(Debug, Clone, Deserialize)]
pub struct ParameterInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub param_type: Option<String>,
    pub description: Option<String>,
    pub required: Option<bool>,
}

/// Names that can appear unescaped in a URL path segment, as Unleash requires of names.
pub fn is_url_friendly(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '~' | '!' | '*' | '\'' | '(' | ')')
        })
}

/// Checks a strategy name: present, 1–100 URL-friendly characters.
pub fn validate_name(name: Option<&str>) -> AppResult<String> {
    let name = name.unwrap_or("").trim();
    if name.is_empty() {
        return Err(AppError::bad_field(
            "/body/name",
            "The `/body/name` property is required and must not be empty.",
        ));
    }
    if name.chars().count() > 100 {
        return Err(AppError::bad_field(
            "/body/name",
            format!("The `/body/name` property must be at most 100 characters long. You sent {} characters.", name.chars().count()),
        ));
    }
    if !is_url_friendly(name) {
        return Err(AppError::bad_field(
            "/body/name",
            format!("The `/body/name` property must be URL-friendly (letters, digits and - _ . ! ~ * ' ( ) only). You sent \"{name}\"."),
        ));
    }
    Ok(name.to_string())
}

/// Checks the parameter list: required, each with a name and a known type, names unique.
pub fn validate_parameters(
    params: Option<Vec<ParameterInput>>,
) -> AppResult<Vec<StrategyParameter>> {
    let Some(params) = params else {
        return Err(AppError::bad_field(
            "/body/parameters",
            "The `/body/parameters` property is required (use [] for none).",
        ));
    };
    let mut out: Vec<StrategyParameter> = Vec::with_capacity(params.len());
    for (i, p) in params.into_iter().enumerate() {
        let name = p.name.unwrap_or_default();
        if name.trim().is_empty() {
            let path = format!("/body/parameters/{i}/name");
            return Err(AppError::bad_field(
                &path,
                format!("The `{path}` property is required and must not be empty."),
            ));
        }
        let t = p.param_type.unwrap_or_default();
        if !PARAMETER_TYPES.contains(&t.as_str()) {
            let path = format!("/body/parameters/{i}/type");
            return Err(AppError::bad_field(
                &path,
                format!(
                    "The `{path}` property must be one of {}. You sent \"{t}\".",
                    PARAMETER_TYPES.join(", ")
                ),
            ));
        }
        if out.iter().any(|o| o.name == name) {
            let path = format!("/body/parameters/{i}/name");
            return Err(AppError::bad_field(
                &path,
                format!("The `{path}` property must be unique within the strategy; \"{name}\" appears twice."),
            ));
        }
        out.push(StrategyParameter {
            name,
            param_type: t,
            description: p.description.unwrap_or_default(),
            required: p.required.unwrap_or(false),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, t: &str) -> ParameterInput {
        ParameterInput {
            name: Some(name.into()),
            param_type: Some(t.into()),
            description: None,
            required: None,
        }
    }

    #[test]
    fn names_must_be_url_friendly() {
        assert_eq!(
            validate_name(Some("my-strategy_1.0~x")).expect("ok"),
            "my-strategy_1.0~x"
        );
        assert!(validate_name(Some("with space")).is_err());
        assert!(validate_name(Some("a/b")).is_err());
        assert!(validate_name(Some("")).is_err());
        assert!(validate_name(None).is_err());
        assert!(validate_name(Some(&"a".repeat(101))).is_err());
    }

    #[test]
    fn parameters_need_a_name_and_a_known_type() {
        let ok = validate_parameters(Some(vec![
            param("percentage", "percentage"),
            param("ids", "list"),
        ]))
        .expect("ok");
        assert_eq!(ok[1].param_type, "list");
        assert!(!ok[0].required);
        assert!(validate_parameters(Some(vec![param("x", "text")])).is_err());
        assert!(validate_parameters(Some(vec![param("", "string")])).is_err());
        assert!(validate_parameters(Some(vec![param("x", "string"), param("x", "list")])).is_err());
        assert!(validate_parameters(None).is_err());
    }
}
