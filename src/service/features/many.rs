//! Changes to several flags of a project at once, all or nothing.

use super::*;

/// The flags named in a batch request, checked to belong to `project`. Unknown names are
/// left out when `skip_unknown`, else 404.
async fn batch(
    c: &mut impl Conn,
    project: &str,
    names: &[String],
    skip_unknown: bool,
) -> AppResult<Vec<Feature>> {
    require_project(c, project).await?;
    let mut out = Vec::new();
    for name in names {
        match store::features::get(c, name).await? {
            Some(f) if f.project == project => out.push(f),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/features",
                    format!("The flag \"{name}\" is not in the project \"{project}\"."),
                ))
            }
            None if skip_unknown => {}
            None => return Err(feature_not_found(name)),
        }
    }
    Ok(out)
}

/// Archives several flags of a project, all or nothing; unknown or already archived ones are
/// skipped.
pub async fn archive_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, true).await? {
        if f.archived_at.is_none() {
            archive_in(&mut tx, state, auth, &f).await?;
        }
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Revives several archived flags of a project, all or nothing.
pub async fn revive_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        revive_in(&mut tx, state, auth, &f.name).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Deletes several archived flags of a project for good, all or nothing.
pub async fn delete_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        delete_in(&mut tx, state, auth, &f.name).await?;
    }
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await
}

/// Marks several flags of a project as stale or not, all or nothing.
pub async fn set_stale_many(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    names: &[String],
    stale: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    for f in batch(&mut tx, project, names, false).await? {
        apply_update(
            &mut tx,
            state,
            auth,
            f,
            UpdateFeature {
                stale: Some(stale),
                ..Default::default()
            },
        )
        .await?;
    }
    commit(tx, state).await
}
