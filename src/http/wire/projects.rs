//! Answers about projects: the project list, a project, its settings and members.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use utoipa::ToSchema;

use super::flags::FlagSummary;
use crate::domain::permissions::Role;
use crate::domain::projects::{Owner, Project};
use crate::domain::users::{iso, User};

/// Where a project stands in Unleash's onboarding: `onboarding-started` until it holds a
/// flag, then `onboarded`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingStatus {
    /// `onboarding-started` or `onboarded`.
    pub status: &'static str,
}

/// An owner of a project: a user holding the Owner role there, or `system` when nobody does.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProjectOwner {
    User(UserOwner),
    System(SystemOwner),
}

/// A user who owns a project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOwner {
    /// The owner's email, when they have one.
    pub email: Option<String>,
    /// The owner's avatar.
    pub image_url: Option<String>,
    /// The owner's display name.
    pub name: String,
    /// Always `user`.
    pub owner_type: &'static str,
}

/// The owner of a project nobody holds the Owner role in. It has no other field, which
/// tells it from a user owner in the document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemOwner {
    /// Always `system`.
    pub owner_type: &'static str,
}

/// A project as the project list shows it (Unleash's `projectSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSchema {
    /// Always null: archived projects are not kept.
    pub archived_at: Option<String>,
    /// When the project was created.
    pub created_at: String,
    pub description: Option<String>,
    /// Only in the answer to a create: the environments the new project uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Whether the signed-in user marked the project as a favourite.
    pub favorite: bool,
    /// Flags in the project that are not archived.
    pub feature_count: i64,
    /// Always 100.
    pub health: i64,
    pub id: String,
    /// Always null.
    pub last_reported_flag_usage: Option<String>,
    /// When the project was last changed, if ever.
    pub last_updated_at: Option<String>,
    /// Users holding a role in the project.
    pub member_count: i64,
    /// Always `open`.
    pub mode: &'static str,
    pub name: String,
    pub onboarding_status: OnboardingStatus,
    /// The project's owners: its users with the Owner role, or `system`.
    pub owners: Vec<ProjectOwner>,
    /// Always 0.
    pub technical_debt: i64,
}

impl ProjectSchema {
    pub fn new(p: &Project, owners: &[Owner]) -> ProjectSchema {
        let owners = if owners.is_empty() {
            vec![ProjectOwner::System(SystemOwner {
                owner_type: "system",
            })]
        } else {
            owners
                .iter()
                .map(|o| {
                    ProjectOwner::User(UserOwner {
                        email: o.email.clone(),
                        image_url: o.image_url.clone(),
                        name: o.name.clone(),
                        owner_type: "user",
                    })
                })
                .collect()
        };
        ProjectSchema {
            archived_at: None,
            created_at: iso(p.created_at),
            description: p.description.clone(),
            environments: None,
            favorite: false,
            feature_count: p.feature_count,
            health: 100,
            id: p.id.clone(),
            last_reported_flag_usage: None,
            last_updated_at: p.updated_at.map(iso),
            member_count: p.member_count,
            mode: "open",
            name: p.name.clone(),
            onboarding_status: OnboardingStatus {
                status: if p.feature_count > 0 {
                    "onboarded"
                } else {
                    "onboarding-started"
                },
            },
            owners,
            technical_debt: 0,
        }
    }
}

/// `GET /api/admin/projects`: the projects the caller sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectSchema>,
    /// Always 1.
    pub version: i64,
}

/// An environment a project uses, as a project read lists it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectEnvironment {
    /// Always false: change requests are not supported.
    pub change_requests_enabled: bool,
    /// The environment's name.
    pub environment: String,
}

/// `GET /api/admin/projects/{projectId}`: a project with its environments and flags.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectDetail {
    /// Always null.
    pub archived_at: Option<String>,
    pub created_at: String,
    pub description: Option<String>,
    /// The environments the project uses, in their sort order.
    pub environments: Vec<ProjectEnvironment>,
    /// Whether the signed-in user marked the project as a favourite.
    pub favorite: bool,
    pub feature_count: i64,
    /// The project's flags that are not archived.
    pub features: Vec<FlagSummary>,
    /// Always 100.
    pub health: i64,
    pub id: String,
    /// Always null.
    pub last_reported_flag_usage: Option<String>,
    pub last_updated_at: Option<String>,
    pub member_count: i64,
    /// The same as `memberCount`.
    pub members: i64,
    /// Always `open`.
    pub mode: String,
    pub name: String,
    pub onboarding_status: OnboardingStatus,
    pub owners: Vec<ProjectOwner>,
    /// Always 0.
    pub technical_debt: i64,
    /// The same as `lastUpdatedAt`.
    pub updated_at: Option<String>,
    /// Always 1.
    pub version: i64,
}

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
