//! Reading the state SDKs evaluate: every live flag of one environment with its strategies,
//! variants, dependencies, and the segments they use.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Order, Query};
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[derive(sqlx::FromRow, Debug)]
pub struct FeatureRow {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    #[sqlx(rename = "type")]
    pub feature_type: String,
    pub stale: bool,
    pub impression_data: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub enabled: Option<bool>,
    pub variants: Option<String>,
}

#[derive(sqlx::FromRow, Debug)]
pub struct StrategyRow {
    pub id: String,
    pub feature_name: String,
    pub strategy_name: String,
    pub title: Option<String>,
    pub parameters: String,
    pub constraints: String,
    pub variants: String,
    pub sort_order: i64,
    pub disabled: bool,
}

#[derive(sqlx::FromRow, Debug)]
pub struct StrategySegmentRow {
    pub feature_strategy_id: String,
    pub segment_id: i64,
}

#[derive(sqlx::FromRow, Debug)]
pub struct SegmentRow {
    pub id: i64,
    pub constraints: String,
}

#[derive(sqlx::FromRow, Debug)]
pub struct DependencyRow {
    pub parent: String,
    pub child: String,
    pub enabled: bool,
    pub variants: String,
}

/// Everything SDKs see for one environment, as stored.
#[derive(Debug, Default)]
pub struct EnvironmentState {
    pub features: Vec<FeatureRow>,
    pub strategies: Vec<StrategyRow>,
    pub strategy_segments: HashMap<String, Vec<i64>>,
    pub segments: Vec<SegmentRow>,
    pub dependencies: Vec<DependencyRow>,
    /// Each flag's tags as `(type, value)`, for the client API's `?tag=` filter.
    pub tags: HashMap<String, Vec<(String, String)>>,
}

#[derive(sqlx::FromRow, Debug)]
struct TagRow {
    feature_name: String,
    tag_type: String,
    tag_value: String,
}

#[instrument(skip_all)]
pub async fn load(c: &mut impl Conn, environment: &str) -> Result<EnvironmentState, sqlx::Error> {
    let features = Query::select()
        .column((t("features"), t("name")))
        .column((t("features"), t("project")))
        .column((t("features"), t("description")))
        .column((t("features"), t("type")))
        .column((t("features"), t("stale")))
        .column((t("features"), t("impression_data")))
        .column((t("features"), t("created_at")))
        .column((t("features"), t("last_seen_at")))
        .column((t("feature_environments"), t("enabled")))
        .column((t("feature_environments"), t("variants")))
        .from(t("features"))
        .left_join(
            t("feature_environments"),
            Expr::col((t("feature_environments"), t("feature_name")))
                .equals((t("features"), t("name")))
                .and(Expr::col((t("feature_environments"), t("environment"))).eq(environment)),
        )
        .and_where(Expr::col((t("features"), t("archived_at"))).is_null())
        .order_by((t("features"), t("name")), Order::Asc)
        .to_owned();
    let features = c.all::<FeatureRow, _>(&features).await?;

    let strategies = Query::select()
        .columns([
            t("id"),
            t("feature_name"),
            t("strategy_name"),
            t("title"),
            t("parameters"),
            t("constraints"),
            t("variants"),
            t("sort_order"),
            t("disabled"),
        ])
        .from(t("feature_strategies"))
        .and_where(Expr::col(t("environment")).eq(environment))
        .order_by(t("feature_name"), Order::Asc)
        .order_by(t("sort_order"), Order::Asc)
        .order_by(t("created_at"), Order::Asc)
        .to_owned();
    let strategies = c.all::<StrategyRow, _>(&strategies).await?;

    let links = Query::select()
        .column((t("feature_strategy_segment"), t("feature_strategy_id")))
        .column((t("feature_strategy_segment"), t("segment_id")))
        .from(t("feature_strategy_segment"))
        .inner_join(
            t("feature_strategies"),
            Expr::col((t("feature_strategies"), t("id")))
                .equals((t("feature_strategy_segment"), t("feature_strategy_id"))),
        )
        .and_where(Expr::col((t("feature_strategies"), t("environment"))).eq(environment))
        .order_by((t("feature_strategy_segment"), t("segment_id")), Order::Asc)
        .to_owned();
    let mut strategy_segments: HashMap<String, Vec<i64>> = HashMap::new();
    for l in c.all::<StrategySegmentRow, _>(&links).await? {
        strategy_segments
            .entry(l.feature_strategy_id)
            .or_default()
            .push(l.segment_id);
    }

    let segments = Query::select()
        .columns([t("id"), t("constraints")])
        .from(t("segments"))
        .order_by(t("id"), Order::Asc)
        .to_owned();
    let segments = c.all::<SegmentRow, _>(&segments).await?;

    let deps = Query::select()
        .columns([t("parent"), t("child"), t("enabled"), t("variants")])
        .from(t("dependent_features"))
        .order_by(t("child"), Order::Asc)
        .order_by(t("parent"), Order::Asc)
        .to_owned();
    let dependencies = c.all::<DependencyRow, _>(&deps).await?;

    let tag_rows = Query::select()
        .columns([t("feature_name"), t("tag_type"), t("tag_value")])
        .from(t("feature_tag"))
        .to_owned();
    let mut tags: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in c.all::<TagRow, _>(&tag_rows).await? {
        tags.entry(r.feature_name)
            .or_default()
            .push((r.tag_type, r.tag_value));
    }

    Ok(EnvironmentState {
        features,
        strategies,
        strategy_segments,
        segments,
        dependencies,
        tags,
    })
}

/// Every environment's name.
#[instrument(skip_all)]
pub async fn environment_names(c: &mut impl Conn) -> Result<Vec<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Name {
        name: String,
    }
    let q = Query::select()
        .column(t("name"))
        .from(t("environments"))
        .to_owned();
    Ok(c.all::<Name, _>(&q)
        .await?
        .into_iter()
        .map(|n| n.name)
        .collect())
}
