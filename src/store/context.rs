//! Context fields.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::context::{ContextField, LegalValue};

#[derive(Iden)]
enum ContextFields {
    Table,
    Name,
    Description,
    Stickiness,
    SortOrder,
    LegalValues,
    Project,
    CreatedAt,
}

#[derive(Iden)]
enum Projects {
    Table,
    Id,
}

#[derive(Iden)]
enum FeatureStrategies {
    Table,
    Id,
    FeatureName,
    ProjectName,
    Environment,
    StrategyName,
    Constraints,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    name: String,
    description: Option<String>,
    stickiness: bool,
    sort_order: i64,
    legal_values: String,
    project: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<ContextRow> for ContextField {
    fn from(r: ContextRow) -> Self {
        ContextField {
            name: r.name,
            description: r.description,
            stickiness: r.stickiness,
            sort_order: r.sort_order,
            legal_values: serde_json::from_str::<Vec<LegalValue>>(&r.legal_values)
                .unwrap_or_default(),
            project: r.project,
            created_at: r.created_at,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            ContextFields::Name,
            ContextFields::Description,
            ContextFields::Stickiness,
            ContextFields::SortOrder,
            ContextFields::LegalValues,
            ContextFields::Project,
            ContextFields::CreatedAt,
        ])
        .from(ContextFields::Table)
        .to_owned()
}

fn legal_json(v: &[LegalValue]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Every field, by sort order then name.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<ContextField>, sqlx::Error> {
    let q = select()
        .order_by(ContextFields::SortOrder, Order::Asc)
        .order_by(ContextFields::Name, Order::Asc)
        .to_owned();
    Ok(c.all::<ContextRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<ContextField>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(ContextFields::Name).eq(name))
        .to_owned();
    Ok(c.opt::<ContextRow, _>(&q).await?.map(Into::into))
}

/// Stores a new field; a taken name is a unique violation.
#[instrument(skip_all)]
pub async fn insert(c: &mut impl Conn, f: &ContextField) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(ContextFields::Table)
        .columns([
            ContextFields::Name,
            ContextFields::Description,
            ContextFields::Stickiness,
            ContextFields::SortOrder,
            ContextFields::LegalValues,
            ContextFields::Project,
            ContextFields::CreatedAt,
        ])
        .values_panic([
            f.name.clone().into(),
            f.description.clone().into(),
            f.stickiness.into(),
            f.sort_order.into(),
            legal_json(&f.legal_values).into(),
            f.project.clone().into(),
            f.created_at.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, f: &ContextField) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(ContextFields::Table)
        .values([
            (ContextFields::Description, f.description.clone().into()),
            (ContextFields::Stickiness, f.stickiness.into()),
            (ContextFields::SortOrder, f.sort_order.into()),
            (
                ContextFields::LegalValues,
                legal_json(&f.legal_values).into(),
            ),
            (ContextFields::Project, f.project.clone().into()),
        ])
        .and_where(Expr::col(ContextFields::Name).eq(f.name.as_str()))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(ContextFields::Table)
        .and_where(Expr::col(ContextFields::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn project_exists(c: &mut impl Conn, project: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Projects::Id).count())
        .from(Projects::Table)
        .and_where(Expr::col(Projects::Id).eq(project))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0 > 0)
}

/// A feature strategy with its raw constraints, for finding which fields are in use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StrategyConstraints {
    pub id: String,
    pub feature_name: String,
    pub project_name: String,
    pub environment: String,
    pub strategy_name: String,
    pub constraints: String,
}

/// Every feature strategy that has at least one constraint.
#[instrument(skip_all)]
pub async fn constrained_strategies(
    c: &mut impl Conn,
) -> Result<Vec<StrategyConstraints>, sqlx::Error> {
    let q = Query::select()
        .columns([
            FeatureStrategies::Id,
            FeatureStrategies::FeatureName,
            FeatureStrategies::ProjectName,
            FeatureStrategies::Environment,
            FeatureStrategies::StrategyName,
            FeatureStrategies::Constraints,
        ])
        .from(FeatureStrategies::Table)
        .and_where(Expr::col(FeatureStrategies::Constraints).ne("[]"))
        .order_by(FeatureStrategies::FeatureName, Order::Asc)
        .order_by(FeatureStrategies::Id, Order::Asc)
        .to_owned();
    c.all::<StrategyConstraints, _>(&q).await
}
