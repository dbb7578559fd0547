//! The Admin API under `/api/admin`.

pub mod api_tokens;
pub mod events;
pub mod metrics;
pub mod pats;
pub mod user;
pub mod user_admin;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(user::routes())
        .merge(user_admin::routes())
        .merge(events::routes())
        .merge(pats::routes())
        .merge(api_tokens::routes())
        .merge(metrics::routes())
}
