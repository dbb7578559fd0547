//! Reading flags: one in full, and the rows of lists and searches.

use super::*;

async fn creator_json(c: &mut impl Conn, user_id: Option<i64>) -> AppResult<Value> {
    let Some(id) = user_id else {
        return Ok(Value::Null);
    };
    Ok(creator_of(id, store::users::get(c, id).await?.as_ref()))
}

/// `createdBy` for the user `id`, found or not.
fn creator_of(id: i64, user: Option<&crate::domain::users::User>) -> Value {
    match user {
        Some(u) => {
            let j = u.to_json();
            json!({"id": u.id, "name": u.display_name(), "imageUrl": j["imageUrl"]})
        }
        // Unleash's admin-token user, or a user deleted since.
        None if id == crate::auth::principal::ADMIN_TOKEN_USER_ID => {
            json!({"id": id, "name": "Unleash Admin Token User", "imageUrl": ""})
        }
        None => json!({"id": id, "name": "Deleted user", "imageUrl": ""}),
    }
}

pub(super) fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect(),
    )
}

/// A flag in full, as `GET /api/admin/projects/{p}/features/{f}` shows it.
pub async fn detail(state: &AppState, project: &str, name: &str) -> AppResult<Value> {
    let mut db = state.db.clone();
    let f = load_in_project(&mut db, project, name).await?;
    detail_of(&mut db, &f).await
}

pub(super) async fn detail_of(c: &mut impl Conn, f: &Feature) -> AppResult<Value> {
    let envs = store::features::environments(c, f).await?;
    let created_by = creator_json(c, f.created_by_user_id).await?;
    let dependencies: Vec<Value> = store::features::dependencies(c, &f.name)
        .await?
        .iter()
        .map(Dependency::to_json)
        .collect();
    let children = store::features::children(c, &f.name).await?;
    let collaborators = if created_by.is_null() {
        json!([])
    } else {
        json!([created_by])
    };
    Ok(json!({
        "environments": envs.iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "name": f.name,
        "favorite": false,
        "impressionData": f.impression_data,
        "description": f.description,
        "project": f.project,
        "stale": f.stale,
        "createdAt": crate::domain::users::iso(f.created_at),
        "createdBy": created_by,
        "type": f.feature_type,
        "archived": f.archived_at.is_some(),
        "archivedAt": iso_opt(f.archived_at),
        "lastSeenAt": iso_opt(f.last_seen_at),
        "dependencies": dependencies,
        "children": children,
        "links": [],
        "collaborators": {"users": collaborators},
    }))
}

/// The rows of a project's flag list or of a search, in a fixed number of queries whatever
/// the number of flags (a few per 500).
async fn summaries(c: &mut impl Conn, flags: &[&Feature]) -> AppResult<Vec<Value>> {
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
                json!("child")
            } else if parents.contains(&f.name) {
                json!("parent")
            } else {
                Value::Null
            };
            let created_by = f
                .created_by_user_id
                .map_or(Value::Null, |id| creator_of(id, creators.get(&id)));
            summary_json(
                f,
                &envs,
                segments,
                &tags.remove(&f.name).unwrap_or_default(),
                dependency_type,
                created_by,
            )
        })
        .collect())
}

fn summary_json(
    f: &Feature,
    envs: &[crate::domain::features::FeatureEnvironment],
    segments: Vec<String>,
    tags: &[(String, String)],
    dependency_type: Value,
    created_by: Value,
) -> Value {
    json!({
        "name": f.name,
        "description": f.description,
        "dependencyType": dependency_type,
        "type": f.feature_type,
        "project": f.project,
        "stale": f.stale,
        "favorite": false,
        "impressionData": f.impression_data,
        "createdAt": crate::domain::users::iso(f.created_at),
        "archivedAt": iso_opt(f.archived_at),
        "lastSeenAt": iso_opt(f.last_seen_at),
        "createdBy": created_by,
        "environments": envs.iter().map(|e| e.summary_json(&f.name)).collect::<Vec<_>>(),
        "segments": segments,
        "tags": tags_json(tags),
    })
}

/// Flags matching a filter, summarised, with paging; returns (page, total).
pub async fn search(
    state: &AppState,
    filter: &FeatureFilter,
    offset: usize,
    limit: usize,
) -> AppResult<(Vec<Value>, usize)> {
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
pub async fn list_short(state: &AppState, filter: &FeatureFilter) -> AppResult<Vec<Value>> {
    let mut db = state.db.clone();
    let mut out = Vec::new();
    let flags = store::features::list(&mut db, filter).await?;
    let mut all_envs =
        store::features::environments_of_many(&mut db, &flags.iter().collect::<Vec<_>>()).await?;
    for f in flags {
        let envs = all_envs.remove(&f.name).unwrap_or_default();
        let mut v = f.to_json();
        v["archivedAt"] = iso_opt(f.archived_at);
        v["lastSeenAt"] = iso_opt(f.last_seen_at);
        v["environments"] = Value::Array(envs.iter().map(|e| e.summary_json(&f.name)).collect());
        out.push(v);
    }
    Ok(out)
}
