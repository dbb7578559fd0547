//! User administration (ADMIN only): `/api/admin/user-admin`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::user::PasswordBody;
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiJson, Caller};
use crate::http::wire::users::{
    roles, AccessUserBody, AccessUsersBody, AdminCountBody, AdminUserBody, ChangedUserBody,
    InactiveUserBody, InactiveUsersBody, ResetPasswordUrlBody, UserListBody,
};
use crate::service::users::{self, CreateUser, UpdateUser};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(change_user_password))
        .routes(routes!(reset_user_password))
        .routes(routes!(admin_count))
        .routes(routes!(list_inactive))
        .routes(routes!(delete_inactive))
        .routes(routes!(users_for_access))
}

/// How many Admins there are: with a password, without one, and service accounts
/// (`adminCountSchema`; ADMIN).
#[utoipa::path(get, path = "/api/admin/user-admin/admin-count", tag = "Users", responses(
    (status = 200, description = "The counts", body = AdminCountBody),
    (status = 403, description = "Needs ADMIN"),
))]
async fn admin_count(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<AdminCountBody>> {
    p.require_admin()?;
    let (password, no_password, service) = users::admin_counts(&state).await?;
    Ok(Json(AdminCountBody {
        password,
        no_password,
        service,
    }))
}

/// The people one may grant access to, for any signed-in user (`usersGroupsBaseSchema`):
/// id, name, email, username and account type; Switchyard has no groups.
#[utoipa::path(get, path = "/api/admin/user-admin/access", tag = "Users", responses(
    (status = 200, description = "Everyone access may be granted to", body = AccessUsersBody),
    (status = 401, description = "Not signed in"),
))]
async fn users_for_access(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<AccessUsersBody>> {
    let list = users::list(&state)
        .await?
        .iter()
        .map(|u| AccessUserBody {
            id: u.id,
            account_type: if u.is_service {
                "Service Account"
            } else {
                "User"
            }
            .into(),
            name: u.name.clone(),
            email: u.email.clone(),
            username: u.username.clone(),
        })
        .collect();
    Ok(Json(AccessUsersBody {
        users: list,
        groups: Vec::new(),
    }))
}

/// `{id}`: the user's email (as Unleash documents it), username or numeric id.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ResetPasswordBody {
    #[schema(value_type = String)]
    id: Value,
}

/// Creates a single-use password reset link for a user (valid 24 hours). No email is sent:
/// hand the link to the user.
#[utoipa::path(post, path = "/api/admin/user-admin/reset-password", tag = "Users", request_body = ResetPasswordBody, responses(
    (status = 200, description = "The link", body = ResetPasswordUrlBody),
    (status = 400, description = "No id given, or a service account"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such user"),
))]
async fn reset_user_password(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<ResetPasswordBody>,
) -> AppResult<Json<ResetPasswordUrlBody>> {
    let auth = p.require_admin()?;
    let ident = match &body.id {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(crate::error::AppError::bad_field(
                "id",
                "id must be the user's email, username or numeric id",
            ))
        }
    };
    let url = crate::service::password_reset::create_link(&state, &auth, &ident).await?;
    Ok(Json(ResetPasswordUrlBody {
        reset_password_url: url,
    }))
}

/// Every user; service accounts are listed at `/api/admin/service-account` instead.
#[utoipa::path(get, path = "/api/admin/user-admin", tag = "Users", responses(
    (status = 200, description = "The users and the root roles", body = UserListBody),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_users(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<UserListBody>> {
    p.require_admin()?;
    let list = users::list(&state)
        .await?
        .iter()
        .filter(|u| !u.is_service)
        .map(AdminUserBody::from)
        .collect();
    let all_roles = users::roles(&state).await?;
    Ok(Json(UserListBody {
        users: list,
        root_roles: roles(all_roles.iter().filter(|r| r.role_type == "root")),
    }))
}

/// Creates a user with a root role (id or name).
#[utoipa::path(post, path = "/api/admin/user-admin", tag = "Users", responses(
    (status = 201, description = "The new user, with its root role's name; `Location` holds its id", body = ChangedUserBody),
    (status = 400, description = "Invalid input, weak password or name taken"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn create_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreateUser>,
) -> AppResult<Response> {
    let auth = p.require_admin()?;
    let user = users::create(&state, &auth, body).await?;
    let body = ChangedUserBody {
        user: (&user).into(),
        root_role: role_name(&state, user.root_role_id).await?,
        email_sent: Some(false),
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, user.id.to_string())],
        Json(body),
    )
        .into_response())
}

