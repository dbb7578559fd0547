//! The caller's own account: `/api/admin/user`.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::users::{
    roles, ApiTokenUserBody, CallerBody, MeBody, PermissionBody, ProfileBody, RoleBody,
    RoleListBody,
};
use crate::service;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me))
        .routes(routes!(get_profile))
        .routes(routes!(change_my_password))
        .routes(routes!(get_user_roles))
}

/// The signed-in user and their permissions.
#[utoipa::path(get, path = "/api/admin/user", tag = "Users", responses(
    (status = 200, description = "The caller and their permissions", body = MeBody),
    (status = 401, description = "Not signed in"),
))]
async fn get_me(Caller(p): Caller) -> AppResult<Json<MeBody>> {
    let (user, permissions) = match &p {
        Principal::User(u) => (
            CallerBody::User((&u.user).into()),
            u.scope
                .narrow_grants(&u.grants)
                .iter()
                .map(PermissionBody::from)
                .collect(),
        ),
        Principal::ApiToken(t) => (
            CallerBody::ApiToken(ApiTokenUserBody {
                id: crate::auth::principal::ADMIN_TOKEN_USER_ID,
                username: t.name.clone(),
                is_api: true,
                account_type: "API token".into(),
            }),
            vec![PermissionBody {
                permission: "ADMIN".into(),
                project: None,
                environment: None,
            }],
        ),
    };
    Ok(Json(MeBody {
        user,
        permissions,
        feedback: Vec::new(),
        splash: serde_json::Value::Object(Default::default()),
    }))
}

/// The signed-in user's root role and projects.
#[utoipa::path(get, path = "/api/admin/user/profile", tag = "Users", responses(
    (status = 200, description = "The profile", body = ProfileBody),
))]
async fn get_profile(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<ProfileBody>> {
    let u = p.user().ok_or_else(|| {
        AppError::Forbidden("Profiles belong to users; API tokens have none.".into())
    })?;
    let roles = service::users::roles(&state).await?;
    let root = roles.iter().find(|r| r.id == u.user.root_role_id);
    let grants = u.scope.narrow_grants(&u.grants);
    let mut projects: Vec<String> = grants
        .iter()
        .filter_map(|g| g.project.clone())
        .filter(|p| p != "*")
        .collect();
    projects.sort_unstable();
    projects.dedup();
    Ok(Json(ProfileBody {
        root_role: root.map(RoleBody::from),
        projects,
        groups: Vec::new(),
        subscriptions: Vec::new(),
        features: Vec::new(),
        can_change_password: true,
    }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordBody {
    pub password: String,
    pub confirm_password: Option<String>,
    pub old_password: Option<String>,
}

/// Changes the signed-in user's password.
#[utoipa::path(post, path = "/api/admin/user/change-password", tag = "Users", request_body = PasswordBody, responses(
    (status = 200, description = "Changed"),
    (status = 400, description = "Too short, or the confirmation or old password does not match"),
))]
async fn change_my_password(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<PasswordBody>,
) -> AppResult<()> {
    let u = p
        .user()
        .ok_or_else(|| AppError::Forbidden("Only users have passwords.".into()))?;
    if let Some(confirm) = &body.confirm_password {
        if confirm != &body.password {
            return Err(AppError::bad_data("Passwords do not match"));
        }
    }
    if let Some(old) = body.old_password {
        let login = u
            .user
            .username
            .clone()
            .or(u.user.email.clone())
            .unwrap_or_default();
        if service::users::login(&state, &login, &old).await.is_err() {
            return Err(AppError::bad_data("Old password is incorrect"));
        }
    }
    service::users::set_password(&state, &p.authenticated(), u.user.id, body.password).await
}

/// Every role.
#[utoipa::path(get, path = "/api/admin/user/roles", tag = "Users", responses(
    (status = 200, description = "Every role", body = RoleListBody),
))]
async fn get_user_roles(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<RoleListBody>> {
    Ok(Json(RoleListBody {
        version: 1,
        roles: roles(&service::users::roles(&state).await?),
    }))
}
