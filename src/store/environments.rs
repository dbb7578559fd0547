//! Environments and which projects use them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::environments::{Environment, EnvironmentCounts};

#[derive(Iden)]
enum Environments {
    Table,
    Name,
    Type,
    SortOrder,
    Enabled,
    Protected,
    CreatedAt,
}

#[derive(Iden)]
enum ProjectEnvironments {
    Table,
    ProjectId,
    Environment,
}

#[derive(Iden)]
enum Projects {
    Table,
    Id,
}

#[derive(Iden)]
enum FeatureEnvironments {
    Table,
    FeatureName,
    Environment,
    Enabled,
}

#[derive(Iden)]
enum Features {
    Table,
    Name,
    Project,
    ArchivedAt,
}

#[derive(sqlx::FromRow)]
struct EnvironmentRow {
    name: String,
    #[sqlx(rename = "type")]
    env_type: String,
    sort_order: i64,
    enabled: bool,
    protected: bool,
    created_at: DateTime<Utc>,
}

impl From<EnvironmentRow> for Environment {
    fn from(r: EnvironmentRow) -> Self {
        Environment {
            name: r.name,
            env_type: r.env_type,
            sort_order: r.sort_order,
            enabled: r.enabled,
            protected: r.protected,
            created_at: r.created_at,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            Environments::Name,
            Environments::Type,
            Environments::SortOrder,
            Environments::Enabled,
            Environments::Protected,
            Environments::CreatedAt,
        ])
        .from(Environments::Table)
        .to_owned()
}

/// Every environment, by sort order then name.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<Environment>, sqlx::Error> {
    let q = select()
        .order_by(Environments::SortOrder, Order::Asc)
        .order_by(Environments::Name, Order::Asc)
        .to_owned();
    Ok(c.all::<EnvironmentRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<Environment>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Environments::Name).eq(name))
        .to_owned();
    Ok(c.opt::<EnvironmentRow, _>(&q).await?.map(Into::into))
}

/// Stores a new environment; a taken name is a unique violation.
#[instrument(skip_all)]
pub async fn insert(c: &mut impl Conn, e: &Environment) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Environments::Table)
        .columns([
            Environments::Name,
            Environments::Type,
            Environments::SortOrder,
            Environments::Enabled,
            Environments::Protected,
            Environments::CreatedAt,
        ])
        .values_panic([
            e.name.clone().into(),
            e.env_type.clone().into(),
            e.sort_order.into(),
            e.enabled.into(),
            e.protected.into(),
            e.created_at.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// Saves type, sort order and enabled state.
#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, e: &Environment) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Environments::Table)
        .values([
            (Environments::Type, e.env_type.clone().into()),
            (Environments::SortOrder, e.sort_order.into()),
            (Environments::Enabled, e.enabled.into()),
        ])
        .and_where(Expr::col(Environments::Name).eq(e.name.as_str()))
        .to_owned();
    c.exec(&q).await
}

/// Deletes an environment; its project links and flag settings go with it (foreign keys).
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Environments::Table)
        .and_where(Expr::col(Environments::Name).eq(name))
        .to_owned();
    c.exec(&q).await
}

/// Makes an environment available in every existing project.
#[instrument(skip_all)]
pub async fn add_to_all_projects(c: &mut impl Conn, name: &str) -> Result<u64, sqlx::Error> {
    let projects = Query::select()
        .column(Projects::Id)
        .expr(Expr::val(name))
        .from(Projects::Table)
        .to_owned();
    let q = Query::insert()
        .into_table(ProjectEnvironments::Table)
        .columns([
            ProjectEnvironments::ProjectId,
            ProjectEnvironments::Environment,
        ])
        .select_from(projects)
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
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

#[derive(sqlx::FromRow)]
struct NameRow {
    environment: String,
}

/// The environments enabled in `project`.
#[instrument(skip_all)]
pub async fn of_project(c: &mut impl Conn, project: &str) -> Result<Vec<String>, sqlx::Error> {
    let q = Query::select()
        .column(ProjectEnvironments::Environment)
        .from(ProjectEnvironments::Table)
        .and_where(Expr::col(ProjectEnvironments::ProjectId).eq(project))
        .to_owned();
    Ok(c.all::<NameRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.environment)
        .collect())
}

#[derive(sqlx::FromRow)]
struct CountRow {
    environment: String,
    n: i64,
}

/// Per environment: how many projects use it.
#[instrument(skip_all)]
pub async fn project_counts(c: &mut impl Conn) -> Result<HashMap<String, i64>, sqlx::Error> {
    let q = Query::select()
        .column(ProjectEnvironments::Environment)
        .expr_as(
            Expr::col(ProjectEnvironments::ProjectId).count(),
            Alias::new("n"),
        )
        .from(ProjectEnvironments::Table)
        .group_by_col(ProjectEnvironments::Environment)
        .to_owned();
    Ok(c.all::<CountRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.environment, r.n))
        .collect())
}

/// Per environment: how many live (not archived) flags are enabled there, optionally only
/// the flags of one project.
#[instrument(skip_all)]
pub async fn enabled_flag_counts(
    c: &mut impl Conn,
    project: Option<&str>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut q = Query::select()
        .column((FeatureEnvironments::Table, FeatureEnvironments::Environment))
        .expr_as(
            Expr::col((FeatureEnvironments::Table, FeatureEnvironments::FeatureName)).count(),
            Alias::new("n"),
        )
        .from(FeatureEnvironments::Table)
        .inner_join(
            Features::Table,
            Expr::col((Features::Table, Features::Name))
                .equals((FeatureEnvironments::Table, FeatureEnvironments::FeatureName)),
        )
        .and_where(Expr::col((FeatureEnvironments::Table, FeatureEnvironments::Enabled)).eq(true))
        .and_where(Expr::col((Features::Table, Features::ArchivedAt)).is_null())
        .group_by_col((FeatureEnvironments::Table, FeatureEnvironments::Environment))
        .to_owned();
    if let Some(p) = project {
        q.and_where(Expr::col((Features::Table, Features::Project)).eq(p));
    }
    Ok(c.all::<CountRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.environment, r.n))
        .collect())
}

pub fn counts_for(
    name: &str,
    projects: &HashMap<String, i64>,
    flags: &HashMap<String, i64>,
) -> EnvironmentCounts {
    EnvironmentCounts {
        projects: projects.get(name).copied().unwrap_or(0),
        enabled_flags: flags.get(name).copied().unwrap_or(0),
    }
}