async fn role_name(state: &AppState, id: i64) -> AppResult<String> {
    Ok(users::roles(state)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.name)
        .unwrap_or_default())
}

/// One user.
#[utoipa::path(get, path = "/api/admin/user-admin/{id}", tag = "Users", params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The user", body = AdminUserBody),
    (status = 404, description = "No such user"),
))]
async fn get_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<AdminUserBody>> {
    p.require_admin()?;
    let id = parse_id("id", &id)?;
    Ok(Json((&users::get(&state, id).await?).into()))
}

/// Changes a user's name, email or root role. A role change applies to their next request.
#[utoipa::path(put, path = "/api/admin/user-admin/{id}", tag = "Users", params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The updated user, with its root role's name", body = ChangedUserBody),
    (status = 404, description = "No such user"),
))]
async fn update_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> AppResult<Json<ChangedUserBody>> {
    let auth = p.require_admin()?;
    let id = parse_id("id", &id)?;
    let user = users::update(&state, &auth, id, body).await?;
    Ok(Json(ChangedUserBody {
        user: (&user).into(),
        root_role: role_name(&state, user.root_role_id).await?,
        email_sent: None,
    }))
}

/// Deletes a user; their sessions and tokens stop working at once.
#[utoipa::path(delete, path = "/api/admin/user-admin/{id}", tag = "Users", params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "Deleted"),
    (status = 404, description = "No such user"),
))]
async fn delete_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<()> {
    let auth = p.require_admin()?;
    let id = parse_id("id", &id)?;
    users::delete(&state, &auth, id).await
}

/// Sets another user's password.
#[utoipa::path(post, path = "/api/admin/user-admin/{id}/change-password", tag = "Users", params(("id" = i64, Path, description = "User id")), request_body = PasswordBody, responses(
    (status = 200, description = "Changed"),
    (status = 400, description = "Too short"),
))]
async fn change_user_password(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> AppResult<()> {
    let auth = p.require_admin()?;
    let id = parse_id("id", &id)?;
    users::set_password(&state, &auth, id, body.password).await
}

/// People who have neither signed in nor used a personal access token for 180 days
/// (`inactiveUsersSchema`; ADMIN).
#[utoipa::path(get, path = "/api/admin/user-admin/inactive", tag = "Users", responses(
    (status = 200, description = "The inactive people", body = InactiveUsersBody),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_inactive(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<InactiveUsersBody>> {
    use crate::domain::users::iso;
    p.require_admin()?;
    let list = users::inactive(&state)
        .await?
        .iter()
        .map(|u| InactiveUserBody {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            username: u.username.clone(),
            seen_at: u.seen_at.map(iso),
            created_at: iso(u.created_at),
        })
        .collect();
    Ok(Json(InactiveUsersBody {
        version: 1,
        inactive_users: list,
    }))
}

/// Unleash's `idsSchema`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdsBody {
    /// User ids; only those that are inactive are deleted.
    ids: Vec<i64>,
}

/// Deletes the given users if they are inactive (ADMIN); active ones and the caller are kept.
#[utoipa::path(post, path = "/api/admin/user-admin/inactive/delete", tag = "Users", request_body = IdsBody, responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "`ids` missing or not a list of numbers"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn delete_inactive(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<IdsBody>,
) -> AppResult<StatusCode> {
    let auth = p.require_admin()?;
    users::delete_inactive(&state, &auth, &body.ids).await?;
    Ok(StatusCode::OK)
}
