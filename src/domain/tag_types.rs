//! Tag types: the kinds of tags flags can carry (`simple` comes with the server).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::strategies::is_url_friendly;
use crate::error::{AppError, AppResult};

pub const TAG_TYPE_CREATED: &str = "tag-type-created";
pub const TAG_TYPE_UPDATED: &str = "tag-type-updated";
pub const TAG_TYPE_DELETED: &str = "tag-type-deleted";
pub const TAG_CREATED: &str = "tag-created";
pub const TAG_DELETED: &str = "tag-deleted";

#[derive(Debug, Clone)]
pub struct TagType {
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub color: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TagType {
    /// Unleash's `tagTypeSchema`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description.clone().unwrap_or_default(),
            "icon": self.icon,
            "color": self.color,
        })
    }
}

/// A tag in use on some flag (`tagSchema`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub tag_type: String,
    pub value: String,
    pub color: Option<String>,
}

/// A create, update or validate request.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TagTypeInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub color: Option<String>,
}

/// Checks a tag type name: 2–50 URL-friendly characters.
pub fn validate_name(name: Option<&str>) -> AppResult<String> {
    let name = name.unwrap_or("").trim();
    let len = name.chars().count();
    if !(2..=50).contains(&len) {
        return Err(AppError::bad_field(
            "/body/name",
            format!(
                "The `/body/name` property must be 2 to 50 characters long. You sent \"{name}\"."
            ),
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

/// Checks a colour: `#` and six hexadecimal digits, or nothing.
pub fn validate_color(color: Option<String>) -> AppResult<Option<String>> {
    match color.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) =>
        {
            Ok(Some(c))
        }
        Some(c) => Err(AppError::bad_field(
            "/body/color",
            format!("The `/body/color` property must look like #1a2B3c. You sent \"{c}\"."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colours() {
        assert!(validate_name(Some("team")).is_ok());
        assert!(validate_name(Some("x")).is_err());
        assert!(validate_name(Some(&"x".repeat(51))).is_err());
        assert!(validate_name(Some("a b")).is_err());
        assert_eq!(
            validate_color(Some("#A1b2C3".into()))
                .expect("ok")
                .as_deref(),
            Some("#A1b2C3")
        );
        assert_eq!(
            validate_color(Some(String::new())).expect("empty is none"),
            None
        );
        assert!(validate_color(Some("red".into())).is_err());
        assert!(validate_color(Some("#12345g".into())).is_err());
    }
}
