//! Answers about users: the signed-in user, user administration, invitations and
//! instance administration.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::permissions::{Grant, Role};
use crate::domain::users::{iso, User};

/// A user as Unleash's `userSchema` shows one. `name`, `username` and `email` are left out
/// when the user has none.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    /// `User`, or `Service Account` for a service account.
    pub account_type: String,
    pub id: i64,
    /// A Gravatar address derived from the email (or username).
    pub image_url: String,
    /// When the user last signed in or used a token; null if never.
    #[schema(required = true, format = DateTime)]
    pub seen_at: Option<String>,
    /// Failed sign-in attempts since the last successful one.
    pub login_attempts: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Always null: Switchyard has no SCIM.
    #[schema(required = true)]
    pub scim_id: Option<String>,
    /// Always null: Switchyard has no seat types.
    #[schema(required = true)]
    pub seat_type: Option<String>,
    /// Always null.
    #[schema(required = true)]
    pub company_role: Option<String>,
    /// Always null.
    #[schema(required = true)]
    pub product_updates_email_consent: Option<bool>,
    /// The display name, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The username, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub username: Option<String>,
    /// The email address (lower-cased), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        UserBody {
            account_type: if u.is_service {
                "Service Account"
            } else {
                "User"
            }
            .into(),
            id: u.id,
            image_url: u.image_url(),
            seen_at: u.seen_at.map(iso),
            login_attempts: u.login_attempts,
            created_at: iso(u.created_at),
            scim_id: None,
            seat_type: None,
            company_role: None,
            product_updates_email_consent: None,
            name: u.name.clone(),
            username: u.username.clone(),
            email: u.email.clone(),
        }
    }
}

/// A user as the user-admin reads show one: `userSchema` with the root role's id.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserBody {
    #[serde(flatten)]
    pub user: UserBody,
    /// The id of the user's root role (1 Admin, 2 Editor, 3 Viewer, or a custom root role).
    pub root_role: i64,
}

impl From<&User> for AdminUserBody {
    fn from(u: &User) -> Self {
        AdminUserBody {
            user: u.into(),
            root_role: u.root_role_id,
        }
    }
}

/// A user just created or changed through user administration: `userSchema` with the root
/// role's name.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangedUserBody {
    #[serde(flatten)]
    pub user: UserBody,
    /// The name of the user's root role, e.g. `Editor`.
    pub root_role: String,
    /// Whether a welcome email was sent: always false (Switchyard sends no email). Only in
    /// the answer to a creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email_sent: Option<bool>,
}

/// A role (Unleash's `roleSchema`).
#[derive(Serialize, ToSchema)]
pub struct RoleBody {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// `root` for root roles, `project` for project roles (`root-custom` and `custom` for
    /// custom ones).
    #[serde(rename = "type")]
    pub role_type: String,
}

impl From<&Role> for RoleBody {
    fn from(r: &Role) -> Self {
        RoleBody {
            id: r.id,
            name: r.name.clone(),
            description: r.description.clone(),
            role_type: r.role_type.clone(),
        }
    }
}

/// The roles given, as role bodies.
pub fn roles<'a>(list: impl IntoIterator<Item = &'a Role>) -> Vec<RoleBody> {
    list.into_iter().map(RoleBody::from).collect()
}

/// One permission the caller holds, with where it applies.
#[derive(Serialize, ToSchema)]
pub struct PermissionBody {
    /// The permission's name, e.g. `ADMIN` or `UPDATE_FEATURE`.
    pub permission: String,
    /// The project it applies to, when it is a project permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub project: Option<String>,
    /// The environment it applies to, when it is an environment permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub environment: Option<String>,
}

impl From<&Grant> for PermissionBody {
    fn from(g: &Grant) -> Self {
        PermissionBody {
            permission: g.permission.clone(),
            project: g.project.clone(),
            environment: g.environment.clone(),
        }
    }
}

/// The caller as `GET /api/admin/user` shows an Admin API token.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenUserBody {
    /// The fixed id Admin API tokens act under.
    pub id: i64,
    /// The token's name.
    pub username: String,
    /// Always true.
    #[serde(rename = "isAPI")]
    pub is_api: bool,
    /// Always `API token`.
    pub account_type: String,
}

/// Who is calling: a user (or service account), or an Admin API token.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum CallerBody {
    User(UserBody),
    ApiToken(ApiTokenUserBody),
}

