//! Tag types: list, read, create, update, delete, validate; and the list of tags in use.

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::tag_types::{self as rules, Tag, TagType, TagTypeInput};
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store;

fn not_found(name: &str) -> AppError {
    AppError::not_found(format!("Tagtype {name} could not be found"))
}

fn name_taken(name: &str) -> AppError {
    AppError::NameExists(format!(
        "There already exists a tag-type with the name {name}"
    ))
}

pub async fn list(state: &AppState) -> AppResult<Vec<TagType>> {
    let mut db = state.db.clone();
    Ok(store::tag_types::list(&mut db).await?)
}

pub async fn get(state: &AppState, name: &str) -> AppResult<TagType> {
    let mut db = state.db.clone();
    store::tag_types::get(&mut db, name)
        .await?
        .ok_or_else(|| not_found(name))
}

/// Every distinct tag used on a flag.
pub async fn tags(state: &AppState) -> AppResult<Vec<Tag>> {
    let mut db = state.db.clone();
    Ok(store::tag_types::all_tags(&mut db).await?)
}

fn checked(input: TagTypeInput, now: chrono::DateTime<chrono::Utc>) -> AppResult<TagType> {
    Ok(TagType {
        name: rules::validate_name(input.name.as_deref())?,
        description: input.description,
        icon: input.icon.filter(|i| !i.is_empty()),
        color: rules::validate_color(input.color)?,
        created_at: now,
    })
}

/// Checks a would-be tag type (valid and free) and returns it as it would be stored.
pub async fn validate(state: &AppState, input: TagTypeInput) -> AppResult<TagType> {
    let t = checked(input, state.clock.now())?;
    let mut db = state.db.clone();
    if store::tag_types::get(&mut db, &t.name).await?.is_some() {
        return Err(name_taken(&t.name));
    }
    Ok(t)
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: TagTypeInput,
) -> AppResult<TagType> {
    let now = state.clock.now();
    let t = checked(input, now)?;
    let mut tx = state.db.begin().await?;
    store::tag_types::insert(&mut tx, &t)
        .await
        .on_unique_violation(|| name_taken(&t.name))?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(rules::TAG_TYPE_CREATED).data(t.to_json()),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(t)
}

/// Changes description, icon and colour; the path names the tag type.
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    name: &str,
    input: TagTypeInput,
) -> AppResult<TagType> {
    let color = rules::validate_color(input.color.clone())?;
    let mut tx = state.db.begin().await?;
    let before = store::tag_types::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let after = TagType {
        description: input.description.or(before.description.clone()),
        icon: input
            .icon
            .map(|i| Some(i).filter(|i| !i.is_empty()))
            .unwrap_or(before.icon.clone()),
        color: if input.color.is_some() {
            color
        } else {
            before.color.clone()
        },
        ..before.clone()
    };
    store::tag_types::update(&mut tx, &after).await?;
    let ev = NewEvent::new(rules::TAG_TYPE_UPDATED)
        .pre_data(before.to_json())
        .data(after.to_json());
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a tag type and with it every tag of that type on flags.
pub async fn delete(state: &AppState, auth: &Authorized, name: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::tag_types::get(&mut tx, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    store::tag_types::delete(&mut tx, name).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(rules::TAG_TYPE_DELETED).pre_data(before.to_json()),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
