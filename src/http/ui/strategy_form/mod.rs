//! The strategy form of the UI: adding, editing, deleting and moving a flag's activation
//! strategies in one environment, with their parameters, constraints, segments and variants.
//! Each POST checks the same permission as the Admin API route that does the same thing.
//!
//! [`form`] holds the form's state and how a posted form becomes a strategy body, [`page`]
//! renders it, [`edit`] adds and saves strategies, [`order`] deletes and moves them.

mod edit;
mod form;
mod order;
mod page;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use edit::{add_strategy, edit_strategy, new_strategy, save_strategy};
use order::{delete_strategy, move_strategy};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/new",
            get(new_strategy).post(add_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/edit",
            get(edit_strategy).post(save_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/delete",
            post(delete_strategy),
        )
        .route(
            "/projects/{project}/features/{flag}/environments/{env}/strategies/{id}/move",
            post(move_strategy),
        )
}
