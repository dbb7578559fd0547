//! Projects in the UI: the projects list.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::flags::seg;
use super::{error_page, render, Ctx, PageUser};
use crate::service;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/projects", get(projects))
}

struct ProjectRow {
    id: String,
    link: String,
    name: String,
    description: String,
    flags: i64,
    members: i64,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    ctx: Ctx,
    rows: Vec<ProjectRow>,
}

async fn projects(State(state): State<AppState>, page: PageUser) -> Response {
    let list = match service::projects::list(&state).await {
        Ok(l) => l,
        Err(e) => return error_page(page.base.clone(), e),
    };
    let rows = list
        .into_iter()
        .map(|(p, _)| ProjectRow {
            link: seg(&p.id),
            id: p.id,
            name: p.name,
            description: p.description.unwrap_or_default(),
            flags: p.feature_count,
            members: p.member_count,
        })
        .collect();
    let ctx = page.ctx("Projects", "projects");
    render(
        &ctx,
        StatusCode::OK,
        &ProjectsPage {
            ctx: ctx.clone(),
            rows,
        },
    )
}
