//! The admin web UI: server-rendered askama pages that call the same services as the
//! Admin API. Pages work without JavaScript; `static/app.js` only adds conveniences
//! (copying to the clipboard, the live expiry date and curl example).
//!
//! Every page needs a signed-in user (session cookie); requests without one are sent to
//! `/login`. Every form that changes something carries a CSRF token derived from the
//! session (see [`csrf_token`]) and is checked by the [`CsrfForm`] extractor.
//!
//! This file holds the module list, the router and the static assets; the pieces every
//! page shares live in [`cookies`] (the flash cookie and CSRF token), [`extract`] (the
//! signed-in user and checked forms) and [`layout`] (rendering pages, errors, redirects).

// Handlers answer refusals with ready pages; a large `Err` is fine off the hot path.
#![allow(clippy::result_large_err)]

mod addons;
mod api_tokens;
mod cookies;
mod dashboard;
mod events;
mod extract;
mod flag_details;
mod flags;
mod forms;
mod invite;
mod layout;
mod login;
mod pats;
mod profile;
mod projects;
mod reset_password;
mod service_accounts;
mod strategy_form;
mod token_inventory;
mod token_policy;
mod users;
mod variants;
mod widgets;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub use cookies::csrf_token;
pub use extract::{CsrfForm, PageUser};
pub use layout::{
    date, date_time, error_page, error_text, message_page, redirect_with_flash, refusal, render,
    safe_redirect, Ctx, PageError, PageResult,
};

/// The UI's routes; merged into the application router (not part of the OpenAPI document).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(login::routes())
        .merge(profile::routes())
        .merge(pats::routes())
        .merge(users::routes())
        .merge(invite::routes())
        .merge(events::routes())
        .merge(flags::routes())
        .merge(strategy_form::routes())
        .merge(flag_details::routes())
        .merge(api_tokens::routes())
        .merge(projects::routes())
        .merge(variants::routes())
        .merge(reset_password::routes())
        .merge(token_policy::routes())
        .merge(service_accounts::routes())
        .merge(token_inventory::routes())
        .merge(addons::routes())
}

const APP_CSS: &str = include_str!("../../../static/app.css");

const APP_JS: &str = include_str!("../../../static/app.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

/// The dashboard; signing in without a page asked for lands here.
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    page: PageUser,
) -> PageResult {
    dashboard::show(&state, &page).await
}
