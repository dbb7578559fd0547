//! Strategy definitions.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::strategies::{StrategyDefinition, StrategyParameter};

#[derive(Iden)]
enum Strategies {
    Table,
    Name,
    Title,
    DisplayName,
    Description,
    Parameters,
    BuiltIn,
    Deprecated,
    SortOrder,
    CreatedAt,
}

#[derive(Iden)]
enum FeatureStrategies {
    Table,
    StrategyName,
}

#[derive(sqlx::FromRow)]
struct StrategyRow {
    name: String,
    title: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    parameters: String,
    built_in: bool,
    deprecated: bool,
    sort_order: i64,
    created_at: DateTime<Utc>,
}

impl From<StrategyRow> for StrategyDefinition {
    fn from(r: StrategyRow) -> Self {
        StrategyDefinition {
            name: r.name,
            title: r.title,
            display_name: r.display_name,
            description: r.description,
            parameters: serde_json::from_str::<Vec<StrategyParameter>>(&r.parameters)
                .unwrap_or_default(),
            built_in: r.built_in,
            deprecated: r.deprecated,
            sort_order: r.sort_order,
            created_at: r.created_at,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            Strategies::Name,
            Strategies::Title,
            Strategies::DisplayName,
            Strategies::Description,
            Strategies::Parameters,
            Strategies::BuiltIn,
            Strategies::Deprecated,
            Strategies::SortOrder,
            Strategies::CreatedAt,
        ])
        .from(Strategies::Table)
        .to_owned()
}

fn params_json(p: &[StrategyParameter]) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "[]".into())
}

/// Every definition, in Unleash's order (sort order, then name).
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<StrategyDefinition>, sqlx::Error> {
    let q = select()
        .order_by(Strategies::SortOrder, Order::Asc)
        .order_by(Strategies::Name, Order::Asc)
        .to_owned();
    Ok(c.all::<StrategyRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The definition named `name` (names are case-sensitive, as in Unleash).
#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<StrategyDefinition>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Strategies::Name).eq(name))
        .to_owned();
    Ok(c.opt::<StrategyRow, _>(&q).await?.map(Into::into))
}

/// Stores a new custom definition; a taken name is a unique violation.
#[instrument(skip_all)]
pub async fn insert(c: &mut impl Conn, s: &StrategyDefinition) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Strategies::Table)
        .columns([
            Strategies::Name,
            Strategies::Title,
            Strategies::DisplayName,
            Strategies::Description,
            Strategies::Parameters,
            Strategies::BuiltIn,
            Strategies::Deprecated,
            Strategies::SortOrder,
            Strategies::CreatedAt,
        ])
        .values_panic([
            s.name.clone().into(),
            s.title.clone().into(),
            s.display_name.clone().into(),
            s.description.clone().into(),
            params_json(&s.parameters).into(),
            s.built_in.into(),
            s.deprecated.into(),
            s.sort_order.into(),
            s.created_at.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// Replaces the description, title and parameters of a custom definition.
#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, s: &StrategyDefinition) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Strategies::Table)
        .values([
            (Strategies::Title, s.title.clone().into()),
            (Strategies::Description, s.description.clone().into()),
            (Strategies::Parameters, params_json(&s.parameters).into()),
        ])
        .and_where(Expr::col(Strategies::Name).eq(s.name.as_str()))
        .and_where(Expr::col(Strategies::BuiltIn).eq(false))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn set_deprecated(
    c: &mut impl Conn,
    name: &str,
    deprecated: bool,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Strategies::Table)
        .value(Strategies::Deprecated, deprecated)
        .and_where(Expr::col(Strategies::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

/// Deletes a custom definition; built-ins are never deleted.
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Strategies::Table)
        .and_where(Expr::col(Strategies::Name).eq(name))
        .and_where(Expr::col(Strategies::BuiltIn).eq(false))
        .to_owned();
    c.exec(&q).await
}

/// How many feature strategies use the definition named `name`.
#[instrument(skip_all)]
pub async fn usage_count(c: &mut impl Conn, name: &str) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(FeatureStrategies::StrategyName).count())
        .from(FeatureStrategies::Table)
        .and_where(Expr::col(FeatureStrategies::StrategyName).eq(name))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}
