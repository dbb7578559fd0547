//! Flag links: add, change, remove (UPDATE_FEATURE), each with an audit event.

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::links::{self as rules, MAX_LINKS_PER_FLAG};
use crate::error::{AppError, AppResult};
use crate::service::shapes::FlagLink;
use crate::state::AppState;
use crate::store::{self, links::LinkRow, Conn};

/// A link as the request sends it (`linkSchema`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct LinkInput {
    pub url: Option<String>,
    pub title: Option<String>,
}

/// A flag's links, for the flag read.
pub async fn of_feature(state: &AppState, feature: &str) -> AppResult<Vec<FlagLink>> {
    let mut db = state.db.clone();
    Ok(store::links::of_feature(&mut db, feature)
        .await?
        .iter()
        .map(FlagLink::from)
        .collect())
}

async fn check_flag(c: &mut impl Conn, project: &str, feature: &str) -> AppResult<()> {
    match store::features::get(c, feature).await? {
        Some(f) if f.project == project => Ok(()),
        _ => Err(AppError::not_found(format!(
            "Could not find feature with name {feature}"
        ))),
    }
}

fn checked(input: LinkInput) -> AppResult<(String, Option<String>, Option<String>)> {
    let url = input.url.ok_or_else(|| {
        AppError::bad_field(
            "/body/url",
            "The `/body/url` property is required. It was not present on the data you sent.",
        )
    })?;
    let (url, domain) = rules::normalize_url(&url)?;
    let title = input.title.filter(|t| !t.trim().is_empty());
    Ok((url, title, domain))
}

fn event(kind: &'static str, project: &str, feature: &str) -> NewEvent {
    NewEvent::new(kind).project(project).feature(feature)
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    feature: &str,
    input: LinkInput,
) -> AppResult<LinkRow> {
    let (url, title, domain) = checked(input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    check_flag(&mut tx, project, feature).await?;
    if store::links::count(&mut tx, Some(feature)).await? >= MAX_LINKS_PER_FLAG as i64 {
        return Err(AppError::OperationDenied(format!(
            "Too many links ({MAX_LINKS_PER_FLAG}) exist for this feature"
        )));
    }
    let link = LinkRow {
        id: rules::new_link_id(now.timestamp_millis().max(0) as u64),
        feature_name: feature.to_string(),
        url,
        title,
        domain,
    };
    store::links::insert(&mut tx, &link, now).await?;
    let ev = event(rules::FEATURE_LINK_ADDED, project, feature)
        .data(json!({"url": link.url, "title": link.title}));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(link)
}

async fn load(c: &mut impl Conn, project: &str, feature: &str, id: &str) -> AppResult<LinkRow> {
    check_flag(c, project, feature).await?;
    match store::links::get(c, id).await? {
        Some(l) if l.feature_name == feature => Ok(l),
        _ => Err(AppError::not_found(format!(
            "Could not find link with id {id}"
        ))),
    }
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    feature: &str,
    id: &str,
    input: LinkInput,
) -> AppResult<LinkRow> {
    let (url, title, domain) = checked(input)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, project, feature, id).await?;
    let after = LinkRow {
        url,
        title,
        domain,
        ..before.clone()
    };
    store::links::update(&mut tx, &after).await?;
    let ev = event(rules::FEATURE_LINK_UPDATED, project, feature)
        .data(json!({"url": after.url, "title": after.title}))
        .pre_data(json!({"url": before.url, "title": before.title}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    feature: &str,
    id: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, project, feature, id).await?;
    store::links::delete(&mut tx, id).await?;
    let ev = event(rules::FEATURE_LINK_REMOVED, project, feature)
        .pre_data(json!({"url": before.url, "title": before.title}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