/// `GET /api/admin/user`: the caller and their permissions (Unleash's `meSchema`).
#[derive(Serialize, ToSchema)]
pub struct MeBody {
    pub user: CallerBody,
    /// What the caller may do; narrowed by the scope of the token they call with.
    pub permissions: Vec<PermissionBody>,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    pub feedback: Vec<Value>,
    /// Always empty.
    #[schema(value_type = Object)]
    pub splash: Value,
}

/// `GET /api/admin/user/profile` (Unleash's `profileSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileBody {
    /// The user's root role; null if it no longer exists.
    #[schema(required = true)]
    pub root_role: Option<RoleBody>,
    /// The ids of the projects the user holds a project role in, sorted.
    pub projects: Vec<String>,
    /// Always empty: Switchyard has no groups.
    #[schema(value_type = Vec<Object>)]
    pub groups: Vec<Value>,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    pub subscriptions: Vec<Value>,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    pub features: Vec<Value>,
    /// Always true: users may change their own password.
    pub can_change_password: bool,
}

/// Every role (`GET /api/admin/user/roles`).
#[derive(Serialize, ToSchema)]
pub struct RoleListBody {
    /// Always 1.
    pub version: u32,
    pub roles: Vec<RoleBody>,
}

/// How many Admins there are (Unleash's `adminCountSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminCountBody {
    /// Admins who have a password.
    pub password: i64,
    /// Admins without a password.
    pub no_password: i64,
    /// Service accounts with the Admin role.
    pub service: i64,
}

/// Someone access may be granted to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessUserBody {
    pub id: i64,
    /// `User` or `Service Account`.
    pub account_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub username: Option<String>,
}

/// The people access may be granted to (Unleash's `usersGroupsBaseSchema`).
#[derive(Serialize, ToSchema)]
pub struct AccessUsersBody {
    pub users: Vec<AccessUserBody>,
    /// Always empty: Switchyard has no groups.
    #[schema(value_type = Vec<Object>)]
    pub groups: Vec<Value>,
}

/// A password reset link (Unleash's `resetPasswordSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordUrlBody {
    /// The single-use link to hand to the user; valid 24 hours.
    pub reset_password_url: String,
}

/// Every user and the root roles (`GET /api/admin/user-admin`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserListBody {
    pub users: Vec<AdminUserBody>,
    pub root_roles: Vec<RoleBody>,
}

/// A person who has been inactive for a long time.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InactiveUserBody {
    pub id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    /// When they last signed in or used a token; null if never.
    #[schema(required = true, format = DateTime)]
    pub seen_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The people inactive for 180 days (Unleash's `inactiveUsersSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InactiveUsersBody {
    /// Always 1.
    pub version: u32,
    pub inactive_users: Vec<InactiveUserBody>,
}

/// An invite link (Unleash's `publicSignupTokenSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteLinkBody {
    /// The link's secret; null in the list (only its digest is stored).
    #[schema(required = true)]
    pub secret: Option<String>,
    /// The sign-up page for the link; null when the secret is not shown.
    #[schema(required = true)]
    pub url: Option<String>,
    pub name: String,
    /// False once an Admin disabled it.
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who created it.
    #[schema(required = true)]
    pub created_by: Option<String>,
    /// The people who signed up through it.
    pub users: Vec<UserBody>,
    /// The role sign-ups get; null if it no longer exists.
    #[schema(required = true)]
    pub role: Option<RoleBody>,
}

impl InviteLinkBody {
    /// The link, with its secret and address when `secret` is given.
    pub fn new(
        d: &crate::service::invite_links::LinkDetails,
        secret: Option<&str>,
        base_url: &str,
    ) -> Self {
        InviteLinkBody {
            secret: secret.map(str::to_string),
            url: secret.map(|s| crate::service::invite_links::invite_url(base_url, s)),
            name: d.link.name.clone(),
            enabled: d.link.enabled,
            expires_at: iso(d.link.expires_at),
            created_at: iso(d.link.created_at),
            created_by: d.link.created_by.clone(),
            users: d.users.iter().map(UserBody::from).collect(),
            role: d.role.as_ref().map(RoleBody::from),
        }
    }
}

/// Every invite link (Unleash's `publicSignupTokensSchema`).
#[derive(Serialize, ToSchema)]
pub struct InviteLinkListBody {
    pub tokens: Vec<InviteLinkBody>,
}

/// Who a password reset token belongs to (Unleash's `tokenUserSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetTokenUserBody {
    /// The user's id.
    pub id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    /// The user's email, else their username.
    pub email: String,
    /// The token, as it was sent.
    pub token: String,
    /// Who created the reset link.
    #[schema(required = true)]
    pub created_by: Option<String>,
    /// The user's root role; null if it no longer exists.
    #[schema(required = true)]
    pub role: Option<RoleBody>,
}
