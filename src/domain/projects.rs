//! Projects: the unit that groups flags and carries project roles.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};

/// The project that always exists.
pub const DEFAULT_PROJECT: &str = "default";

pub const PROJECT_CREATED: &str = "project-created";
pub const PROJECT_UPDATED: &str = "project-updated";
pub const PROJECT_DELETED: &str = "project-deleted";
pub const PROJECT_ENVIRONMENT_ADDED: &str = "project-environment-added";
pub const PROJECT_ENVIRONMENT_REMOVED: &str = "project-environment-removed";
pub const PROJECT_ACCESS_ADDED: &str = "project-access-added";
pub const PROJECT_ACCESS_USER_ROLES_UPDATED: &str = "project-access-user-roles-updated";
pub const PROJECT_ACCESS_USER_ROLES_DELETED: &str = "project-access-user-roles-deleted";
pub const PROJECT_ACCESS_UPDATED: &str = "project-access-updated";

#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Flags that are not archived.
    pub feature_count: i64,
    /// Users holding a project role here.
    pub member_count: i64,
}

/// One project role held by one user.
#[derive(Debug, Clone)]
pub struct ProjectMember {
    pub user_id: i64,
    pub role_id: i64,
    pub added_at: DateTime<Utc>,
}

/// An owner as Unleash's project list shows it.
#[derive(Debug, Clone)]
pub struct Owner {
    pub name: String,
    pub email: Option<String>,
    pub image_url: Option<String>,
}

impl Project {
    /// What audit events record about a project.
    pub fn event_data(&self) -> Value {
        json!({"id": self.id, "name": self.name, "description": self.description})
    }
}

/// Project ids appear in URLs and tokens (`<project>:<env>.<secret>`): letters, digits and
/// `-_.~`, at most 100 characters.
pub fn validate_id(id: &str) -> AppResult<()> {
    if id.is_empty() || id.len() > 100 {
        return Err(AppError::bad_field(
            "/body/id",
            format!("The project id must be 1 to 100 characters long. You sent \"{id}\"."),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    {
        return Err(AppError::bad_field(
            "/body/id",
            format!("The project id \"{id}\" must be URL-friendly: only letters, digits and - _ . ~ are allowed."),
        ));
    }
    Ok(())
}

pub fn validate_name(name: &str) -> AppResult<()> {
    if name.trim().is_empty() {
        return Err(AppError::bad_field(
            "/body/name",
            "The project name must not be empty.",
        ));
    }
    if name.chars().count() > 100 {
        return Err(AppError::bad_field(
            "/body/name",
            "The project name must be at most 100 characters long.",
        ));
    }
    Ok(())
}

/// An id derived from a name, when a project is created without one.
pub fn id_from_name(name: &str) -> String {
    let mut id: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    id.truncate(100);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_friendly() {
        assert!(validate_id("team-a_1.x~").is_ok());
        assert!(validate_id("").is_err());
        assert!(validate_id("a b").is_err());
        assert!(validate_id("a/b").is_err());
        assert_eq!(id_from_name("My Team!"), "my-team-");
    }
}

/// A feature naming pattern (`featureNaming` of Unleash's project settings).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FeatureNaming {
    /// A regular expression every new flag name in the project must match.
    pub pattern: Option<String>,
    pub example: Option<String>,
    pub description: Option<String>,
}

/// A link template (`linkTemplates` of Unleash's project settings).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkTemplate {
    pub title: Option<String>,
    pub url_template: String,
}

/// The body of `PUT /api/admin/projects/{projectId}/settings`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSettings {
    /// `open` (the only mode Switchyard has: every user may see and join the project).
    pub mode: Option<String>,
    pub default_stickiness: Option<String>,
    pub feature_naming: Option<FeatureNaming>,
    pub link_templates: Option<Vec<LinkTemplate>>,
}

/// The compiled naming pattern, anchored as Unleash tests it (`new RegExp(pattern).test`).
pub fn naming_regex(pattern: &str) -> AppResult<regex::Regex> {
    regex::Regex::new(pattern).map_err(|_| {
        AppError::bad_field(
            "/body/featureNaming/pattern",
            format!("The feature naming pattern \"{pattern}\" is not a valid regular expression."),
        )
    })
}

impl ProjectSettings {
    /// Checks the settings and returns what to store.
    pub fn validate(&self) -> AppResult<()> {
        match self.mode.as_deref() {
            None | Some("open") => {}
            Some(m @ ("protected" | "private")) => {
                return Err(AppError::bad_field(
                    "/body/mode",
                    format!("Project mode \"{m}\" is not supported: Switchyard projects are open (use \"open\")."),
                ))
            }
            Some(m) => {
                return Err(AppError::bad_field(
                    "/body/mode",
                    format!("Project mode must be \"open\", \"protected\" or \"private\"; you sent \"{m}\"."),
                ))
            }
        }
        if let Some(naming) = &self.feature_naming {
            if let Some(pattern) = naming.pattern.as_deref().filter(|p| !p.is_empty()) {
                let re = naming_regex(pattern)?;
                if let Some(example) = naming.example.as_deref().filter(|e| !e.is_empty()) {
                    if !re.is_match(example) {
                        return Err(AppError::bad_field(
                            "/body/featureNaming/example",
                            format!("You've provided a feature flag naming example (\"{example}\") that doesn't match your feature flag naming pattern (\"{pattern}\")."),
                        ));
                    }
                }
            } else if naming.example.as_deref().is_some_and(|e| !e.is_empty()) {
                return Err(AppError::bad_field(
                    "/body/featureNaming/pattern",
                    "You've provided a feature flag naming example, but no feature flag naming pattern. You must specify a pattern to use an example.",
                ));
            }
        }
        for (i, t) in self.link_templates.iter().flatten().enumerate() {
            if t.url_template.trim().is_empty() {
                return Err(AppError::bad_field(
                    &format!("/body/linkTemplates/{i}/urlTemplate"),
                    "A link template needs a urlTemplate.",
                ));
            }
        }
        Ok(())
    }
}
