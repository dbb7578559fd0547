//! `GET /api/admin/user-admin/search?q=`: find users by name, username or email (Unleash's
//! Terraform provider looks users up by email this way).

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::http::extract::{ApiQuery, Caller};
use crate::http::wire::users::UserBody;
use crate::service::users;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_users))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// At least two characters: matched anywhere in the name, or at the start of the
    /// username or email, ignoring case.
    q: Option<String>,
}

/// Users whose name contains `q`, or whose username or email starts with it (any signed-in
/// caller, as in Unleash; service accounts are not listed). Fewer than two characters
/// find nothing.
#[utoipa::path(get, path = "/api/admin/user-admin/search", tag = "Users", params(SearchQuery), responses(
    (status = 200, description = "The users found", body = Vec<UserBody>),
    (status = 401, description = "Not signed in"),
))]
async fn search_users(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> AppResult<Json<Vec<UserBody>>> {
    let q = query.q.unwrap_or_default();
    if q.chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let found = users::search(&state, &q).await?;
    Ok(Json(found.iter().map(UserBody::from).collect()))
}
