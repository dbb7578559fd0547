//! Projects, the environments enabled in each, and the project roles of users.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Iden, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::projects::{Project, ProjectMember};

#[derive(Iden)]
pub(crate) enum Projects {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden)]
pub(crate) enum ProjectEnvironments {
    Table,
    ProjectId,
    Environment,
}

#[derive(Iden)]
enum Environments {
    Table,
    Name,
    SortOrder,
}

#[derive(Iden)]
enum Features {
    Table,
    Name,
    Project,
    ArchivedAt,
}

#[derive(Iden)]
enum RoleUser {
    Table,
    RoleId,
    UserId,
    Project,
    CreatedAt,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: String,
    name: String,
    description: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
    feature_count: i64,
    member_count: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
            feature_count: r.feature_count,
            member_count: r.member_count,
        }
    }
}

fn select() -> sea_query::SelectStatement {
    let features = Query::select()
        .expr(Expr::col((Features::Table, Features::Name)).count())
        .from(Features::Table)
        .and_where(
            Expr::col((Features::Table, Features::Project)).equals((Projects::Table, Projects::Id)),
        )
        .and_where(Expr::col((Features::Table, Features::ArchivedAt)).is_null())
        .to_owned();
    let members = Query::select()
        .expr(Expr::col((RoleUser::Table, RoleUser::UserId)).count_distinct())
        .from(RoleUser::Table)
        .and_where(
            Expr::col((RoleUser::Table, RoleUser::Project)).equals((Projects::Table, Projects::Id)),
        )
        .to_owned();
    Query::select()
        .columns([
            (Projects::Table, Projects::Id),
            (Projects::Table, Projects::Name),
            (Projects::Table, Projects::Description),
            (Projects::Table, Projects::CreatedAt),
            (Projects::Table, Projects::UpdatedAt),
        ])
        .expr_as(
            sea_query::SimpleExpr::SubQuery(None, Box::new(features.into_sub_query_statement())),
            Alias::new("feature_count"),
        )
        .expr_as(
            sea_query::SimpleExpr::SubQuery(None, Box::new(members.into_sub_query_statement())),
            Alias::new("member_count"),
        )
        .from(Projects::Table)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<Project>, sqlx::Error> {
    let q = select()
        .order_by((Projects::Table, Projects::Name), Order::Asc)
        .to_owned();
    Ok(c.all::<ProjectRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: &str) -> Result<Option<Project>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col((Projects::Table, Projects::Id)).eq(id))
        .to_owned();
    Ok(c.opt::<ProjectRow, _>(&q).await?.map(Into::into))
}

