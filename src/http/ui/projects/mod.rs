//! Projects in the UI: the projects list, **New project** (`/projects/new`), a project's
//! **Settings** (name and description, the environments it uses, deleting it) and its
//! **API access** (the API tokens that reach it, and tokens made for it alone).
//!
//! Every page calls the same services as the Admin API and checks the same permission as
//! the matching route: `CREATE_PROJECT` to create, `UPDATE_PROJECT` for settings and
//! environments, `DELETE_PROJECT` to delete, `READ_/CREATE_/DELETE_PROJECT_API_TOKEN` (in
//! the project) for its tokens. Controls a user may not use are greyed out with the reason,
//! and a crafted POST is refused anyway.
//!
//! The list and the new-project form are in [`list`], the settings in [`settings`], and API
//! access in [`api_access`].

mod api_access;
mod list;
mod settings;

use axum::Router;

use super::widgets::seg;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(list::routes())
        .merge(settings::routes())
        .merge(api_access::routes())
}

fn project_path(project: &str) -> String {
    format!("/projects/{}", seg(project))
}

/// Which input a service error is about, to mark it invalid: `id`, `name` or none.
fn error_field(e: &AppError) -> &'static str {
    match e {
        AppError::NameExists(_) => "id",
        AppError::BadData { details, .. } => {
            match details.first().and_then(|d| d.path.as_deref()) {
                Some("/body/id") => "id",
                Some("/body/name") => "name",
                _ => "",
            }
        }
        _ => "",
    }
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}
