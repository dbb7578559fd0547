//! The dashboard at `/`: a greeting, counts (projects, flags, archived flags, the user's
//! personal access tokens and how many expire soon), the flags changed most recently (from
//! the event log) and links to the main pages.

use askama::Template;
use axum::http::StatusCode;

use super::widgets::flag_path;
use super::{date_time, render, Ctx, PageResult, PageUser};
use crate::domain::tokens::expiry_counts;
use crate::service;
use crate::state::AppState;

/// How many recently changed flags the dashboard lists.
const RECENT_FLAGS: u64 = 10;

struct RecentRow {
    name: String,
    link: String,
    project: String,
    project_link: String,
    change: String,
    by: String,
    when: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    projects: usize,
    flags: usize,
    flags_link: String,
    archived: usize,
    pats: usize,
    expiring: usize,
    expired: usize,
    recent: Vec<RecentRow>,
}

pub async fn show(state: &AppState, page: &PageUser) -> PageResult {
    let projects = service::projects::list(state).await.map_err(page.fail())?;
    let (flags, archived) = service::features::counts(state)
        .await
        .map_err(page.fail())?;
    let pats = service::tokens::list_pats(state, page.user().user.id)
        .await
        .map_err(page.fail())?;
    let recent = service::events::latest_flag_changes(state, RECENT_FLAGS)
        .await
        .map_err(page.fail())?;
    let now = state.clock.now();
    // The same rule as the token page's "expires soon" and the API's `expiryWarning`.
    let lead_days = &state.config.token_expiry_notification_days;
    let (expiring, expired) = expiry_counts(&pats, now, lead_days);
    // With one project, "flags" leads straight to its list.
    let flags_link = match projects.as_slice() {
        [(only, _)] => format!("/projects/{}", super::widgets::seg(&only.id)),
        _ => "/projects".to_string(),
    };
    let recent = recent
        .into_iter()
        .filter_map(|e| {
            let name = e.feature_name?;
            let project = e.project?;
            Some(RecentRow {
                link: flag_path(&project, &name),
                project_link: super::widgets::seg(&project),
                name,
                project,
                change: e.event_type,
                by: e.created_by,
                when: date_time(e.created_at),
            })
        })
        .collect();
    let ctx = page.ctx("Dashboard", "dashboard");
    Ok(render(
        &ctx,
        StatusCode::OK,
        &DashboardPage {
            ctx: ctx.clone(),
            projects: projects.len(),
            flags,
            flags_link,
            archived,
            pats: pats.len(),
            expiring,
            expired,
            recent,
        },
    ))
}
