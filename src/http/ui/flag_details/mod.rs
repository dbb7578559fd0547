//! A flag's details and the destructive actions around it, in the UI:
//!
//! - **Edit flag** (`/projects/{p}/features/{f}/edit`): type, description, stale and
//!   impression data, saved through the same service as
//!   `PUT /api/admin/projects/{p}/features/{f}` (which records the metadata event, and the
//!   stale on/off events as `POST /api/admin/projects/{p}/stale` does).
//! - **The archive** (`/archive`): archived flags with a search by name, **Revive** and
//!   **Delete** (for good, as `DELETE /api/admin/archive/{flag}`).
//! - **Confirmation pages** for archiving a flag, deleting a strategy and deleting an
//!   archived flag.
//!
//! Destructive actions work without JavaScript: their buttons post to the action, and the
//! server acts only when the post carries `confirm=yes`. A post without it, or a GET of the
//! action's address, shows a confirmation page whose form posts `confirm=yes`. With
//! JavaScript on, the page's `data-confirm` dialog adds `confirm=yes`, so one click and the
//! browser's confirmation are enough.
//!
//! [`confirm`] holds the confirmation pages and deleting an archived flag, [`edit`] the
//! edit form and [`archive`] the archive list.

mod archive;
mod confirm;
mod edit;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use archive::archive_page;
pub(super) use confirm::{archive_confirmation, strategy_confirmation};
use confirm::{confirm_archive, confirm_delete_flag, confirm_delete_strategy, delete_flag};
use edit::{edit_form, save};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project}/features/{flag}/edit",
            get(edit_form).post(save),
        )
        // The POSTs of the next two addresses are `flags::archive_flag` and
        // `strategy_form::delete_strategy`; they ask with the same pages as these GETs.
        .route(
            "/projects/{project}/features/{flag}/archive",
            get(confirm_archive),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/delete",
            get(confirm_delete_strategy),
        )
        .route("/archive", get(archive_page))
        .route(
            "/archive/{flag}/delete",
            get(confirm_delete_flag).post(delete_flag),
        )
}
