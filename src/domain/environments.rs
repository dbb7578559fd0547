//! Environments: where flags are switched on and off (development, production, ...).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::strategies::is_url_friendly;
use crate::error::{AppError, AppResult};

pub const ENVIRONMENT_CREATED: &str = "environment-created";
pub const ENVIRONMENT_UPDATED: &str = "environment-updated";
pub const ENVIRONMENT_DELETED: &str = "environment-deleted";

/// The environment types Unleash offers; other values are accepted as custom types.
pub const STANDARD_TYPES: &[&str] = &["development", "test", "preproduction", "production"];

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub env_type: String,
    pub sort_order: i64,
    pub enabled: bool,
    pub protected: bool,
    pub created_at: DateTime<Utc>,
}

/// Counts shown next to an environment in listings.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvironmentCounts {
    pub projects: i64,
    pub enabled_flags: i64,
}

impl Environment {
    /// Unleash's `environmentSchema`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.env_type,
            "enabled": self.enabled,
            "protected": self.protected,
            "sortOrder": self.sort_order,
        })
    }
}

/// Checks an environment name: present, at most 100 URL-friendly characters.
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
            "The `/body/name` property must be at most 100 characters long.",
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

/// Checks an environment type: present, at most 100 characters.
pub fn validate_type(t: Option<&str>) -> AppResult<String> {
    let t = t.unwrap_or("").trim();
    if t.is_empty() {
        return Err(AppError::bad_field(
            "/body/type",
            format!(
                "The `/body/type` property is required, for example one of {}.",
                STANDARD_TYPES.join(", ")
            ),
        ));
    }
    if t.chars().count() > 100 {
        return Err(AppError::bad_field(
            "/body/type",
            "The `/body/type` property must be at most 100 characters long.",
        ));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_are_checked() {
        assert_eq!(validate_name(Some(" staging ")).expect("ok"), "staging");
        assert!(validate_name(Some("my env")).is_err());
        assert!(validate_name(None).is_err());
        assert_eq!(validate_type(Some("test")).expect("ok"), "test");
        assert!(validate_type(Some("")).is_err());
    }
}
