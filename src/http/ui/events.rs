//! The event log (Admin only): newest first, filtered by flag, project, type and actor.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use super::widgets::require_admin;
use super::{date_time, render, Ctx, PageResult, PageUser};
use crate::domain::events::EventQuery;
use crate::service;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/history", get(history))
}

const PAGE_SIZE: u64 = 50;

#[derive(serde::Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub feature: String,
    #[serde(default)]
    pub project: String,
    #[serde(default, rename = "type")]
    pub event_type: String,
    #[serde(default, rename = "createdBy")]
    pub created_by: String,
    #[serde(default)]
    pub offset: Option<u64>,
}

impl Filters {
    /// The filters as a query string, for the paging links.
    fn query(&self, offset: u64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("feature", &self.feature),
            ("project", &self.project),
            ("type", &self.event_type),
            ("createdBy", &self.created_by),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if offset > 0 {
            s.append_pair("offset", &offset.to_string());
        }
        s.finish()
    }
}

pub struct EventRow {
    pub id: i64,
    pub when: String,
    pub event_type: String,
    pub actor: String,
    pub project: String,
    pub feature: String,
    pub environment: String,
    pub data: String,
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    ctx: Ctx,
    filters: Filters,
    rows: Vec<EventRow>,
    total: i64,
    from: u64,
    to: u64,
    prev: Option<String>,
    next: Option<String>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn pretty(e: &crate::domain::events::Event) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &e.data {
        parts.push(format!(
            "data: {}",
            serde_json::to_string_pretty(d).unwrap_or_default()
        ));
    }
    if let Some(d) = &e.pre_data {
        parts.push(format!(
            "preData: {}",
            serde_json::to_string_pretty(d).unwrap_or_default()
        ));
    }
    parts.join("\n")
}

async fn history(
    State(state): State<AppState>,
    page: PageUser,
    Query(filters): Query<Filters>,
) -> PageResult {
    let ctx = page.ctx("Event log", "history");
    require_admin(&page, &ctx, "Only admins can read the event log.")?;
    let offset = filters
        .offset
        .unwrap_or(0)
        .min(crate::http::extract::MAX_OFFSET);
    let q = EventQuery {
        feature_name: opt(&filters.feature),
        project: opt(&filters.project),
        event_type: opt(&filters.event_type),
        created_by: opt(&filters.created_by),
        offset,
        limit: PAGE_SIZE,
        ..Default::default()
    };
    let (events, total) = service::events::search(&state, &q)
        .await
        .map_err(page.fail())?;
    let rows: Vec<EventRow> = events
        .iter()
        .map(|e| EventRow {
            id: e.id,
            when: date_time(e.created_at),
            event_type: e.event_type.clone(),
            actor: e.created_by.clone(),
            project: e.project.clone().unwrap_or_default(),
            feature: e.feature_name.clone().unwrap_or_default(),
            environment: e.environment.clone().unwrap_or_default(),
            data: pretty(e),
        })
        .collect();
    let shown = rows.len() as u64;
    let prev = (offset > 0).then(|| filters.query(offset.saturating_sub(PAGE_SIZE)));
    let next = ((offset + shown) < total.max(0) as u64).then(|| filters.query(offset + PAGE_SIZE));
    let from = if shown == 0 { 0 } else { offset + 1 };
    let p = EventsPage {
        ctx: ctx.clone(),
        filters,
        rows,
        total,
        from,
        to: offset + shown,
        prev,
        next,
    };
    Ok(render(&ctx, StatusCode::OK, &p))
}
