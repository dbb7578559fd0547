//! Personal access tokens and API tokens.

use crate::auth::{ApiTokenPrincipal, UserPrincipal};
use crate::error::AppResult;
use crate::state::AppState;

/// The user behind a personal access token, if the token is valid and unexpired.
pub async fn authenticate_pat(_state: &AppState, _token: &str) -> AppResult<Option<UserPrincipal>> {
    Ok(None)
}

/// The API token behind a secret, if it is valid and unexpired.
pub async fn authenticate_api_token(
    _state: &AppState,
    _token: &str,
) -> AppResult<Option<ApiTokenPrincipal>> {
    Ok(None)
}
