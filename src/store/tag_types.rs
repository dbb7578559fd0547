//! Tag types, and the tags flags carry.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::Conn;
use crate::domain::tag_types::{Tag, TagType};

#[derive(Iden)]
enum TagTypes {
    Table,
    Name,
    Description,
    Icon,
    Color,
    CreatedAt,
}

#[derive(Iden)]
enum FeatureTag {
    Table,
    TagType,
    TagValue,
}

#[derive(sqlx::FromRow)]
struct TagTypeRow {
    name: String,
    description: Option<String>,
    icon: Option<String>,
    color: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<TagTypeRow> for TagType {
    fn from(r: TagTypeRow) -> Self {
        TagType {
            name: r.name,
            description: r.description,
            icon: r.icon,
            color: r.color,
            created_at: r.created_at,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            TagTypes::Name,
            TagTypes::Description,
            TagTypes::Icon,
            TagTypes::Color,
            TagTypes::CreatedAt,
        ])
        .from(TagTypes::Table)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<TagType>, sqlx::Error> {
    let q = select().order_by(TagTypes::Name, Order::Asc).to_owned();
    Ok(c.all::<TagTypeRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<TagType>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(TagTypes::Name).eq(name))
        .to_owned();
    Ok(c.opt::<TagTypeRow, _>(&q).await?.map(Into::into))
}

/// Stores a new tag type; a taken name is a unique violation.
#[instrument(skip_all)]
pub async fn insert(c: &mut impl Conn, t: &TagType) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(TagTypes::Table)
        .columns([
            TagTypes::Name,
            TagTypes::Description,
            TagTypes::Icon,
            TagTypes::Color,
            TagTypes::CreatedAt,
        ])
        .values_panic([
            t.name.clone().into(),
            t.description.clone().into(),
            t.icon.clone().into(),
            t.color.clone().into(),
            t.created_at.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, t: &TagType) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(TagTypes::Table)
        .values([
            (TagTypes::Description, t.description.clone().into()),
            (TagTypes::Icon, t.icon.clone().into()),
            (TagTypes::Color, t.color.clone().into()),
        ])
        .and_where(Expr::col(TagTypes::Name).eq(t.name.as_str()))
        .to_owned();
    c.exec(&q).await
}

/// Deletes a tag type; flags lose their tags of that type (foreign key cascade).
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(TagTypes::Table)
        .and_where(Expr::col(TagTypes::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct TagRow {
    tag_type: String,
    tag_value: String,
    color: Option<String>,
}

/// Every distinct tag on any flag, by type then value.
#[instrument(skip_all)]
pub async fn all_tags(c: &mut impl Conn) -> Result<Vec<Tag>, sqlx::Error> {
    let q = Query::select()
        .distinct()
        .column((FeatureTag::Table, FeatureTag::TagType))
        .column((FeatureTag::Table, FeatureTag::TagValue))
        .column((TagTypes::Table, TagTypes::Color))
        .from(FeatureTag::Table)
        .left_join(
            TagTypes::Table,
            Expr::col((TagTypes::Table, TagTypes::Name))
                .equals((FeatureTag::Table, FeatureTag::TagType)),
        )
        .order_by((FeatureTag::Table, FeatureTag::TagType), Order::Asc)
        .order_by((FeatureTag::Table, FeatureTag::TagValue), Order::Asc)
        .to_owned();
    Ok(c.all::<TagRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| Tag {
            tag_type: r.tag_type,
            value: r.tag_value,
            color: r.color,
        })
        .collect())
}
