//! Feature flags and what hangs off them: their state per environment, strategies,
//! strategy segments, tags and dependencies.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Cond, Expr, Func, Iden, OnConflict, Order, Query, SelectStatement};
use serde_json::Value;
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::features::{Dependency, Feature, FeatureEnvironment, FeatureStrategy};

#[derive(Iden)]
enum Features {
    Table,
    Name,
    Project,
    Description,
    Type,
    Stale,
    ImpressionData,
    ArchivedAt,
    CreatedAt,
    CreatedByUserId,
    LastSeenAt,
}

#[derive(Iden)]
enum FeatureEnvironments {
    Table,
    FeatureName,
    Environment,
    Enabled,
    Variants,
    LastSeenAt,
}

#[derive(Iden)]
enum FeatureStrategies {
    Table,
    Id,
    FeatureName,
    ProjectName,
    Environment,
    StrategyName,
    Title,
    Parameters,
    Constraints,
    Variants,
    SortOrder,
    Disabled,
    CreatedAt,
}

#[derive(Iden)]
enum FeatureStrategySegment {
    Table,
    FeatureStrategyId,
    SegmentId,
}

#[derive(Iden)]
enum FeatureTag {
    Table,
    FeatureName,
    TagType,
    TagValue,
    CreatedAt,
}

#[derive(Iden)]
enum DependentFeatures {
    Table,
    Parent,
    Child,
    Enabled,
    Variants,
}

#[derive(Iden)]
enum Environments {
    Table,
    Name,
    Type,
    SortOrder,
}

#[derive(Iden)]
enum ProjectEnvironments {
    Table,
    ProjectId,
    Environment,
}

#[derive(Iden)]
enum TagTypes {
    Table,
    Name,
}

fn json_text(v: &Value) -> String {
    v.to_string()
}

fn parse_json(s: &str, fallback: Value) -> Value {
    serde_json::from_str(s).unwrap_or(fallback)
}

#[derive(sqlx::FromRow)]
struct FeatureRow {
    name: String,
    project: String,
    description: Option<String>,
    #[sqlx(rename = "type")]
    feature_type: String,
    stale: bool,
    impression_data: bool,
    archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    created_by_user_id: Option<i64>,
    last_seen_at: Option<DateTime<Utc>>,
}

impl From<FeatureRow> for Feature {
    fn from(r: FeatureRow) -> Self {
        Feature {
            name: r.name,
            project: r.project,
            description: r.description,
            feature_type: r.feature_type,
            stale: r.stale,
            impression_data: r.impression_data,
            archived_at: r.archived_at,
            created_at: r.created_at,
            created_by_user_id: r.created_by_user_id,
            last_seen_at: r.last_seen_at,
        }
    }
}

