//! Answers about projects: the project list, a project, its settings and members. The
//! project list and the project read are serialized by the service layer, so their structs
//! live in `service::shapes` and are re-exported here.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::permissions::Role;
use crate::domain::users::{iso, User};
pub use crate::service::shapes::{
    OnboardingStatus, ProjectDetail, ProjectEnvironment, ProjectList, ProjectOwner, ProjectSchema,
    SystemOwner, UserOwner,
};

/// A role, root or project (Unleash's `roleSchema`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleSchema {
    pub description: String,
    pub id: i64,
    pub name: String,
    /// Always null: roles are not tied to one project.
    pub project: Option<String>,
    /// `root` or `project`.
    #[serde(rename = "type")]
    pub role_type: String,
}

impl From<&Role> for RoleSchema {
    fn from(r: &Role) -> RoleSchema {
        RoleSchema {
            description: r.description.clone(),
            id: r.id,
            name: r.name.clone(),
            project: None,
            role_type: r.role_type.clone(),
        }
    }
}

/// `GET /api/admin/roles`: every role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<RoleSchema>,
    /// Always 1.
    pub version: i64,
}

/// A user holding roles in a project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectAccessUser {
    /// `User` or `Service Account`.
    pub account_type: &'static str,
    /// When the user got their first role in the project.
    pub added_at: Option<String>,
    /// Always null.
    pub company_role: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub id: i64,
    /// The user's avatar.
    pub image_url: String,
    pub login_attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Always null.
    pub product_updates_email_consent: Option<bool>,
    /// The first of `roles`.
    pub role_id: Option<i64>,
    /// The ids of the user's roles in the project.
    pub roles: Vec<i64>,
    /// Always null.
    pub scim_id: Option<String>,
    /// Always null.
    pub seat_type: Option<String>,
    /// When the user was last seen.
    pub seen_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl ProjectAccessUser {
    pub fn new(
        u: &User,
        role_ids: Vec<i64>,
        added_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> ProjectAccessUser {
        let image_url = match u.to_json().get("imageUrl") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        ProjectAccessUser {
            account_type: if u.is_service {
                "Service Account"
            } else {
                "User"
            },
            added_at: added_at.map(iso),
            company_role: None,
            created_at: iso(u.created_at),
            email: u.email.clone(),
            id: u.id,
            image_url,
            login_attempts: u.login_attempts,
            name: u.name.clone(),
            product_updates_email_consent: None,
            role_id: role_ids.first().copied(),
            roles: role_ids,
            scim_id: None,
            seat_type: None,
            seen_at: u.seen_at.map(iso),
            username: u.username.clone(),
        }
    }
}

/// `GET /api/admin/projects/{projectId}/access`: who holds which role in a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectAccess {
    /// Always empty: groups are not supported.
    pub groups: Vec<serde_json::Value>,
    /// The project roles.
    pub roles: Vec<RoleSchema>,
    /// The users holding roles in the project.
    pub users: Vec<ProjectAccessUser>,
}

/// A user who created flags in a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagCreator {
    pub id: i64,
    /// The user's display name.
    pub name: String,
}
