//! API tokens: `/api/admin/api-tokens` and `/api/admin/projects/{projectId}/api-tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::permission::Scope;
use crate::domain::permissions as perm;
use crate::domain::tokens::{
    ApiToken, CreateApiTokenRequest, RotateBySecretRequest, RotateRequest, Sent,
    UpdateApiTokenRequest,
};
use crate::error::{AppError, AppResult};
use crate::http::extract::{optional_json, ApiJson, Caller};
use crate::http::wire::tokens::{ApiTokenBody, ApiTokenListBody};
use crate::service::tokens;
use crate::state::AppState;
use crate::store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_api_tokens, create_api_token))
        .routes(routes!(
            get_api_tokens_by_name,
            update_api_token,
            delete_api_token
        ))
        .routes(routes!(get_project_api_tokens, create_project_api_token))
        .routes(routes!(delete_project_api_token))
        .routes(routes!(rotate_api_token_by_selector))
        .routes(routes!(rotate_api_token_by_secret))
        // `rotate` is also a possible token name: reading it by name still works.
        .route(
            "/api/admin/api-tokens/rotate",
            axum::routing::get(|state, caller| {
                get_api_tokens_by_name(state, caller, Path("rotate".to_string()))
            }),
        )
}

/// `{tokens: [...]}`; `secret` is null unless token encryption is on and the token was
/// created while it was (then the caller, who may read tokens, sees it as Unleash shows it).
/// Beyond Unleash, `lastAddresses` lists the token's last client addresses.
async fn list_json(state: &AppState, list: &[ApiToken]) -> AppResult<Json<ApiTokenListBody>> {
    let secrets = tokens::readable_secrets(state, list).await?;
    let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
    let mut addresses = crate::service::token_inventory::api_token_addresses(state, &ids).await?;
    let tokens = list
        .iter()
        .map(|t| {
            let seen = addresses.remove(&t.id).unwrap_or_default();
            ApiTokenBody::new(t, secrets.get(&t.selector).map(String::as_str), None)
                .with_addresses(&seen)
        })
        .collect();
    Ok(Json(ApiTokenListBody { tokens }))
}

/// The API tokens the caller may see (filtered per type by their permissions).
#[utoipa::path(get, path = "/api/admin/api-tokens", tag = "API tokens", responses(
    (status = 200, description = "The tokens; `secret` is null unless TOKEN_ENCRYPTION_KEY is set; `lastAddresses` beyond Unleash", body = ApiTokenListBody),
    (status = 403, description = "Needs ADMIN, READ_CLIENT_API_TOKEN or READ_FRONTEND_API_TOKEN"),
))]
async fn get_api_tokens(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<ApiTokenListBody>> {
    p.require(
        &[
            perm::ADMIN,
            perm::READ_CLIENT_API_TOKEN,
            perm::READ_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    let list = tokens::list_api_tokens(&state, &p, None).await?;
    list_json(&state, &list).await
}

/// Creates a client (backend) or frontend token; the answer holds its secret, shown once.
#[utoipa::path(post, path = "/api/admin/api-tokens", tag = "API tokens", request_body = CreateApiTokenRequest, responses(
    (status = 201, description = "The token with its `secret`", body = ApiTokenBody),
    (status = 400, description = "Invalid type, environment or project"),
    (status = 403, description = "Missing the create permission for this type"),
))]
async fn create_api_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<CreateApiTokenRequest>,
) -> AppResult<(StatusCode, Json<ApiTokenBody>)> {
    p.require(
        &[
            perm::ADMIN,
            perm::CREATE_CLIENT_API_TOKEN,
            perm::CREATE_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    let new = tokens::parse_api_token(&state, &body)?;
    let kind_perm = tokens::create_permission(new.kind);
    if !p.can(&[kind_perm], Scope::ROOT) {
        return Err(AppError::OperationDenied(format!(
            "You need the {kind_perm} permission to create {} tokens.",
            new.type_label
        )));
    }
    let auth = p.authenticated();
    let label = new.type_label.clone();
    let (token, secret) = tokens::create_api_token(&state, &auth, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenBody::new(
            &token,
            Some(secret.expose()),
            Some(&label),
        )),
    ))
}

