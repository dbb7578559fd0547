//! Service accounts (Admin only): list, create, change name and role, delete, and mint
//! (secret shown once) or delete their tokens.
//!
//! [`list`] holds the list and the create form, [`detail`] an account's page and its
//! changes, [`actions`] minting a token and deleting accounts and tokens.

mod actions;
mod detail;
mod list;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use actions::{confirm_delete, confirm_delete_token, create_token, delete, delete_token};
use detail::{detail, update};
use list::{create, list};

const LIST: &str = "/admin/service-accounts";

const NAV: &str = "service-accounts";

const REFUSAL: &str =
    "Only admins can manage service accounts. Ask an admin of this Switchyard if you need one.";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(LIST, get(list).post(create))
        .route("/admin/service-accounts/{id}", get(detail).post(update))
        .route(
            "/admin/service-accounts/{id}/delete",
            get(confirm_delete).post(delete),
        )
        .route(
            "/admin/service-accounts/{id}/tokens",
            axum::routing::post(create_token),
        )
        .route(
            "/admin/service-accounts/{id}/tokens/{token}/delete",
            get(confirm_delete_token).post(delete_token),
        )
}