fn select_feature() -> SelectStatement {
    Query::select()
        .columns([
            Features::Name,
            Features::Project,
            Features::Description,
            Features::Type,
            Features::Stale,
            Features::ImpressionData,
            Features::ArchivedAt,
            Features::CreatedAt,
            Features::CreatedByUserId,
            Features::LastSeenAt,
        ])
        .from(Features::Table)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn insert(c: &mut impl Conn, f: &Feature) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Features::Table)
        .columns([
            Features::Name,
            Features::Project,
            Features::Description,
            Features::Type,
            Features::Stale,
            Features::ImpressionData,
            Features::CreatedAt,
            Features::CreatedByUserId,
        ])
        .values_panic([
            f.name.clone().into(),
            f.project.clone().into(),
            f.description.clone().into(),
            f.feature_type.clone().into(),
            f.stale.into(),
            f.impression_data.into(),
            f.created_at.into(),
            f.created_by_user_id.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// A flag by name, archived or not.
#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<Feature>, sqlx::Error> {
    let q = select_feature()
        .and_where(Expr::col(Features::Name).eq(name))
        .to_owned();
    Ok(c.opt::<FeatureRow, _>(&q).await?.map(Into::into))
}

/// Which flags to list.
#[derive(Debug, Clone, Default)]
pub struct FeatureFilter {
    pub projects: Option<Vec<String>>,
    pub archived: bool,
    /// A case-insensitive part of the name.
    pub query: Option<String>,
    pub types: Option<Vec<String>>,
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn, f: &FeatureFilter) -> Result<Vec<Feature>, sqlx::Error> {
    let mut q = select_feature();
    if f.archived {
        q.and_where(Expr::col(Features::ArchivedAt).is_not_null());
    } else {
        q.and_where(Expr::col(Features::ArchivedAt).is_null());
    }
    if let Some(p) = &f.projects {
        q.and_where(Expr::col(Features::Project).is_in(super::in_list(p.iter().cloned())));
    }
    if let Some(t) = &f.types {
        q.and_where(Expr::col(Features::Type).is_in(super::in_list(t.iter().cloned())));
    }
    if let Some(text) = f.query.as_deref().filter(|s| !s.is_empty()) {
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        q.cond_where(
            Cond::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(Features::Name)))
                        .like(sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(Features::Description)))
                        .like(sea_query::LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    q.order_by(Features::CreatedAt, Order::Asc)
        .order_by(Features::Name, Order::Asc);
    Ok(c.all::<FeatureRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Writes a flag's metadata.
#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, f: &Feature) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Features::Table)
        .value(Features::Description, f.description.clone())
        .value(Features::Type, f.feature_type.clone())
        .value(Features::Stale, f.stale)
        .value(Features::ImpressionData, f.impression_data)
        .and_where(Expr::col(Features::Name).eq(f.name.clone()))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn set_archived(
    c: &mut impl Conn,
    name: &str,
    at: Option<DateTime<Utc>>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Features::Table)
        .value(Features::ArchivedAt, at)
        .and_where(Expr::col(Features::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

/// Deletes a flag; its environments, strategies, tags and dependencies go with it.
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Features::Table)
        .and_where(Expr::col(Features::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete_archived_of_project(
    c: &mut impl Conn,
    project: &str,
) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Features::Table)
        .and_where(Expr::col(Features::Project).eq(project))
        .and_where(Expr::col(Features::ArchivedAt).is_not_null())
        .to_owned();
    c.exec(&q).await
}

fn flags_of_project(project: &str) -> SelectStatement {
    Query::select()
        .column(Features::Name)
        .from(Features::Table)
        .and_where(Expr::col(Features::Project).eq(project))
        .to_owned()
}

/// Forgets the state and strategies of a project's flags in an environment that the project
/// no longer uses.
#[instrument(skip_all)]
pub async fn clear_environment_of_project(
    c: &mut impl Conn,
    project: &str,
    env: &str,
) -> Result<(), sqlx::Error> {
    let q = Query::delete()
        .from_table(FeatureStrategies::Table)
        .and_where(Expr::col(FeatureStrategies::FeatureName).in_subquery(flags_of_project(project)))
        .and_where(Expr::col(FeatureStrategies::Environment).eq(env))
        .to_owned();
    c.exec(&q).await?;
    let q = Query::delete()
        .from_table(FeatureEnvironments::Table)
        .and_where(
            Expr::col(FeatureEnvironments::FeatureName).in_subquery(flags_of_project(project)),
        )
        .and_where(Expr::col(FeatureEnvironments::Environment).eq(env))
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// The flag's state in every environment of its project, in environment order, with strategies.
#[instrument(skip_all)]
pub async fn environments(
    c: &mut impl Conn,
    feature: &Feature,
) -> Result<Vec<FeatureEnvironment>, sqlx::Error> {
    Ok(environments_of_many(c, &[feature])
        .await?
        .remove(&feature.name)
        .unwrap_or_default())
}

fn ensure_env_row(name: &str, env: &str) -> sea_query::InsertStatement {
    Query::insert()
        .into_table(FeatureEnvironments::Table)
        .columns([
            FeatureEnvironments::FeatureName,
            FeatureEnvironments::Environment,
        ])
        .values_panic([name.into(), env.into()])
        .on_conflict(
            OnConflict::columns([
                FeatureEnvironments::FeatureName,
                FeatureEnvironments::Environment,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned()
}

#[instrument(skip_all)]
pub async fn set_enabled(
    c: &mut impl Conn,
    name: &str,
    env: &str,
    enabled: bool,
) -> Result<(), sqlx::Error> {
    c.exec(&ensure_env_row(name, env)).await?;
    let q = Query::update()
        .table(FeatureEnvironments::Table)
        .value(FeatureEnvironments::Enabled, enabled)
        .and_where(Expr::col(FeatureEnvironments::FeatureName).eq(name))
        .and_where(Expr::col(FeatureEnvironments::Environment).eq(env))
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn set_variants(
    c: &mut impl Conn,
    name: &str,
    env: &str,
    variants: &Value,
) -> Result<(), sqlx::Error> {
    c.exec(&ensure_env_row(name, env)).await?;
    let q = Query::update()
        .table(FeatureEnvironments::Table)
        .value(FeatureEnvironments::Variants, json_text(variants))
        .and_where(Expr::col(FeatureEnvironments::FeatureName).eq(name))
        .and_where(Expr::col(FeatureEnvironments::Environment).eq(env))
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StrategyRow {
    id: String,
    feature_name: String,
    project_name: String,
    environment: String,
    strategy_name: String,
    title: Option<String>,
    parameters: String,
    constraints: String,
    variants: String,
    sort_order: i64,
    disabled: bool,
}

fn select_strategy() -> SelectStatement {
    Query::select()
        .columns([
            FeatureStrategies::Id,
            FeatureStrategies::FeatureName,
            FeatureStrategies::ProjectName,
            FeatureStrategies::Environment,
            FeatureStrategies::StrategyName,
            FeatureStrategies::Title,
            FeatureStrategies::Parameters,
            FeatureStrategies::Constraints,
            FeatureStrategies::Variants,
            FeatureStrategies::SortOrder,
            FeatureStrategies::Disabled,
        ])
        .from(FeatureStrategies::Table)
        .to_owned()
}

#[derive(sqlx::FromRow)]
struct SegmentIdRow {
    segment_id: i64,
}

async fn with_segments(c: &mut impl Conn, r: StrategyRow) -> Result<FeatureStrategy, sqlx::Error> {
    let q = Query::select()
        .column(FeatureStrategySegment::SegmentId)
        .from(FeatureStrategySegment::Table)
        .and_where(Expr::col(FeatureStrategySegment::FeatureStrategyId).eq(r.id.clone()))
        .order_by(FeatureStrategySegment::SegmentId, Order::Asc)
        .to_owned();
    let segments = c
        .all::<SegmentIdRow, _>(&q)
        .await?
        .into_iter()
        .map(|s| s.segment_id)
        .collect();
    Ok(strategy_from_row(r, segments))
}

fn strategy_from_row(r: StrategyRow, segments: Vec<i64>) -> FeatureStrategy {
    FeatureStrategy {
        id: r.id,
        feature_name: r.feature_name,
        project: r.project_name,
        environment: r.environment,
        name: r.strategy_name,
        title: r.title,
        parameters: parse_json(&r.parameters, serde_json::json!({})),
        constraints: parse_json(&r.constraints, serde_json::json!([])),
        variants: parse_json(&r.variants, serde_json::json!([])),
        sort_order: r.sort_order,
        disabled: r.disabled,
        segments,
    }
}

/// The strategies of a flag in an environment, in evaluation order.
#[instrument(skip_all)]
pub async fn strategies(
    c: &mut impl Conn,
    name: &str,
    env: &str,
) -> Result<Vec<FeatureStrategy>, sqlx::Error> {
    let q = select_strategy()
        .and_where(Expr::col(FeatureStrategies::FeatureName).eq(name))
        .and_where(Expr::col(FeatureStrategies::Environment).eq(env))
        .order_by(FeatureStrategies::SortOrder, Order::Asc)
        .order_by(FeatureStrategies::CreatedAt, Order::Asc)
        .order_by(FeatureStrategies::Id, Order::Asc)
        .to_owned();
    let rows = c.all::<StrategyRow, _>(&q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(with_segments(c, r).await?);
    }
    Ok(out)
}

#[instrument(skip_all)]
pub async fn strategy(c: &mut impl Conn, id: &str) -> Result<Option<FeatureStrategy>, sqlx::Error> {
    let q = select_strategy()
        .and_where(Expr::col(FeatureStrategies::Id).eq(id))
        .to_owned();
    match c.opt::<StrategyRow, _>(&q).await? {
        Some(r) => Ok(Some(with_segments(c, r).await?)),
        None => Ok(None),
    }
}

/// The highest sort order among a flag's strategies in an environment.
#[instrument(skip_all)]
pub async fn max_sort_order(
    c: &mut impl Conn,
    name: &str,
    env: &str,
) -> Result<Option<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct MaxRow {
        m: Option<i64>,
    }
    let q = Query::select()
        .expr_as(
            Expr::col(FeatureStrategies::SortOrder).max(),
            Alias::new("m"),
        )
        .from(FeatureStrategies::Table)
        .and_where(Expr::col(FeatureStrategies::FeatureName).eq(name))
        .and_where(Expr::col(FeatureStrategies::Environment).eq(env))
        .to_owned();
    Ok(c.one::<MaxRow, _>(&q).await?.m)
}

async fn write_segments(c: &mut impl Conn, id: &str, segments: &[i64]) -> Result<(), sqlx::Error> {
    let q = Query::delete()
        .from_table(FeatureStrategySegment::Table)
        .and_where(Expr::col(FeatureStrategySegment::FeatureStrategyId).eq(id))
        .to_owned();
    c.exec(&q).await?;
    for s in segments {
        let q = Query::insert()
            .into_table(FeatureStrategySegment::Table)
            .columns([
                FeatureStrategySegment::FeatureStrategyId,
                FeatureStrategySegment::SegmentId,
            ])
            .values_panic([id.into(), (*s).into()])
            .to_owned();
        c.exec(&q).await?;
    }
    Ok(())
}

#[instrument(skip_all)]
pub async fn insert_strategy(
    c: &mut impl Conn,
    s: &FeatureStrategy,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(FeatureStrategies::Table)
        .columns([
            FeatureStrategies::Id,
            FeatureStrategies::FeatureName,
            FeatureStrategies::ProjectName,
            FeatureStrategies::Environment,
            FeatureStrategies::StrategyName,
            FeatureStrategies::Title,
            FeatureStrategies::Parameters,
            FeatureStrategies::Constraints,
            FeatureStrategies::Variants,
            FeatureStrategies::SortOrder,
            FeatureStrategies::Disabled,
            FeatureStrategies::CreatedAt,
        ])
        .values_panic([
            s.id.clone().into(),
            s.feature_name.clone().into(),
            s.project.clone().into(),
            s.environment.clone().into(),
            s.name.clone().into(),
            s.title.clone().into(),
            json_text(&s.parameters).into(),
            json_text(&s.constraints).into(),
            json_text(&s.variants).into(),
            s.sort_order.into(),
            s.disabled.into(),
            now.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    write_segments(c, &s.id, &s.segments).await
}

#[instrument(skip_all)]
pub async fn update_strategy(c: &mut impl Conn, s: &FeatureStrategy) -> Result<(), sqlx::Error> {
    let q = Query::update()
        .table(FeatureStrategies::Table)
        .value(FeatureStrategies::StrategyName, s.name.clone())
        .value(FeatureStrategies::Title, s.title.clone())
        .value(FeatureStrategies::Parameters, json_text(&s.parameters))
        .value(FeatureStrategies::Constraints, json_text(&s.constraints))
        .value(FeatureStrategies::Variants, json_text(&s.variants))
        .value(FeatureStrategies::SortOrder, s.sort_order)
        .value(FeatureStrategies::Disabled, s.disabled)
        .and_where(Expr::col(FeatureStrategies::Id).eq(s.id.clone()))
        .to_owned();
    c.exec(&q).await?;
    write_segments(c, &s.id, &s.segments).await
}

#[instrument(skip_all)]
pub async fn set_strategy_sort_order(
    c: &mut impl Conn,
    id: &str,
    sort_order: i64,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(FeatureStrategies::Table)
        .value(FeatureStrategies::SortOrder, sort_order)
        .and_where(Expr::col(FeatureStrategies::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete_strategy(c: &mut impl Conn, id: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(FeatureStrategies::Table)
        .and_where(Expr::col(FeatureStrategies::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct TagRow {
    tag_type: String,
    tag_value: String,
}

/// A flag's tags as (type, value), oldest first.
#[instrument(skip_all)]
pub async fn tags(c: &mut impl Conn, name: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    let q = Query::select()
        .columns([FeatureTag::TagType, FeatureTag::TagValue])
        .from(FeatureTag::Table)
        .and_where(Expr::col(FeatureTag::FeatureName).eq(name))
        .order_by(FeatureTag::CreatedAt, Order::Asc)
        .order_by(FeatureTag::TagType, Order::Asc)
        .order_by(FeatureTag::TagValue, Order::Asc)
        .to_owned();
    Ok(c.all::<TagRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.tag_type, r.tag_value))
        .collect())
}

/// Tags a flag; returns false when it already had the tag.
#[instrument(skip_all)]
pub async fn add_tag(
    c: &mut impl Conn,
    name: &str,
    tag_type: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let q = Query::insert()
        .into_table(FeatureTag::Table)
        .columns([
            FeatureTag::FeatureName,
            FeatureTag::TagType,
            FeatureTag::TagValue,
            FeatureTag::CreatedAt,
        ])
        .values_panic([name.into(), tag_type.into(), value.into(), now.into()])
        .on_conflict(
            OnConflict::columns([
                FeatureTag::FeatureName,
                FeatureTag::TagType,
                FeatureTag::TagValue,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    // A tag put on a flag exists on its own too (`/api/admin/tags`).
    super::tag_types::insert_tag(c, tag_type, value, now).await?;
    Ok(c.exec(&q).await? > 0)
}

#[instrument(skip_all)]
pub async fn remove_tag(
    c: &mut impl Conn,
    name: &str,
    tag_type: &str,
    value: &str,
) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(FeatureTag::Table)
        .and_where(Expr::col(FeatureTag::FeatureName).eq(name))
        .and_where(Expr::col(FeatureTag::TagType).eq(tag_type))
        .and_where(Expr::col(FeatureTag::TagValue).eq(value))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn tag_type_exists(c: &mut impl Conn, tag_type: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::val(1i64))
        .from(TagTypes::Table)
        .and_where(Expr::col(TagTypes::Name).eq(tag_type))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

#[derive(sqlx::FromRow)]
struct DependencyRow {
    parent: String,
    child: String,
    enabled: bool,
    variants: String,
}

impl From<DependencyRow> for Dependency {
    fn from(r: DependencyRow) -> Self {
        Dependency {
            parent: r.parent,
            child: r.child,
            enabled: r.enabled,
            variants: serde_json::from_str(&r.variants).unwrap_or_default(),
        }
    }
}

fn select_dependency() -> SelectStatement {
    Query::select()
        .columns([
            DependentFeatures::Parent,
            DependentFeatures::Child,
            DependentFeatures::Enabled,
            DependentFeatures::Variants,
        ])
        .from(DependentFeatures::Table)
        .to_owned()
}

/// The parents a child flag depends on.
#[instrument(skip_all)]
pub async fn dependencies(c: &mut impl Conn, child: &str) -> Result<Vec<Dependency>, sqlx::Error> {
    let q = select_dependency()
        .and_where(Expr::col(DependentFeatures::Child).eq(child))
        .order_by(DependentFeatures::Parent, Order::Asc)
        .to_owned();
    Ok(c.all::<DependencyRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The children that depend on a parent flag.
#[instrument(skip_all)]
pub async fn children(c: &mut impl Conn, parent: &str) -> Result<Vec<String>, sqlx::Error> {
    let q = select_dependency()
        .and_where(Expr::col(DependentFeatures::Parent).eq(parent))
        .order_by(DependentFeatures::Child, Order::Asc)
        .to_owned();
    Ok(c.all::<DependencyRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.child)
        .collect())
}

#[instrument(skip_all)]
pub async fn insert_dependency(c: &mut impl Conn, d: &Dependency) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(DependentFeatures::Table)
        .columns([
            DependentFeatures::Parent,
            DependentFeatures::Child,
            DependentFeatures::Enabled,
            DependentFeatures::Variants,
        ])
        .values_panic([
            d.parent.clone().into(),
            d.child.clone().into(),
            d.enabled.into(),
            serde_json::json!(d.variants).to_string().into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// Removes the child's dependency on `parent`, or on every parent when `parent` is `None`.
#[instrument(skip_all)]
pub async fn delete_dependencies(
    c: &mut impl Conn,
    child: &str,
    parent: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let mut q = Query::delete()
        .from_table(DependentFeatures::Table)
        .and_where(Expr::col(DependentFeatures::Child).eq(child))
        .to_owned();
    if let Some(p) = parent {
        q.and_where(Expr::col(DependentFeatures::Parent).eq(p));
    }
    c.exec(&q).await
}

/// How many flags exist at all (archived too), for tests of cascades.
#[instrument(skip_all)]
pub async fn count(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Features::Name).count())
        .from(Features::Table)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(sqlx::FromRow)]
struct FlagCreatorRow {
    created_by_user_id: i64,
}

/// The ids of the users who created flags in a project (archived flags included), ascending.
#[instrument(skip_all)]
pub async fn creator_ids(c: &mut impl Conn, project: &str) -> Result<Vec<i64>, sqlx::Error> {
    let q = Query::select()
        .distinct()
        .column(Features::CreatedByUserId)
        .from(Features::Table)
        .and_where(Expr::col(Features::Project).eq(project))
        .and_where(Expr::col(Features::CreatedByUserId).is_not_null())
        .order_by(Features::CreatedByUserId, Order::Asc)
        .to_owned();
    Ok(c.all::<FlagCreatorRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.created_by_user_id)
        .collect())
}

// ---- many flags at once: a fixed number of queries for a page of flags, whatever its size

/// Names per `IN (...)` list, well below SQLite's and PostgreSQL's bind-parameter limits.
const IN_CHUNK: usize = 500;

#[derive(sqlx::FromRow)]
struct ProjectEnvRow {
    project_id: String,
    name: String,
    env_type: String,
    sort_order: i64,
}

#[derive(sqlx::FromRow)]
struct FeatureEnvRow {
    feature_name: String,
    environment: String,
    enabled: bool,
    variants: Option<String>,
    last_seen_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct StrategySegmentRow {
    feature_strategy_id: String,
    segment_id: i64,
}

/// [`environments`] for many flags: each flag's state in every environment of its project,
/// in environment order, with strategies, keyed by flag name. Four queries per 500 flags.
#[instrument(skip_all)]
pub async fn environments_of_many(
    c: &mut impl Conn,
    features: &[&Feature],
) -> Result<std::collections::HashMap<String, Vec<FeatureEnvironment>>, sqlx::Error> {
    use std::collections::{BTreeSet, HashMap};
    let mut out: HashMap<String, Vec<FeatureEnvironment>> = HashMap::new();
    for chunk in features.chunks(IN_CHUNK) {
        let projects: BTreeSet<&str> = chunk.iter().map(|f| f.project.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|f| f.name.as_str()).collect();

        let q = Query::select()
            .expr_as(
                Expr::col((ProjectEnvironments::Table, ProjectEnvironments::ProjectId)),
                Alias::new("project_id"),
            )
            .expr_as(
                Expr::col((Environments::Table, Environments::Name)),
                Alias::new("name"),
            )
            .expr_as(
                Expr::col((Environments::Table, Environments::Type)),
                Alias::new("env_type"),
            )
            .expr_as(
                Expr::col((Environments::Table, Environments::SortOrder)),
                Alias::new("sort_order"),
            )
            .from(ProjectEnvironments::Table)
            .inner_join(
                Environments::Table,
                Expr::col((Environments::Table, Environments::Name))
                    .equals((ProjectEnvironments::Table, ProjectEnvironments::Environment)),
            )
            .and_where(
                Expr::col((ProjectEnvironments::Table, ProjectEnvironments::ProjectId))
                    .is_in(super::in_list(projects.iter().copied())),
            )
            .order_by((Environments::Table, Environments::SortOrder), Order::Asc)
            .order_by((Environments::Table, Environments::Name), Order::Asc)
            .to_owned();
        let mut project_envs: HashMap<String, Vec<ProjectEnvRow>> = HashMap::new();
        for r in c.all::<ProjectEnvRow, _>(&q).await? {
            project_envs
                .entry(r.project_id.clone())
                .or_default()
                .push(r);
        }

        let q = Query::select()
            .columns([
                FeatureEnvironments::FeatureName,
                FeatureEnvironments::Environment,
                FeatureEnvironments::Enabled,
                FeatureEnvironments::Variants,
                FeatureEnvironments::LastSeenAt,
            ])
            .from(FeatureEnvironments::Table)
            .and_where(
                Expr::col(FeatureEnvironments::FeatureName)
                    .is_in(super::in_list(names.iter().copied())),
            )
            .to_owned();
        let mut states: HashMap<(String, String), FeatureEnvRow> = c
            .all::<FeatureEnvRow, _>(&q)
            .await?
            .into_iter()
            .map(|r| ((r.feature_name.clone(), r.environment.clone()), r))
            .collect();

        let q = select_strategy()
            .and_where(
                Expr::col(FeatureStrategies::FeatureName)
                    .is_in(super::in_list(names.iter().copied())),
            )
            .order_by(FeatureStrategies::SortOrder, Order::Asc)
            .order_by(FeatureStrategies::CreatedAt, Order::Asc)
            .order_by(FeatureStrategies::Id, Order::Asc)
            .to_owned();
        let rows = c.all::<StrategyRow, _>(&q).await?;
        let mut segments: HashMap<String, Vec<i64>> = HashMap::new();
        for ids in rows.chunks(IN_CHUNK) {
            let q = Query::select()
                .columns([
                    FeatureStrategySegment::FeatureStrategyId,
                    FeatureStrategySegment::SegmentId,
                ])
                .from(FeatureStrategySegment::Table)
                .and_where(
                    Expr::col(FeatureStrategySegment::FeatureStrategyId)
                        .is_in(super::in_list(ids.iter().map(|r| r.id.clone()))),
                )
                .order_by(FeatureStrategySegment::SegmentId, Order::Asc)
                .to_owned();
            for r in c.all::<StrategySegmentRow, _>(&q).await? {
                segments
                    .entry(r.feature_strategy_id)
                    .or_default()
                    .push(r.segment_id);
            }
        }
        let mut strategies: HashMap<(String, String), Vec<FeatureStrategy>> = HashMap::new();
        for r in rows {
            let segs = segments.remove(&r.id).unwrap_or_default();
            let key = (r.feature_name.clone(), r.environment.clone());
            strategies
                .entry(key)
                .or_default()
                .push(strategy_from_row(r, segs));
        }

        for f in chunk {
            let envs = project_envs
                .get(&f.project)
                .map(|list| {
                    list.iter()
                        .map(|e| {
                            let key = (f.name.clone(), e.name.clone());
                            let state = states.remove(&key);
                            FeatureEnvironment {
                                name: e.name.clone(),
                                env_type: e.env_type.clone(),
                                sort_order: e.sort_order,
                                enabled: state.as_ref().is_some_and(|s| s.enabled),
                                variants: state
                                    .as_ref()
                                    .and_then(|s| s.variants.as_deref())
                                    .map(|v| parse_json(v, Value::Array(vec![])))
                                    .unwrap_or_else(|| Value::Array(vec![])),
                                last_seen_at: state.and_then(|s| s.last_seen_at),
                                strategies: strategies.remove(&key).unwrap_or_default(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert(f.name.clone(), envs);
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct NamedTagRow {
    feature_name: String,
    tag_type: String,
    tag_value: String,
}

/// [`tags`] for many flags, keyed by flag name (flags without tags are absent).
#[instrument(skip_all)]
pub async fn tags_of_many(
    c: &mut impl Conn,
    names: &[&str],
) -> Result<std::collections::HashMap<String, Vec<(String, String)>>, sqlx::Error> {
    let mut out: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
    for chunk in names.chunks(IN_CHUNK) {
        let q = Query::select()
            .columns([
                FeatureTag::FeatureName,
                FeatureTag::TagType,
                FeatureTag::TagValue,
            ])
            .from(FeatureTag::Table)
            .and_where(
                Expr::col(FeatureTag::FeatureName).is_in(super::in_list(chunk.iter().copied())),
            )
            .order_by(FeatureTag::CreatedAt, Order::Asc)
            .order_by(FeatureTag::TagType, Order::Asc)
            .order_by(FeatureTag::TagValue, Order::Asc)
            .to_owned();
        for r in c.all::<NamedTagRow, _>(&q).await? {
            out.entry(r.feature_name)
                .or_default()
                .push((r.tag_type, r.tag_value));
        }
    }
    Ok(out)
}

/// Among `names`, the flags that depend on a parent (children) and those that others depend
/// on (parents).
#[instrument(skip_all)]
pub async fn dependency_roles(
    c: &mut impl Conn,
    names: &[&str],
) -> Result<
    (
        std::collections::HashSet<String>,
        std::collections::HashSet<String>,
    ),
    sqlx::Error,
> {
    let mut children = std::collections::HashSet::new();
    let mut parents = std::collections::HashSet::new();
    for chunk in names.chunks(IN_CHUNK) {
        let q = select_dependency()
            .cond_where(
                Cond::any()
                    .add(
                        Expr::col(DependentFeatures::Child)
                            .is_in(super::in_list(chunk.iter().copied())),
                    )
                    .add(
                        Expr::col(DependentFeatures::Parent)
                            .is_in(super::in_list(chunk.iter().copied())),
                    ),
            )
            .to_owned();
        for r in c.all::<DependencyRow, _>(&q).await? {
            children.insert(r.child);
            parents.insert(r.parent);
        }
    }
    Ok((children, parents))
}
