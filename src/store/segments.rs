//! Segments and the feature strategies that use them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::constraints::Constraint;
use crate::domain::segments::{Segment, SegmentUsage};

#[derive(Iden)]
enum Segments {
    Table,
    Id,
    Name,
    Description,
    Project,
    Constraints,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden)]
enum FeatureStrategySegment {
    Table,
    FeatureStrategyId,
    SegmentId,
}

#[derive(Iden)]
enum FeatureStrategies {
    Table,
    Id,
    FeatureName,
    ProjectName,
    Environment,
    StrategyName,
}

#[derive(sqlx::FromRow)]
struct SegmentRow {
    id: i64,
    name: String,
    description: Option<String>,
    project: Option<String>,
    constraints: String,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<SegmentRow> for Segment {
    fn from(r: SegmentRow) -> Self {
        Segment {
            id: r.id,
            name: r.name,
            description: r.description,
            project: r.project,
            constraints: serde_json::from_str::<Vec<Constraint>>(&r.constraints)
                .unwrap_or_default(),
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// What a segment is made of, for inserts and updates.
#[derive(Debug, Clone)]
pub struct SegmentData {
    pub name: String,
    pub description: Option<String>,
    pub project: Option<String>,
    pub constraints: Vec<Constraint>,
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            Segments::Id,
            Segments::Name,
            Segments::Description,
            Segments::Project,
            Segments::Constraints,
            Segments::CreatedBy,
            Segments::CreatedAt,
        ])
        .from(Segments::Table)
        .to_owned()
}

fn constraints_json(c: &[Constraint]) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| "[]".into())
}

/// Every segment, oldest first.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<Segment>, sqlx::Error> {
    let q = select().order_by(Segments::Id, Order::Asc).to_owned();
    Ok(c.all::<SegmentRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<Segment>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Segments::Id).eq(id))
        .to_owned();
    Ok(c.opt::<SegmentRow, _>(&q).await?.map(Into::into))
}

/// The segments among `ids` that exist, in the order asked.
#[instrument(skip_all)]
pub async fn get_many(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<Segment>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = select()
        .and_where(Expr::col(Segments::Id).is_in(super::in_list(ids.iter().copied())))
        .to_owned();
    let mut found: HashMap<i64, Segment> = c
        .all::<SegmentRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.id, r.into()))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

#[instrument(skip_all)]
pub async fn exists(c: &mut impl Conn, id: i64) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Segments::Id).count())
        .from(Segments::Table)
        .and_where(Expr::col(Segments::Id).eq(id))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0 > 0)
}

#[instrument(skip_all)]
pub async fn name_exists(c: &mut impl Conn, name: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Segments::Id).count())
        .from(Segments::Table)
        .and_where(Expr::col(Segments::Name).eq(name))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0 > 0)
}

/// Stores a new segment and returns its id; a taken name is a unique violation.
#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    s: &SegmentData,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Segments::Table)
        .columns([
            Segments::Name,
            Segments::Description,
            Segments::Project,
            Segments::Constraints,
            Segments::CreatedBy,
            Segments::CreatedAt,
        ])
        .values_panic([
            s.name.clone().into(),
            s.description.clone().into(),
            s.project.clone().into(),
            constraints_json(&s.constraints).into(),
            created_by.into(),
            now.into(),
        ])
        .returning_col(Segments::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, id: i64, s: &SegmentData) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Segments::Table)
        .values([
            (Segments::Name, s.name.clone().into()),
            (Segments::Description, s.description.clone().into()),
            (Segments::Project, s.project.clone().into()),
            (
                Segments::Constraints,
                constraints_json(&s.constraints).into(),
            ),
        ])
        .and_where(Expr::col(Segments::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Segments::Table)
        .and_where(Expr::col(Segments::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct UsageRow {
    id: String,
    feature_name: String,
    project_name: String,
    environment: String,
    strategy_name: String,
}

/// The feature strategies that use segment `id`.
#[instrument(skip_all)]
pub async fn strategies_using(
    c: &mut impl Conn,
    id: i64,
) -> Result<Vec<SegmentUsage>, sqlx::Error> {
    let q = Query::select()
        .column((FeatureStrategies::Table, FeatureStrategies::Id))
        .column((FeatureStrategies::Table, FeatureStrategies::FeatureName))
        .column((FeatureStrategies::Table, FeatureStrategies::ProjectName))
        .column((FeatureStrategies::Table, FeatureStrategies::Environment))
        .column((FeatureStrategies::Table, FeatureStrategies::StrategyName))
        .from(FeatureStrategySegment::Table)
        .inner_join(
            FeatureStrategies::Table,
            Expr::col((FeatureStrategies::Table, FeatureStrategies::Id)).equals((
                FeatureStrategySegment::Table,
                FeatureStrategySegment::FeatureStrategyId,
            )),
        )
        .and_where(
            Expr::col((
                FeatureStrategySegment::Table,
                FeatureStrategySegment::SegmentId,
            ))
            .eq(id),
        )
        .order_by(
            (FeatureStrategies::Table, FeatureStrategies::FeatureName),
            Order::Asc,
        )
        .order_by(
            (FeatureStrategies::Table, FeatureStrategies::Id),
            Order::Asc,
        )
        .to_owned();
    Ok(c.all::<UsageRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| SegmentUsage {
            id: r.id,
            feature_name: r.feature_name,
            project_id: r.project_name,
            environment: r.environment,
            strategy_name: r.strategy_name,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct UsageCountRow {
    segment_id: i64,
    features: i64,
    projects: i64,
}

/// Per segment: in how many flags and how many projects it is used.
#[instrument(skip_all)]
pub async fn usage_counts(c: &mut impl Conn) -> Result<HashMap<i64, (i64, i64)>, sqlx::Error> {
    let q = Query::select()
        .column((
            FeatureStrategySegment::Table,
            FeatureStrategySegment::SegmentId,
        ))
        .expr_as(
            Expr::cust("COUNT(DISTINCT feature_strategies.feature_name)"),
            Alias::new("features"),
        )
        .expr_as(
            Expr::cust("COUNT(DISTINCT feature_strategies.project_name)"),
            Alias::new("projects"),
        )
        .from(FeatureStrategySegment::Table)
        .inner_join(
            FeatureStrategies::Table,
            Expr::col((FeatureStrategies::Table, FeatureStrategies::Id)).equals((
                FeatureStrategySegment::Table,
                FeatureStrategySegment::FeatureStrategyId,
            )),
        )
        .group_by_col((
            FeatureStrategySegment::Table,
            FeatureStrategySegment::SegmentId,
        ))
        .to_owned();
    Ok(c.all::<UsageCountRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.segment_id, (r.features, r.projects)))
        .collect())
}
