//! API tokens (client/backend and frontend) at Unleash's address `/admin/api`: list, create
//! (the secret is shown once, with a Copy button), delete after a confirmation. Listing
//! needs ADMIN or a READ_*_API_TOKEN permission and shows only the types the user may
//! read; creating and deleting need the permission of the token's type, as in the Admin API.
//!
//! The table, the new-token form and the two dialogs (the shown-once secret and the delete
//! confirmation) are shared with a project's API access page: [`TokenSection`] carries what
//! the `api_token_*.html` includes need. They live in [`section`]; [`page`] renders the
//! API access page and [`actions`] handles its forms.

mod actions;
mod page;
mod section;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use actions::{confirm, confirm_rotate, create, delete, rotate};
use page::list;
pub(super) use section::{
    confirming, token_to_delete, TokenForm, TokenRow, TokenSection, CLIENT_KIND, FRONTEND_KIND,
};

const PATH: &str = "/admin/api";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/admin/api/{selector}/delete", get(confirm).post(delete))
        .route(
            "/admin/api/{selector}/rotate",
            get(confirm_rotate).post(rotate),
        )
}
