//! Service accounts (Admin only), at Unleash Enterprise's addresses:
//! `/api/admin/service-account` and its tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::tokens::CreatePatRequest;
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiJson, Caller};
use crate::http::wire::tokens::{PatBody, PatListBody, ServiceAccountBody, ServiceAccountListBody};
use crate::http::wire::users::roles;
use crate::service::service_accounts::{self, AccountChanges, NewAccount};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(update_account, delete_account))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(delete_token))
}

/// `{name, username, rootRole}` (`createServiceAccountSchema`); `rootRole` is a root role's
/// id or name.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateServiceAccountBody {
    name: Option<String>,
    username: Option<String>,
    #[schema(value_type = Option<i64>)]
    root_role: Option<crate::service::users::RoleRef>,
}

/// `{name?, rootRole?}`; a username, when sent, must be the account's own.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateServiceAccountBody {
    name: Option<String>,
    username: Option<String>,
    #[schema(value_type = Option<i64>)]
    root_role: Option<crate::service::users::RoleRef>,
}

fn account_json(state: &AppState, a: &service_accounts::Account) -> ServiceAccountBody {
    ServiceAccountBody::new(
        &a.user,
        &a.tokens,
        state.clock.now(),
        &state.config.token_expiry_notification_days,
    )
}

/// Every service account with its tokens, and the root roles (`serviceAccountsSchema`).
#[utoipa::path(get, path = "/api/admin/service-account", tag = "Service accounts", responses(
    (status = 200, description = "The service accounts and the root roles", body = ServiceAccountListBody),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_accounts(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<ServiceAccountListBody>> {
    p.require_admin()?;
    let (accounts, root_roles) = service_accounts::list(&state).await?;
    Ok(Json(ServiceAccountListBody {
        service_accounts: accounts.iter().map(|a| account_json(&state, a)).collect(),
        root_roles: roles(&root_roles),
    }))
}

/// Creates a service account: it has no password, cannot sign in, and acts through the
/// tokens minted for it with the permissions of its root role.
#[utoipa::path(post, path = "/api/admin/service-account", tag = "Service accounts", request_body = CreateServiceAccountBody, responses(
    (status = 201, description = "The service account (`serviceAccountSchema`)", body = ServiceAccountBody),
    (status = 400, description = "name, username or rootRole missing or invalid"),
    (status = 403, description = "Needs ADMIN"),
    (status = 409, description = "The username is taken by a user or service account"),
))]
async fn create_account(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreateServiceAccountBody>,
) -> AppResult<(StatusCode, Json<ServiceAccountBody>)> {
    let auth = p.require_admin()?;
    let input = NewAccount {
        name: body.name,
        username: body.username,
        root_role: body.root_role,
    };
    let user = service_accounts::create(&state, &auth, input).await?;
    let account = service_accounts::Account {
        user,
        tokens: Vec::new(),
    };
    Ok((StatusCode::CREATED, Json(account_json(&state, &account))))
}

/// Changes a service account's name or root role; its tokens act with the new role at once.
#[utoipa::path(put, path = "/api/admin/service-account/{id}", tag = "Service accounts", request_body = UpdateServiceAccountBody, params(("id" = i64, Path, description = "Service account id")), responses(
    (status = 200, description = "The service account", body = ServiceAccountBody),
    (status = 400, description = "Invalid name or role, or a different username"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No service account with this id"),
))]
async fn update_account(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateServiceAccountBody>,
) -> AppResult<Json<ServiceAccountBody>> {
    let id = parse_id("id", &id)?;
    let auth = p.require_admin()?;
    let input = AccountChanges {
        name: body.name,
        username: body.username,
        root_role: body.root_role,
    };
    service_accounts::update(&state, &auth, id, input).await?;
    let account = service_accounts::get(&state, id).await?;
    Ok(Json(account_json(&state, &account)))
}

/// Deletes a service account and its tokens.
#[utoipa::path(delete, path = "/api/admin/service-account/{id}", tag = "Service accounts", params(("id" = i64, Path, description = "Service account id")), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No service account with this id"),
))]
async fn delete_account(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<()> {
    let id = parse_id("id", &id)?;
    let auth = p.require_admin()?;
    service_accounts::delete(&state, &auth, id).await
}

/// The service account's tokens (`patsSchema`, never their secrets).
#[utoipa::path(get, path = "/api/admin/service-account/{id}/token", tag = "Service accounts", params(("id" = i64, Path, description = "Service account id")), responses(
    (status = 200, description = "The account's tokens", body = PatListBody),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No service account with this id"),
))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<Json<PatListBody>> {
    let id = parse_id("id", &id)?;
    p.require_admin()?;
    let now = state.clock.now();
    let leads = &state.config.token_expiry_notification_days;
    let pats = service_accounts::list_tokens(&state, id)
        .await?
        .iter()
        .map(|t| PatBody::new(t, now, leads))
        .collect();
    Ok(Json(PatListBody { pats }))
}

/// Mints a token for the service account from `{description, expiresAt}`. The answer
/// holds the secret; it is never shown again. The token keeps working when the Admin who
/// minted it is deleted.
#[utoipa::path(post, path = "/api/admin/service-account/{id}/token", tag = "Service accounts", params(("id" = i64, Path, description = "Service account id")), request_body = CreatePatRequest, responses(
    (status = 201, description = "The token (`patSchema`) with `secret`", body = PatBody),
    (status = 400, description = "Description missing, empty or too long; expiresAt missing, malformed or not in the future"),
    (status = 403, description = "Needs ADMIN, or the account already holds PAT_LIMIT unexpired tokens"),
    (status = 404, description = "No service account with this id"),
    (status = 409, description = "The account has another token with this description"),
))]
async fn create_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreatePatRequest>,
) -> AppResult<(StatusCode, Json<PatBody>)> {
    let id = parse_id("id", &id)?;
    let auth = p.require_admin()?;
    let (pat, secret) = service_accounts::create_token(&state, &auth, id, &body).await?;
    let body = PatBody::new(
        &pat,
        state.clock.now(),
        &state.config.token_expiry_notification_days,
    )
    .with_secret(secret.expose());
    Ok((StatusCode::CREATED, Json(body)))
}

/// Deletes one of the service account's tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/admin/service-account/{id}/token/{tokenId}", tag = "Service accounts", params(
    ("id" = i64, Path, description = "Service account id"),
    ("tokenId" = i64, Path, description = "Token id"),
), responses(
    (status = 200, description = "Deleted"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No such service account or token"),
))]
async fn delete_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((id, token_id)): Path<(String, String)>,
) -> AppResult<()> {
    let id = parse_id("id", &id)?;
    let token_id = parse_id("tokenId", &token_id)?;
    let auth = p.require_admin()?;
    service_accounts::delete_token(&state, &auth, id, token_id).await
}