#[instrument(skip_all)]
pub async fn exists(c: &mut impl Conn, id: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::val(1i64))
        .from(Projects::Table)
        .and_where(Expr::col(Projects::Id).eq(id))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    id: &str,
    name: &str,
    description: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Projects::Table)
        .columns([
            Projects::Id,
            Projects::Name,
            Projects::Description,
            Projects::CreatedAt,
        ])
        .values_panic([
            id.into(),
            name.into(),
            description.map(str::to_string).into(),
            now.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn update(
    c: &mut impl Conn,
    id: &str,
    name: &str,
    description: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Projects::Table)
        .value(Projects::Name, name)
        .value(Projects::Description, description.map(str::to_string))
        .value(Projects::UpdatedAt, now)
        .and_where(Expr::col(Projects::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Projects::Table)
        .and_where(Expr::col(Projects::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// How many flags (archived ones too) belong to the project.
#[instrument(skip_all)]
pub async fn count_flags(c: &mut impl Conn, id: &str, archived: bool) -> Result<i64, sqlx::Error> {
    let mut q = Query::select()
        .expr(Expr::col(Features::Name).count())
        .from(Features::Table)
        .and_where(Expr::col(Features::Project).eq(id))
        .to_owned();
    if archived {
        q.and_where(Expr::col(Features::ArchivedAt).is_not_null());
    } else {
        q.and_where(Expr::col(Features::ArchivedAt).is_null());
    }
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(sqlx::FromRow)]
struct Name {
    name: String,
}

/// The environments enabled in a project, in environment sort order.
#[instrument(skip_all)]
pub async fn environments(c: &mut impl Conn, project: &str) -> Result<Vec<String>, sqlx::Error> {
    let q = Query::select()
        .expr_as(
            Expr::col((Environments::Table, Environments::Name)),
            Alias::new("name"),
        )
        .from(ProjectEnvironments::Table)
        .inner_join(
            Environments::Table,
            Expr::col((Environments::Table, Environments::Name))
                .equals((ProjectEnvironments::Table, ProjectEnvironments::Environment)),
        )
        .and_where(
            Expr::col((ProjectEnvironments::Table, ProjectEnvironments::ProjectId)).eq(project),
        )
        .order_by((Environments::Table, Environments::SortOrder), Order::Asc)
        .order_by((Environments::Table, Environments::Name), Order::Asc)
        .to_owned();
    Ok(c.all::<Name, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect())
}

#[instrument(skip_all)]
pub async fn environment_exists(c: &mut impl Conn, environment: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::val(1i64))
        .from(Environments::Table)
        .and_where(Expr::col(Environments::Name).eq(environment))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

#[instrument(skip_all)]
pub async fn add_environment(
    c: &mut impl Conn,
    project: &str,
    environment: &str,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(ProjectEnvironments::Table)
        .columns([
            ProjectEnvironments::ProjectId,
            ProjectEnvironments::Environment,
        ])
        .values_panic([project.into(), environment.into()])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn remove_environment(
    c: &mut impl Conn,
    project: &str,
    environment: &str,
) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(ProjectEnvironments::Table)
        .and_where(Expr::col(ProjectEnvironments::ProjectId).eq(project))
        .and_where(Expr::col(ProjectEnvironments::Environment).eq(environment))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: i64,
    role_id: i64,
    created_at: DateTime<Utc>,
}

/// Every (user, project role) pair of a project, oldest first.
#[instrument(skip_all)]
pub async fn members(c: &mut impl Conn, project: &str) -> Result<Vec<ProjectMember>, sqlx::Error> {
    let q = Query::select()
        .columns([RoleUser::UserId, RoleUser::RoleId, RoleUser::CreatedAt])
        .from(RoleUser::Table)
        .and_where(Expr::col(RoleUser::Project).eq(project))
        .order_by(RoleUser::CreatedAt, Order::Asc)
        .order_by(RoleUser::UserId, Order::Asc)
        .order_by(RoleUser::RoleId, Order::Asc)
        .to_owned();
    Ok(c.all::<MemberRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| ProjectMember {
            user_id: r.user_id,
            role_id: r.role_id,
            added_at: r.created_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct RoleHolderRow {
    project: String,
    user_id: i64,
}

/// The users holding `role_id` in each project, oldest first, for every project at once.
#[instrument(skip_all)]
pub async fn holders_of_role(
    c: &mut impl Conn,
    role_id: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let q = Query::select()
        .columns([RoleUser::Project, RoleUser::UserId])
        .from(RoleUser::Table)
        .and_where(Expr::col(RoleUser::RoleId).eq(role_id))
        .order_by(RoleUser::CreatedAt, Order::Asc)
        .order_by(RoleUser::UserId, Order::Asc)
        .to_owned();
    Ok(c.all::<RoleHolderRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.project, r.user_id))
        .collect())
}

/// Gives a user a project role; giving it twice is not an error.
#[instrument(skip_all)]
pub async fn add_member(
    c: &mut impl Conn,
    project: &str,
    user_id: i64,
    role_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(RoleUser::Table)
        .columns([
            RoleUser::RoleId,
            RoleUser::UserId,
            RoleUser::Project,
            RoleUser::CreatedAt,
        ])
        .values_panic([role_id.into(), user_id.into(), project.into(), now.into()])
        .on_conflict(
            sea_query::OnConflict::columns([RoleUser::RoleId, RoleUser::UserId, RoleUser::Project])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

/// Takes every project role in `project` away from a user.
#[instrument(skip_all)]
pub async fn remove_member(
    c: &mut impl Conn,
    project: &str,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(RoleUser::Table)
        .and_where(Expr::col(RoleUser::Project).eq(project))
        .and_where(Expr::col(RoleUser::UserId).eq(user_id))
        .to_owned();
    c.exec(&q).await
}

/// Every environment, in sort order.
#[instrument(skip_all)]
pub async fn environments_all(c: &mut impl Conn) -> Result<Vec<String>, sqlx::Error> {
    let q = Query::select()
        .column(Environments::Name)
        .from(Environments::Table)
        .order_by(Environments::SortOrder, Order::Asc)
        .order_by(Environments::Name, Order::Asc)
        .to_owned();
    Ok(c.all::<Name, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect())
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    feature_naming: Option<String>,
    link_templates: Option<String>,
}

/// The project's feature naming pattern and link templates (JSON text each), when set.
#[instrument(skip_all)]
pub async fn settings(
    c: &mut impl Conn,
    project: &str,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let q = Query::select()
        .columns([Alias::new("feature_naming"), Alias::new("link_templates")])
        .from(Projects::Table)
        .and_where(Expr::col(Projects::Id).eq(project))
        .to_owned();
    Ok(c.opt::<SettingsRow, _>(&q)
        .await?
        .map(|r| (r.feature_naming, r.link_templates))
        .unwrap_or_default())
}

#[instrument(skip_all)]
pub async fn set_settings(
    c: &mut impl Conn,
    project: &str,
    feature_naming: Option<String>,
    link_templates: Option<String>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Projects::Table)
        .value(Alias::new("feature_naming"), feature_naming)
        .value(Alias::new("link_templates"), link_templates)
        .value(Projects::UpdatedAt, now)
        .and_where(Expr::col(Projects::Id).eq(project))
        .to_owned();
    c.exec(&q).await
}

/// Takes every project role in `project` away from everyone.
#[instrument(skip_all)]
pub async fn remove_all_members(c: &mut impl Conn, project: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(RoleUser::Table)
        .and_where(Expr::col(RoleUser::Project).eq(project))
        .to_owned();
    c.exec(&q).await
}
