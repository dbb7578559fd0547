//! The archive: archived flags, with a search by name.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use crate::auth::permission::Scope;
use crate::domain::permissions::{DELETE_FEATURE, UPDATE_FEATURE};
use crate::http::ui::widgets::{seg, NO_PERMISSION};
use crate::http::ui::{render, Ctx, PageResult, PageUser};
use crate::service::features::{self};
use crate::state::AppState;
use crate::store::features::FeatureFilter;

struct ArchivedRow {
    name: String,
    link: String,
    project: String,
    project_link: String,
    archived: String,
    can_revive: bool,
    can_delete: bool,
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    ctx: Ctx,
    rows: Vec<ArchivedRow>,
    query: String,
    reason: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn archive_page(
    State(state): State<AppState>,
    page: PageUser,
    Query(search): Query<SearchQuery>,
) -> PageResult {
    let query = search.q.trim().to_string();
    let filter = FeatureFilter {
        archived: true,
        query: Some(query.clone()).filter(|q| !q.is_empty()),
        ..FeatureFilter::default()
    };
    let list = features::list_short(&state, &filter)
        .await
        .map_err(page.fail())?;
    let p = &page.principal;
    let rows = list
        .iter()
        .map(|f| {
            let name = f.name.clone();
            let project = f.project.clone();
            let scope = Scope::project(&project);
            ArchivedRow {
                link: seg(&name),
                archived: f
                    .archived_at
                    .as_deref()
                    .map(|s| s.chars().take(10).collect())
                    .unwrap_or_default(),
                can_revive: p.can(&[UPDATE_FEATURE], scope),
                can_delete: p.can(&[DELETE_FEATURE], scope),
                project_link: seg(&project),
                name,
                project,
            }
        })
        .collect();
    let ctx = page.ctx("Archive", "archive");
    Ok(render(
        &ctx,
        StatusCode::OK,
        &ArchivePage {
            ctx: ctx.clone(),
            rows,
            query,
            reason: NO_PERMISSION,
        },
    ))
}
