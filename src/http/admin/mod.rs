//! The Admin API under `/api/admin`.

pub mod events;
pub mod user;
pub mod user_admin;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(user::routes())
        .merge(user_admin::routes())
        .merge(events::routes())
}