/// The tokens with this name (a list, possibly empty).
#[utoipa::path(get, path = "/api/admin/api-tokens/{token}", tag = "API tokens", params(("token" = String, Path, description = "Token name")), responses(
    (status = 200, description = "The tokens", body = ApiTokenListBody),
))]
async fn get_api_tokens_by_name(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(name): Path<String>,
) -> AppResult<Json<ApiTokenListBody>> {
    p.require(
        &[
            perm::ADMIN,
            perm::READ_CLIENT_API_TOKEN,
            perm::READ_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    let list = tokens::list_api_tokens(&state, &p, Some(&name)).await?;
    list_json(&state, &list).await
}

async fn find(state: &AppState, key: &str) -> AppResult<ApiToken> {
    tokens::find_api_token(state, key).await?.ok_or_else(|| {
        AppError::not_found(format!(
            "Could not find an API token with selector or secret {}",
            short(key)
        ))
    })
}

/// Names a token in an error without repeating a secret.
fn short(key: &str) -> String {
    if key.len() <= 22 {
        format!("\"{key}\"")
    } else {
        "(the one given)".into()
    }
}

/// Changes a token's expiry (`{expiresAt}`, required).
#[utoipa::path(put, path = "/api/admin/api-tokens/{token}", tag = "API tokens", params(("token" = String, Path, description = "Token selector or secret")), request_body = UpdateApiTokenRequest, responses(
    (status = 200, description = "Updated"),
    (status = 400, description = "expiresAt missing or malformed"),
    (status = 404, description = "No such token"),
))]
async fn update_api_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<UpdateApiTokenRequest>,
) -> AppResult<()> {
    p.require(
        &[
            perm::ADMIN,
            perm::UPDATE_CLIENT_API_TOKEN,
            perm::UPDATE_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    let expires_at = body.expiry()?;
    let token = find(&state, &key).await?;
    let auth = p
        .require(&[tokens::update_permission(token.kind)], Scope::ROOT)
        .map_err(|_| {
            AppError::OperationDenied(format!(
                "You may not update {} tokens.",
                token.kind.as_str()
            ))
        })?;
    tokens::update_api_token_expiry(&state, &auth, &token, expires_at).await
}

/// Deletes a token; it stops working at once.
#[utoipa::path(delete, path = "/api/admin/api-tokens/{token}", tag = "API tokens", params(("token" = String, Path, description = "Token selector or secret")), responses(
    (status = 200, description = "Deleted"),
    (status = 404, description = "No such token"),
))]
async fn delete_api_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(key): Path<String>,
) -> AppResult<()> {
    p.require(
        &[
            perm::ADMIN,
            perm::DELETE_CLIENT_API_TOKEN,
            perm::DELETE_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    let token = find(&state, &key).await?;
    let auth = p
        .require(&[tokens::delete_permission(token.kind)], Scope::ROOT)
        .map_err(|_| {
            AppError::OperationDenied(format!(
                "You may not delete {} tokens.",
                token.kind.as_str()
            ))
        })?;
    tokens::delete_api_token(&state, &auth, &token).await
}

async fn known_project(state: &AppState, project: &str) -> AppResult<()> {
    let mut db = state.db.clone();
    if store::project_exists(&mut db, project).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!(
            "Could not find project with id {project}"
        )))
    }
}

/// The tokens that reach this project.
#[utoipa::path(get, path = "/api/admin/projects/{projectId}/api-tokens", tag = "API tokens", params(("projectId" = String, Path, description = "Project id")), responses(
    (status = 200, description = "The tokens", body = ApiTokenListBody),
    (status = 404, description = "No such project"),
))]
async fn get_project_api_tokens(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
) -> AppResult<Json<ApiTokenListBody>> {
    p.require(&[perm::READ_PROJECT_API_TOKEN], Scope::project(&project))?;
    known_project(&state, &project).await?;
    let list = tokens::list_project_api_tokens(&state, &project).await?;
    list_json(&state, &list).await
}

/// Creates a token for this project only.
#[utoipa::path(post, path = "/api/admin/projects/{projectId}/api-tokens", tag = "API tokens", params(("projectId" = String, Path, description = "Project id")), request_body(content = CreateApiTokenRequest, description = "The token; `projects` and `project` are replaced by this project"), responses(
    (status = 201, description = "The token with its `secret`", body = ApiTokenBody),
    (status = 404, description = "No such project"),
))]
async fn create_project_api_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
    ApiJson(mut body): ApiJson<CreateApiTokenRequest>,
) -> AppResult<(StatusCode, Json<ApiTokenBody>)> {
    let auth = p.require(&[perm::CREATE_PROJECT_API_TOKEN], Scope::project(&project))?;
    known_project(&state, &project).await?;
    body.project = Sent::default();
    body.projects = Sent::of(json!([project]));
    let new = tokens::parse_api_token(&state, &body)?;
    let label = new.type_label.clone();
    let (token, secret) = tokens::create_api_token(&state, &auth, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenBody::new(
            &token,
            Some(secret.expose()),
            Some(&label),
        )),
    ))
}

