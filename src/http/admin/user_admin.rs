//! User administration (ADMIN only): `/api/admin/user-admin`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::user::PasswordBody;
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiJson, Caller};
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
    (status = 200, description = "`{password, noPassword, service}`"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn admin_count(State(state): State<AppState>, Caller(p): Caller) -> AppResult<Json<Value>> {
    p.require_admin()?;
    let (password, no_password, service) = users::admin_counts(&state).await?;
    Ok(Json(
        json!({"password": password, "noPassword": no_password, "service": service}),
    ))
}

/// The people one may grant access to, for any signed-in user (`usersGroupsBaseSchema`):
/// id, name, email, username and account type; Switchyard has no groups.
#[utoipa::path(get, path = "/api/admin/user-admin/access", tag = "Users", responses(
    (status = 200, description = "`{users, groups}`"),
    (status = 401, description = "Not signed in"),
))]
async fn users_for_access(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> AppResult<Json<Value>> {
    let list: Vec<Value> = users::list(&state)
        .await?
        .iter()
        .map(|u| {
            let mut v = json!({
                "id": u.id,
                "accountType": if u.is_service { "Service Account" } else { "User" },
            });
            for (key, value) in [
                ("name", &u.name),
                ("email", &u.email),
                ("username", &u.username),
            ] {
                if let Some(value) = value {
                    v[key] = json!(value);
                }
            }
            v
        })
        .collect();
    Ok(Json(json!({"users": list, "groups": []})))
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
    (status = 200, description = "`{resetPasswordUrl}`"),
    (status = 400, description = "No id given, or a service account"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such user"),
))]
async fn reset_user_password(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<ResetPasswordBody>,
) -> AppResult<Json<Value>> {
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
    Ok(Json(json!({ "resetPasswordUrl": url })))
}

/// Every user; service accounts are listed at `/api/admin/service-account` instead.
#[utoipa::path(get, path = "/api/admin/user-admin", tag = "Users", responses(
    (status = 200, description = "`{users, rootRoles}`"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_users(State(state): State<AppState>, Caller(p): Caller) -> AppResult<Json<Value>> {
    p.require_admin()?;
    let list: Vec<Value> = users::list(&state)
        .await?
        .iter()
        .filter(|u| !u.is_service)
        .map(|u| u.to_admin_json())
        .collect();
    let roles: Vec<_> = users::roles(&state)
        .await?
        .into_iter()
        .filter(|r| r.role_type == "root")
        .collect();
    Ok(Json(json!({"users": list, "rootRoles": roles})))
}

/// Creates a user with a root role (id or name).
#[utoipa::path(post, path = "/api/admin/user-admin", tag = "Users", responses(
    (status = 201, description = "The new user"),
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
    let mut v = user.to_json();
    v["rootRole"] = json!(role_name(&state, user.root_role_id).await?);
    v["emailSent"] = json!(false);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, user.id.to_string())],
        Json(v),
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
    (status = 200, description = "The user"),
    (status = 404, description = "No such user"),
))]
async fn get_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    p.require_admin()?;
    let id = parse_id("id", &id)?;
    Ok(Json(users::get(&state, id).await?.to_admin_json()))
}

/// Changes a user's name, email or root role. A role change applies to their next request.
#[utoipa::path(put, path = "/api/admin/user-admin/{id}", tag = "Users", params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The updated user"),
    (status = 404, description = "No such user"),
))]
async fn update_user(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> AppResult<Json<Value>> {
    let auth = p.require_admin()?;
    let id = parse_id("id", &id)?;
    let user = users::update(&state, &auth, id, body).await?;
    let mut v = user.to_json();
    v["rootRole"] = json!(role_name(&state, user.root_role_id).await?);
    Ok(Json(v))
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
    (status = 200, description = "`{version, inactiveUsers}`"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_inactive(State(state): State<AppState>, Caller(p): Caller) -> AppResult<Json<Value>> {
    p.require_admin()?;
    let list: Vec<Value> = users::inactive(&state)
        .await?
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "username": u.username,
                "seenAt": crate::domain::users::iso_opt(u.seen_at),
                "createdAt": crate::domain::users::iso(u.created_at),
            })
        })
        .collect();
    Ok(Json(json!({"version": 1, "inactiveUsers": list})))
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
