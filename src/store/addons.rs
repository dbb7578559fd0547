//! Addon configurations and their deliveries.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, OnConflict, Order, Query, SelectStatement};
use serde_json::{Map, Value};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::addons::{Addon, AddonSpec};

#[derive(Iden)]
enum Addons {
    Table,
    Id,
    Provider,
    Description,
    Enabled,
    Parameters,
    Events,
    Projects,
    Environments,
    CreatedAt,
    EventCursor,
}

#[derive(Iden)]
enum AddonDeliveries {
    Table,
    Id,
    AddonId,
    EventId,
    CreatedAt,
    State,
    StateDetails,
}

#[derive(sqlx::FromRow)]
struct AddonRow {
    id: i64,
    provider: String,
    description: Option<String>,
    enabled: bool,
    parameters: String,
    events: String,
    projects: String,
    environments: String,
    created_at: DateTime<Utc>,
    event_cursor: i64,
}

fn list_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl AddonRow {
    fn into_addon(self) -> (Addon, i64) {
        let parameters: Map<String, Value> =
            serde_json::from_str(&self.parameters).unwrap_or_default();
        (
            Addon {
                id: self.id,
                provider: self.provider,
                description: self.description,
                enabled: self.enabled,
                parameters,
                events: list_of(&self.events),
                projects: list_of(&self.projects),
                environments: list_of(&self.environments),
                created_at: self.created_at,
            },
            self.event_cursor,
        )
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            Addons::Id,
            Addons::Provider,
            Addons::Description,
            Addons::Enabled,
            Addons::Parameters,
            Addons::Events,
            Addons::Projects,
            Addons::Environments,
            Addons::CreatedAt,
            Addons::EventCursor,
        ])
        .from(Addons::Table)
        .order_by(Addons::Id, Order::Asc)
        .to_owned()
}

fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Every addon, oldest first.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<Addon>, sqlx::Error> {
    Ok(c.all::<AddonRow, _>(&select())
        .await?
        .into_iter()
        .map(|r| r.into_addon().0)
        .collect())
}

/// Enabled addons, each with its event cursor.
#[instrument(skip_all)]
pub async fn list_enabled(c: &mut impl Conn) -> Result<Vec<(Addon, i64)>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Addons::Enabled).eq(true))
        .to_owned();
    Ok(c.all::<AddonRow, _>(&q)
        .await?
        .into_iter()
        .map(AddonRow::into_addon)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<Addon>, sqlx::Error> {
    let q = select().and_where(Expr::col(Addons::Id).eq(id)).to_owned();
    Ok(c.opt::<AddonRow, _>(&q).await?.map(|r| r.into_addon().0))
}

/// Stores a new addon whose deliveries start after event `cursor`.
#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    spec: &AddonSpec,
    now: DateTime<Utc>,
    cursor: i64,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Addons::Table)
        .columns([
            Addons::Provider,
            Addons::Description,
            Addons::Enabled,
            Addons::Parameters,
            Addons::Events,
            Addons::Projects,
            Addons::Environments,
            Addons::CreatedAt,
            Addons::EventCursor,
        ])
        .values_panic([
            spec.provider.clone().into(),
            spec.description.clone().into(),
            spec.enabled.into(),
            json_text(&spec.parameters).into(),
            json_text(&spec.events).into(),
            json_text(&spec.projects).into(),
            json_text(&spec.environments).into(),
            now.into(),
            cursor.into(),
        ])
        .returning_col(Addons::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// Replaces an addon's configuration; `cursor`, when given, restarts its deliveries after
/// that event.
#[instrument(skip_all)]
pub async fn update(
    c: &mut impl Conn,
    id: i64,
    spec: &AddonSpec,
    cursor: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let mut q = Query::update()
        .table(Addons::Table)
        .values([
            (Addons::Provider, spec.provider.clone().into()),
            (Addons::Description, spec.description.clone().into()),
            (Addons::Enabled, spec.enabled.into()),
            (Addons::Parameters, json_text(&spec.parameters).into()),
            (Addons::Events, json_text(&spec.events).into()),
            (Addons::Projects, json_text(&spec.projects).into()),
            (Addons::Environments, json_text(&spec.environments).into()),
        ])
        .and_where(Expr::col(Addons::Id).eq(id))
        .to_owned();
    if let Some(cursor) = cursor {
        q.value(Addons::EventCursor, cursor);
    }
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Addons::Table)
        .and_where(Expr::col(Addons::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// Moves an addon's cursor forward (never back, whichever node gets there first).
#[instrument(skip_all)]
pub async fn advance_cursor(c: &mut impl Conn, id: i64, cursor: i64) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Addons::Table)
        .value(Addons::EventCursor, cursor)
        .and_where(Expr::col(Addons::Id).eq(id))
        .and_where(Expr::col(Addons::EventCursor).lt(cursor))
        .to_owned();
    c.exec(&q).await
}

/// What a delivery recorded so far says until it is finished: a node that stopped midway
/// leaves it so.
pub const UNFINISHED: &str = "Delivery started but not finished.";

/// Claims the delivery of one event to one addon: `true` for the one caller, on any node,
/// that inserted the row first; every later caller gets `false`.
#[instrument(skip_all)]
pub async fn claim(
    c: &mut impl Conn,
    addon_id: i64,
    event_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let q = Query::insert()
        .into_table(AddonDeliveries::Table)
        .columns([
            AddonDeliveries::AddonId,
            AddonDeliveries::EventId,
            AddonDeliveries::CreatedAt,
            AddonDeliveries::State,
            AddonDeliveries::StateDetails,
        ])
        .values_panic([
            addon_id.into(),
            event_id.into(),
            now.into(),
            "failed".into(),
            UNFINISHED.into(),
        ])
        .on_conflict(
            OnConflict::columns([AddonDeliveries::AddonId, AddonDeliveries::EventId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(c.exec(&q).await? > 0)
}

/// Records how a claimed delivery ended.
#[instrument(skip_all)]
pub async fn finish(
    c: &mut impl Conn,
    addon_id: i64,
    event_id: i64,
    state: &str,
    details: &str,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(AddonDeliveries::Table)
        .values([
            (AddonDeliveries::State, state.into()),
            (AddonDeliveries::StateDetails, details.into()),
        ])
        .and_where(Expr::col(AddonDeliveries::AddonId).eq(addon_id))
        .and_where(Expr::col(AddonDeliveries::EventId).eq(event_id))
        .to_owned();
    c.exec(&q).await
}

/// One delivery of an event to an addon.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub addon_id: i64,
    pub event_id: i64,
    pub created_at: DateTime<Utc>,
    pub state: String,
    pub state_details: String,
}

/// An addon's deliveries, newest first.
#[instrument(skip_all)]
pub async fn deliveries(
    c: &mut impl Conn,
    addon_id: i64,
    limit: u64,
    offset: u64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    let q = Query::select()
        .columns([
            AddonDeliveries::Id,
            AddonDeliveries::AddonId,
            AddonDeliveries::EventId,
            AddonDeliveries::CreatedAt,
            AddonDeliveries::State,
            AddonDeliveries::StateDetails,
        ])
        .from(AddonDeliveries::Table)
        .and_where(Expr::col(AddonDeliveries::AddonId).eq(addon_id))
        .order_by(AddonDeliveries::Id, Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    c.all::<Delivery, _>(&q).await
}
