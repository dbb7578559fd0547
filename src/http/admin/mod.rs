//! The Admin API under `/api/admin`.

pub mod addons;
pub mod api_tokens;
pub mod applications;
pub mod context;
pub mod environments;
pub mod events;
pub mod export_import;
pub mod favorites;
pub mod feature_environments;
pub mod features;
pub mod instance_admin;
pub mod invite_links;
pub mod links;
pub mod maintenance;
pub mod metrics;
pub mod pats;
pub mod playground;
pub mod project_settings;
pub mod projects;
pub mod segments;
pub mod service_accounts;
pub mod strategies;
pub mod tag_types;
pub mod token_inventory;
pub mod token_policy;
pub mod ui_config;
pub mod user;
pub mod user_admin;
pub mod user_search;
pub mod validation;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(user::routes())
        .merge(user_admin::routes())
        .merge(user_search::routes())
        .merge(events::routes())
        .merge(pats::routes())
        .merge(token_inventory::routes())
        .merge(service_accounts::routes())
        .merge(api_tokens::routes())
        .merge(strategies::routes())
        .merge(context::routes())
        .merge(projects::routes())
        .merge(project_settings::routes())
        .merge(features::routes())
        .merge(feature_environments::routes())
        .merge(segments::routes())
        .merge(environments::routes())
        .merge(tag_types::routes())
        .merge(metrics::routes())
        .merge(applications::routes())
        .merge(ui_config::routes())
        .merge(playground::routes())
        .merge(export_import::routes())
        .merge(validation::routes())
        .merge(favorites::routes())
        .merge(links::routes())
        .merge(instance_admin::routes())
        .merge(invite_links::routes())
        .merge(maintenance::routes())
        .merge(token_policy::routes())
        .merge(addons::routes())
}

/// A JSON answer whose body is already serialized (the Admin API's cached views).
pub(crate) fn json_bytes(body: axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
