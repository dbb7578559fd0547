//! The Admins' token inventory: `/api/admin/personal-access-tokens`.

use axum::extract::{Path, State};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::token_inventory::{parse_days, parse_flag, parse_owner_kind, InventoryFilter};
use crate::error::AppResult;
use crate::http::extract::{parse_id, ApiQuery, Caller};
use crate::http::wire::tokens::{InventoryBody, InventoryTokenBody};
use crate::service::token_inventory;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct InventoryParams {
    /// Only tokens of this owner: a user or service account id, username or email.
    owner: Option<String>,
    /// `person` or `service`: only people's tokens, or only service accounts'.
    owner_type: Option<String>,
    /// `true`: only expired tokens; `false`: only unexpired ones.
    expired: Option<String>,
    /// Only unexpired tokens that expire within this many days (0 to 36500).
    expiring_within_days: Option<String>,
    /// Only tokens neither used nor created within this many days (0 to 36500).
    unused_for_days: Option<String>,
    /// `true`: only tokens that never expire; `false`: only those that do.
    never_expires: Option<String>,
}

impl InventoryParams {
    fn filter(&self) -> AppResult<InventoryFilter> {
        Ok(InventoryFilter {
            owner_kind: match &self.owner_type {
                Some(v) => parse_owner_kind(v)?,
                None => Default::default(),
            },
            expired: self
                .expired
                .as_deref()
                .map(|v| parse_flag("expired", v))
                .transpose()?,
            expiring_within_days: self
                .expiring_within_days
                .as_deref()
                .map(|v| parse_days("expiringWithinDays", v))
                .transpose()?,
            unused_for_days: self
                .unused_for_days
                .as_deref()
                .map(|v| parse_days("unusedForDays", v))
                .transpose()?,
            never_expires: self
                .never_expires
                .as_deref()
                .map(|v| parse_flag("neverExpires", v))
                .transpose()?,
        })
    }
}

/// Every personal access token and service-account token (Admin only): owner, description,
/// scope as stored, created, expires, last use and last client addresses; never a secret.
#[utoipa::path(get, path = "/api/admin/personal-access-tokens", tag = "Personal access tokens", params(InventoryParams), responses(
    (status = 200, description = "The tokens that match the filters, and how many", body = InventoryBody),
    (status = 400, description = "A filter is malformed (the message names it)"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiQuery(params): ApiQuery<InventoryParams>,
) -> AppResult<Json<InventoryBody>> {
    p.require_admin()?;
    let filter = params.filter()?;
    let entries = token_inventory::list(&state, params.owner.as_deref(), &filter).await?;
    let now = state.clock.now();
    let tokens: Vec<InventoryTokenBody> = entries
        .iter()
        .map(|e| InventoryTokenBody::new(&e.token, now, &e.addresses))
        .collect();
    Ok(Json(InventoryBody {
        total: tokens.len(),
        tokens,
    }))
}

/// Revokes any personal access token or service-account token (Admin only). It stops
/// working at once on every node; the audit log records the acting Admin and the owner's id.
#[utoipa::path(delete, path = "/api/admin/personal-access-tokens/{id}", tag = "Personal access tokens", params(("id" = i64, Path, description = "Token id")), responses(
    (status = 200, description = "Revoked"),
    (status = 400, description = "The id is not an integer"),
    (status = 403, description = "Needs ADMIN"),
    (status = 404, description = "No token with this id"),
))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> AppResult<()> {
    let id = parse_id("id", &id)?;
    let auth = p.require_admin()?;
    token_inventory::revoke(&state, &auth, id).await?;
    Ok(())
}
