//! Feature flags in the UI: a project's flags (search and
//! the "New flag" form), a flag's page (one row per environment with its switch and its
//! strategies), archiving and reviving. A flag's edit form, the confirmation pages and the
//! archive list live in [`super::flag_details`], the strategy form in
//! [`super::strategy_form`]. Every page is readable by any signed-in user; each control is
//! shown only to those whose permission allows it, and every POST checks the same
//! permission as the Admin API route that does the same thing.
//!
//! [`project`] holds a project's flag list, [`flag`] a flag's page and [`switches`] the
//! environment switch, archiving and reviving.

mod flag;
mod project;
mod switches;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use flag::flag_page;
use project::{create_flag, project_page};
use switches::{archive_flag, revive_flag, toggle};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{project}", get(project_page).post(create_flag))
        .route("/projects/{project}/features/{flag}", get(flag_page))
        .route(
            "/projects/{project}/features/{flag}/archive",
            post(archive_flag),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/toggle",
            post(toggle),
        )
        .route("/archive/{flag}/revive", post(revive_flag))
}