/// Deletes a token of this project.
#[utoipa::path(delete, path = "/api/admin/projects/{projectId}/api-tokens/{token}", tag = "API tokens", params(
    ("projectId" = String, Path, description = "Project id"),
    ("token" = String, Path, description = "Token selector or secret"),
), responses(
    (status = 200, description = "Deleted"),
    (status = 400, description = "The token reaches other projects too"),
    (status = 404, description = "No such project or token"),
))]
async fn delete_project_api_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path((project, key)): Path<(String, String)>,
) -> AppResult<()> {
    let auth = p.require(&[perm::DELETE_PROJECT_API_TOKEN], Scope::project(&project))?;
    known_project(&state, &project).await?;
    let token = find(&state, &key).await?;
    tokens::check_deletable_from_project(&token, &project)?;
    tokens::delete_api_token(&state, &auth, &token).await
}

/// Checks the permission to create tokens of this kind, which rotating one requires.
fn require_create(
    p: &crate::auth::Principal,
    token: &ApiToken,
) -> AppResult<crate::auth::Authorized> {
    p.require(&[tokens::create_permission(token.kind)], Scope::ROOT)
        .map_err(|_| {
            AppError::OperationDenied(format!(
                "You need the {} permission to rotate {} tokens.",
                tokens::create_permission(token.kind),
                token.kind.as_str()
            ))
        })
}

async fn rotate(
    state: &AppState,
    p: &crate::auth::Principal,
    token: &ApiToken,
    body: &RotateRequest,
) -> AppResult<(StatusCode, Json<ApiTokenBody>)> {
    let auth = require_create(p, token)?;
    let (new, secret) =
        crate::service::token_rotation::rotate_api_token(state, &auth, token, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenBody::new(&new, Some(secret.expose()), None)),
    ))
}

fn require_any_create(p: &crate::auth::Principal) -> AppResult<()> {
    p.require(
        &[
            perm::ADMIN,
            perm::CREATE_CLIENT_API_TOKEN,
            perm::CREATE_FRONTEND_API_TOKEN,
        ],
        Scope::ROOT,
    )?;
    Ok(())
}

/// Rotates the token with this selector (as token lists show it; never put a secret in a
/// URL): answers a new token with the same name, type, projects and environment, and its
/// secret, shown once. The old token keeps working for the grace period (`graceDays` 0 to 7,
/// default 1; or `graceHours`), then is refused, on every node within two seconds.
#[utoipa::path(post, path = "/api/admin/api-tokens/{selector}/rotate", tag = "API tokens", params(("selector" = String, Path, description = "Token selector")), request_body(content = RotateRequest, description = "The grace and the new expiry; an empty body takes the defaults"), responses(
    (status = 201, description = "The new token with its `secret`", body = ApiTokenBody),
    (status = 400, description = "A secret in the URL, a grace out of range, or the token was already rotated or has expired"),
    (status = 403, description = "Missing the permission to create tokens of this type"),
    (status = 404, description = "No token with this selector"),
))]
async fn rotate_api_token_by_selector(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(selector): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<ApiTokenBody>)> {
    require_any_create(&p)?;
    if selector.contains(':') {
        return Err(AppError::bad_data(
            "Do not put a token's secret in a URL: use its selector, or send {\"secret\": ...} to POST /api/admin/api-tokens/rotate. Consider this secret exposed and rotate it.",
        ));
    }
    let body = RotateRequest::from(optional_json(&headers, &body)?);
    let token = find(&state, &selector).await?;
    rotate(&state, &p, &token, &body).await
}

/// As the selector route, for a caller who holds the token's secret: `{secret, graceDays?,
/// graceHours?, expiresAt?}`.
#[utoipa::path(post, path = "/api/admin/api-tokens/rotate", tag = "API tokens", request_body = RotateBySecretRequest, responses(
    (status = 201, description = "The new token with its `secret`", body = ApiTokenBody),
    (status = 400, description = "secret missing, a grace out of range, or the token was already rotated or has expired"),
    (status = 403, description = "Missing the permission to create tokens of this type"),
    (status = 404, description = "No token with this secret"),
))]
async fn rotate_api_token_by_secret(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<RotateBySecretRequest>,
) -> AppResult<(StatusCode, Json<ApiTokenBody>)> {
    require_any_create(&p)?;
    let secret = body
        .secret
        .get()
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            AppError::bad_field(
                "/body/secret",
                "The `/body/secret` property is required: the secret of the token to rotate.",
            )
        })?;
    let token = tokens::find_api_token_by_secret(&state, secret.trim())
        .await?
        .ok_or_else(|| AppError::not_found("Could not find an API token with the secret given"))?;
    rotate(&state, &p, &token, &body.rotation).await
}
