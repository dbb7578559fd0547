//! A flag's tags.

use super::*;

/// A flag's tags, as (type, value) pairs.
pub async fn tags(state: &AppState, name: &str) -> AppResult<Vec<(String, String)>> {
    let mut db = state.db.clone();
    load(&mut db, name).await?;
    Ok(store::features::tags(&mut db, name).await?)
}

pub(crate) async fn add_tag_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    t: &TagInput,
) -> AppResult<bool> {
    let value = t.value.trim();
    rules::validate_tag_value(value, "/body/value")?;
    if !store::features::tag_type_exists(tx, &t.tag_type).await? {
        return Err(AppError::not_found(format!(
            "Could not find tag type \"{}\".",
            t.tag_type
        )));
    }
    let added =
        store::features::add_tag(tx, &f.name, &t.tag_type, value, state.clock.now()).await?;
    if added {
        write_event(
            tx,
            event(rules::FEATURE_TAGGED, f).data(json!({"type": t.tag_type, "value": value})),
            auth,
            state,
        )
        .await?;
        // SDKs may filter by tag (`?tag=`), so a flag's tags are part of what they see.
        store::revision::bump(tx).await?;
    }
    Ok(added)
}

async fn remove_tag_in(
    tx: &mut Tx,
    state: &AppState,
    auth: &Authorized,
    f: &Feature,
    tag_type: &str,
    value: &str,
) -> AppResult<()> {
    if store::features::remove_tag(tx, &f.name, tag_type, value).await? > 0 {
        write_event(
            tx,
            event(rules::FEATURE_UNTAGGED, f).pre_data(json!({"type": tag_type, "value": value})),
            auth,
            state,
        )
        .await?;
        store::revision::bump(tx).await?;
    }
    Ok(())
}

pub async fn add_tag(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    t: &TagInput,
) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    let added = add_tag_in(&mut tx, state, auth, &f, t).await?;
    commit(tx, state).await?;
    Ok(added)
}

pub async fn update_tags(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    added: &[TagInput],
    removed: &[TagInput],
) -> AppResult<Vec<(String, String)>> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    for t in removed {
        remove_tag_in(&mut tx, state, auth, &f, &t.tag_type, t.value.trim()).await?;
    }
    for t in added {
        add_tag_in(&mut tx, state, auth, &f, t).await?;
    }
    let now = store::features::tags(&mut tx, name).await?;
    commit(tx, state).await?;
    Ok(now)
}

pub async fn remove_tag(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    tag_type: &str,
    value: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let f = load(&mut tx, name).await?;
    remove_tag_in(&mut tx, state, auth, &f, tag_type, value).await?;
    commit(tx, state).await?;
    Ok(())
}
