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
    // Flags lose their tags of this type, which SDKs filtering by tag see.
    store::revision::bump(&mut tx).await?;
    tx.commit().await?;
    state.features.invalidate();
    Ok(())
}

// ---------------------------------------------------------------- tags on their own

/// A tag to create (`createTagSchema`): `type` defaults to `simple`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct TagInput {
    #[serde(rename = "type")]
    pub tag_type: Option<String>,
    pub value: Option<String>,
}

fn tag_not_found(tag_type: &str, value: &str) -> AppError {
    AppError::not_found(format!(
        "No tag with type: [{tag_type}] and value [{value}]"
    ))
}

/// The tags of one type (empty when the type does not exist, as Unleash).
pub async fn tags_of_type(state: &AppState, tag_type: &str) -> AppResult<Vec<Tag>> {
    let mut db = state.db.clone();
    Ok(store::tag_types::tags_of_type(&mut db, tag_type).await?)
}

pub async fn get_tag(state: &AppState, tag_type: &str, value: &str) -> AppResult<Tag> {
    let mut db = state.db.clone();
    store::tag_types::get_tag(&mut db, tag_type, value)
        .await?
        .ok_or_else(|| tag_not_found(tag_type, value))
}

/// Creates a tag of an existing type; the value is trimmed and 2 to 50 characters long.
pub async fn create_tag(state: &AppState, auth: &Authorized, input: TagInput) -> AppResult<Tag> {
    let tag_type = input.tag_type.unwrap_or_else(|| "simple".to_string());
    let value = input
        .value
        .ok_or_else(|| AppError::bad_field("/body/value", "A tag needs a \"value\"."))?
        .trim()
        .to_string();
    crate::domain::features::validate_tag_value(&value, "/body/value")?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(t) = store::tag_types::get(&mut tx, &tag_type).await? else {
        return Err(AppError::not_found(format!(
            "Could not find tag type \"{tag_type}\"."
        )));
    };
    let exists = store::tag_types::get_tag(&mut tx, &tag_type, &value)
        .await?
        .is_some();
    if exists || !store::tag_types::insert_tag(&mut tx, &tag_type, &value, now).await? {
        return Err(AppError::NameExists(format!(
            "A tag of type {tag_type} with the value {value} already exists"
        )));
    }
    let tag = Tag {
        tag_type,
        value,
        color: t.color,
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(rules::TAG_CREATED)
            .data(serde_json::json!({"type": tag.tag_type, "value": tag.value})),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(tag)
}

/// Deletes a tag and takes it off every flag. Deleting a tag that does not exist succeeds,
/// as in Unleash.
pub async fn delete_tag(
    state: &AppState,
    auth: &Authorized,
    tag_type: &str,
    value: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let on_flags = store::tag_types::delete_tag(&mut tx, tag_type, value).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(rules::TAG_DELETED)
            .data(serde_json::json!({"type": tag_type, "value": value})),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    if on_flags > 0 {
        // SDKs filtering by this tag see fewer flags.
        store::revision::bump(&mut tx).await?;
    }
    tx.commit().await?;
    state.features.invalidate();
    Ok(())
}
