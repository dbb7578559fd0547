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

/// Tags on their own: every tag ever created or put on a flag.
#[derive(Iden)]
enum Tags {
    Table,
    TagType,
    TagValue,
    CreatedAt,
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

fn tag_select() -> SelectStatement {
    Query::select()
        .column((Tags::Table, Tags::TagType))
        .column((Tags::Table, Tags::TagValue))
        .column((TagTypes::Table, TagTypes::Color))
        .from(Tags::Table)
        .left_join(
            TagTypes::Table,
            Expr::col((TagTypes::Table, TagTypes::Name)).equals((Tags::Table, Tags::TagType)),
        )
        .to_owned()
}

fn to_tags(rows: Vec<TagRow>) -> Vec<Tag> {
    rows.into_iter()
        .map(|r| Tag {
            tag_type: r.tag_type,
            value: r.tag_value,
            color: r.color,
        })
        .collect()
}

/// Tags put on flags, by type then value (a flag's tag is a tag on its own too, even when
/// it reached the database without passing through [`insert_tag`]).
fn flag_tag_select() -> SelectStatement {
    Query::select()
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
        .to_owned()
}

/// The tags in `tags` and on flags matching the same filter, merged, by type then value.
async fn merged(
    c: &mut impl Conn,
    filter: impl Fn(&mut SelectStatement, bool),
) -> Result<Vec<Tag>, sqlx::Error> {
    let mut own = tag_select();
    filter(&mut own, true);
    let mut on_flags = flag_tag_select();
    filter(&mut on_flags, false);
    let mut all = std::collections::BTreeMap::new();
    for t in to_tags(c.all::<TagRow, _>(&own).await?)
        .into_iter()
        .chain(to_tags(c.all::<TagRow, _>(&on_flags).await?))
    {
        all.entry((t.tag_type.clone(), t.value.clone()))
            .or_insert(t);
    }
    Ok(all.into_values().collect())
}

/// Every tag, by type then value.
#[instrument(skip_all)]
pub async fn all_tags(c: &mut impl Conn) -> Result<Vec<Tag>, sqlx::Error> {
    merged(c, |_, _| {}).await
}

/// The tags of one type, by value.
#[instrument(skip_all)]
pub async fn tags_of_type(c: &mut impl Conn, tag_type: &str) -> Result<Vec<Tag>, sqlx::Error> {
    merged(c, |q, own| {
        if own {
            q.and_where(Expr::col((Tags::Table, Tags::TagType)).eq(tag_type));
        } else {
            q.and_where(Expr::col((FeatureTag::Table, FeatureTag::TagType)).eq(tag_type));
        }
    })
    .await
}

#[instrument(skip_all)]
pub async fn get_tag(
    c: &mut impl Conn,
    tag_type: &str,
    value: &str,
) -> Result<Option<Tag>, sqlx::Error> {
    Ok(merged(c, |q, own| {
        if own {
            q.and_where(Expr::col((Tags::Table, Tags::TagType)).eq(tag_type))
                .and_where(Expr::col((Tags::Table, Tags::TagValue)).eq(value));
        } else {
            q.and_where(Expr::col((FeatureTag::Table, FeatureTag::TagType)).eq(tag_type))
                .and_where(Expr::col((FeatureTag::Table, FeatureTag::TagValue)).eq(value));
        }
    })
    .await?
    .into_iter()
    .next())
}

/// Records a tag; `false` when it already existed.
#[instrument(skip_all)]
pub async fn insert_tag(
    c: &mut impl Conn,
    tag_type: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let q = Query::insert()
        .into_table(Tags::Table)
        .columns([Tags::TagType, Tags::TagValue, Tags::CreatedAt])
        .values_panic([tag_type.into(), value.into(), now.into()])
        .on_conflict(
            sea_query::OnConflict::columns([Tags::TagType, Tags::TagValue])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(c.exec(&q).await? > 0)
}

/// Deletes a tag and takes it off every flag; the number of flags that carried it.
#[instrument(skip_all)]
pub async fn delete_tag(
    c: &mut impl Conn,
    tag_type: &str,
    value: &str,
) -> Result<u64, sqlx::Error> {
    let on_flags = Query::delete()
        .from_table(FeatureTag::Table)
        .and_where(Expr::col(FeatureTag::TagType).eq(tag_type))
        .and_where(Expr::col(FeatureTag::TagValue).eq(value))
        .to_owned();
    let flags = c.exec(&on_flags).await?;
    let q = Query::delete()
        .from_table(Tags::Table)
        .and_where(Expr::col(Tags::TagType).eq(tag_type))
        .and_where(Expr::col(Tags::TagValue).eq(value))
        .to_owned();
    c.exec(&q).await?;
    Ok(flags)
}
