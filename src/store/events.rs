//! The audit log.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, Iden, Order, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::events::{Actor, Event, EventQuery, NewEvent};

#[derive(Iden)]
enum Events {
    Table,
    Id,
    Type,
    CreatedAt,
    CreatedBy,
    CreatedByUserId,
    Data,
    PreData,
    Tags,
    FeatureName,
    Project,
    Environment,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    #[sqlx(rename = "type")]
    event_type: String,
    created_at: DateTime<Utc>,
    created_by: String,
    created_by_user_id: Option<i64>,
    data: Option<String>,
    pre_data: Option<String>,
    tags: String,
    feature_name: Option<String>,
    project: Option<String>,
    environment: Option<String>,
}

fn parse(s: Option<String>) -> Option<serde_json::Value> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            event_type: r.event_type,
            created_at: r.created_at,
            created_by: r.created_by,
            created_by_user_id: r.created_by_user_id,
            data: parse(r.data),
            pre_data: parse(r.pre_data),
            tags: serde_json::from_str(&r.tags).unwrap_or_else(|_| serde_json::json!([])),
            feature_name: r.feature_name,
            project: r.project,
            environment: r.environment,
        }
    }
}

#[instrument(skip_all, fields(event = ev.event_type))]
pub async fn insert(
    c: &mut impl Conn,
    ev: &NewEvent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Events::Table)
        .columns([
            Events::Type,
            Events::CreatedAt,
            Events::CreatedBy,
            Events::CreatedByUserId,
            Events::Data,
            Events::PreData,
            Events::FeatureName,
            Events::Project,
            Events::Environment,
        ])
        .values_panic([
            ev.event_type.into(),
            now.into(),
            actor.name.clone().into(),
            actor.user_id.into(),
            ev.data.as_ref().map(|d| d.to_string()).into(),
            ev.pre_data.as_ref().map(|d| d.to_string()).into(),
            ev.feature_name.clone().into(),
            ev.project.clone().into(),
            ev.environment.clone().into(),
        ])
        .returning_col(Events::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

fn filtered(mut q: SelectStatement, f: &EventQuery) -> SelectStatement {
    let mut cond = Cond::all();
    if let Some(v) = &f.event_type {
        cond = cond.add(Expr::col(Events::Type).eq(v.clone()));
    }
    if let Some(v) = &f.feature_name {
        cond = cond.add(Expr::col(Events::FeatureName).eq(v.clone()));
    }
    if let Some(v) = &f.project {
        cond = cond.add(Expr::col(Events::Project).eq(v.clone()));
    }
    if let Some(v) = &f.projects {
        cond = cond.add(Expr::col(Events::Project).is_in(super::in_list(v.iter().cloned())));
    }
    if let Some(v) = &f.environment {
        cond = cond.add(Expr::col(Events::Environment).eq(v.clone()));
    }
    if let Some(v) = &f.created_by {
        cond = cond.add(Expr::col(Events::CreatedBy).eq(v.clone()));
    }
    if let Some(v) = f.from {
        cond = cond.add(Expr::col(Events::CreatedAt).gte(v));
    }
    if let Some(v) = f.to {
        cond = cond.add(Expr::col(Events::CreatedAt).lt(v));
    }
    q.cond_where(cond);
    q
}

/// Matching events, newest first.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn, f: &EventQuery) -> Result<Vec<Event>, sqlx::Error> {
    let base = all_columns()
        .order_by(Events::Id, Order::Desc)
        .limit(f.limit)
        // The database's integers are signed.
        .offset(f.offset.min(i64::MAX as u64))
        .to_owned();
    let q = filtered(base, f);
    Ok(c.all::<EventRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn count(c: &mut impl Conn, f: &EventQuery) -> Result<i64, sqlx::Error> {
    let base = Query::select()
        .expr(Expr::col(Events::Id).count())
        .from(Events::Table)
        .to_owned();
    Ok(c.one::<Scalar, _>(&filtered(base, f)).await?.0)
}

/// The flags table, for joining events to the flags they name.
#[derive(Iden)]
enum Features {
    Table,
    Name,
    ArchivedAt,
}

/// The latest event of each flag that exists and is not archived, for the `limit` flags
/// changed most recently, newest first.
#[instrument(skip_all)]
pub async fn latest_per_flag(c: &mut impl Conn, limit: u64) -> Result<Vec<Event>, sqlx::Error> {
    let latest = Query::select()
        .expr(Expr::col((Events::Table, Events::Id)).max())
        .from(Events::Table)
        .inner_join(
            Features::Table,
            Expr::col((Features::Table, Features::Name))
                .equals((Events::Table, Events::FeatureName)),
        )
        .and_where(Expr::col((Features::Table, Features::ArchivedAt)).is_null())
        .group_by_col((Events::Table, Events::FeatureName))
        .to_owned();
    let q = all_columns()
        .and_where(Expr::col(Events::Id).in_subquery(latest))
        .order_by(Events::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(c.all::<EventRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(sqlx::FromRow)]
struct CreatorRow {
    created_by_user_id: i64,
}

/// The ids of the users who have written at least one event, ascending.
#[instrument(skip_all)]
pub async fn creator_ids(c: &mut impl Conn) -> Result<Vec<i64>, sqlx::Error> {
    let q = Query::select()
        .distinct()
        .column(Events::CreatedByUserId)
        .from(Events::Table)
        .and_where(Expr::col(Events::CreatedByUserId).is_not_null())
        .order_by(Events::CreatedByUserId, Order::Asc)
        .to_owned();
    Ok(c.all::<CreatorRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.created_by_user_id)
        .collect())
}

fn all_columns() -> SelectStatement {
    Query::select()
        .columns([
            Events::Id,
            Events::Type,
            Events::CreatedAt,
            Events::CreatedBy,
            Events::CreatedByUserId,
            Events::Data,
            Events::PreData,
            Events::Tags,
            Events::FeatureName,
            Events::Project,
            Events::Environment,
        ])
        .from(Events::Table)
        .to_owned()
}

/// Up to `limit` events with an id above `after`, oldest first: what addons work through.
#[instrument(skip_all)]
pub async fn after(c: &mut impl Conn, after: i64, limit: u64) -> Result<Vec<Event>, sqlx::Error> {
    let q = all_columns()
        .and_where(Expr::col(Events::Id).gt(after))
        .order_by(Events::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(c.all::<EventRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The events with these ids.
#[instrument(skip_all)]
pub async fn by_ids(c: &mut impl Conn, ids: Vec<i64>) -> Result<Vec<Event>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = all_columns()
        .and_where(Expr::col(Events::Id).is_in(super::in_list(ids)))
        .to_owned();
    Ok(c.all::<EventRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(sqlx::FromRow)]
struct MaxId(Option<i64>);

/// The highest event id so far (0 when there is none).
#[instrument(skip_all)]
pub async fn max_id(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Events::Id).max())
        .from(Events::Table)
        .to_owned();
    Ok(c.one::<MaxId, _>(&q).await?.0.unwrap_or(0))
}
