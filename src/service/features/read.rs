//! Reading flags: one in full, and the rows of lists and searches.

use super::*;
use crate::domain::users::iso;
use crate::service::shapes::{
    FlagCollaborators, FlagCreatedBy, FlagDependency, FlagDetail, FlagEnvironment,
    FlagEnvironmentSummary, FlagListItem, FlagSummary, Tag,
};

async fn creator(c: &mut impl Conn, user_id: Option<i64>) -> AppResult<Option<FlagCreatedBy>> {
    let Some(id) = user_id else {
        return Ok(None);
    };
    let user = store::users::get(c, id).await?;
    Ok(Some(FlagCreatedBy::new(id, user.as_ref())))
}

/// A flag in full, as `GET /api/admin/projects/{p}/features/{f}` shows it (without its
/// links, which the cached view adds).
pub async fn detail(state: &AppState, project: &str, name: &str) -> AppResult<FlagDetail> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    detail_of(&mut db, &f).await
}

pub(super) async fn detail_of(c: &mut impl Conn, f: &Feature) -> AppResult<FlagDetail> {
    let envs = store::features::environments(c, f).await?;
    let created_by = creator(c, f.created_by_user_id).await?;
    let dependencies = store::features::dependencies(c, &f.name)
        .await?
        .iter()
        .map(FlagDependency::from)
        .collect();
    let children = store::features::children(c, &f.name).await?;
    Ok(FlagDetail {
        archived: f.archived_at.is_some(),
        archived_at: f.archived_at.map(iso),
        children,
        collaborators: FlagCollaborators {
            users: created_by.iter().cloned().collect(),
        },
        created_at: iso(f.created_at),
        created_by,
        dependencies,
        description: f.description.clone(),
        environments: envs.iter().map(FlagEnvironment::from).collect(),
        favorite: false,
        impression_data: f.impression_data,
        last_seen_at: f.last_seen_at.map(iso),
        links: Vec::new(),
        name: f.name.clone(),
        project: f.project.clone(),
        stale: f.stale,
        flag_type: f.feature_type.clone(),
    })
}

/// The rows of a project's flag list or of a search, in a fixed number of queries whatever
/// the number of flags (a few per 500).
async fn summaries(c: &mut impl Conn, flags: &[&Feature]) -> AppResult<Vec<FlagSummary>> {
    let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
    let mut envs = store::features::environments_of_many(c, flags).await?;
    let mut tags = store::features::tags_of_many(c, &names).await?;
    let (children, parents) = store::features::dependency_roles(c, &names).await?;
    let mut creator_ids: Vec<i64> = flags.iter().filter_map(|f| f.created_by_user_id).collect();
    creator_ids.sort_unstable();
    creator_ids.dedup();
    let creators: std::collections::HashMap<i64, crate::domain::users::User> =
        store::users::get_many(c, &creator_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let mut segment_ids: Vec<i64> = envs
        .values()
        .flatten()
        .flat_map(|e| e.strategies.iter().flat_map(|s| s.segments.iter().copied()))
        .collect();
    segment_ids.sort_unstable();
    segment_ids.dedup();
    let segment_names: std::collections::HashMap<i64, String> =
        store::segments::get_many(c, &segment_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    Ok(flags
        .iter()
        .map(|f| {
            let envs = envs.remove(&f.name).unwrap_or_default();
            let mut ids: Vec<i64> = envs
                .iter()
                .flat_map(|e| e.strategies.iter().flat_map(|s| s.segments.iter().copied()))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let segments: Vec<String> = ids
                .iter()
                .filter_map(|id| segment_names.get(id).cloned())
                .collect();
            let dependency_type = if children.contains(&f.name) {
                Some("child".to_string())
            } else if parents.contains(&f.name) {
                Some("parent".to_string())
            } else {
                None
            };
            FlagSummary {
                archived_at: f.archived_at.map(iso),
                created_at: iso(f.created_at),
                created_by: f
                    .created_by_user_id
                    .map(|id| FlagCreatedBy::new(id, creators.get(&id))),
                dependency_type,
                description: f.description.clone(),
                environments: FlagEnvironmentSummary::list(&envs, &f.name),
                favorite: false,
                impression_data: f.impression_data,
                last_seen_at: f.last_seen_at.map(iso),
                name: f.name.clone(),
                project: f.project.clone(),
                segments,
                stale: f.stale,
                tags: Tag::list(&tags.remove(&f.name).unwrap_or_default()),
                flag_type: f.feature_type.clone(),
            }
        })
        .collect())
}

/// Flags matching a filter, summarised, with paging; returns (page, total).
pub async fn search(
    state: &AppState,
    filter: &FeatureFilter,
    offset: usize,
    limit: usize,
) -> AppResult<(Vec<FlagSummary>, usize)> {
    let mut db = state.db.clone();
    if let Some(projects) = &filter.projects {
        for p in projects {
            require_project(&mut db, p).await?;
        }
    }
    let all = store::features::list(&mut db, filter).await?;
    let total = all.len();
    let page: Vec<&Feature> = all.iter().skip(offset).take(limit).collect();
    Ok((summaries(&mut db, &page).await?, total))
}

/// The legacy and archive listings: the short form plus environments.
pub async fn list_short(state: &AppState, filter: &FeatureFilter) -> AppResult<Vec<FlagListItem>> {
    let mut db = state.db.clone();
    let flags = store::features::list(&mut db, filter).await?;
    let mut all_envs =
        store::features::environments_of_many(&mut db, &flags.iter().collect::<Vec<_>>()).await?;
    Ok(flags
        .iter()
        .map(|f| {
            let envs = all_envs.remove(&f.name).unwrap_or_default();
            FlagListItem::new(f, &envs)
        })
        .collect())
}
