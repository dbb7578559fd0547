//! Reading the state SDKs evaluate: every live flag of one environment with its strategies,
//! variants, dependencies, and the segments they use.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Order, Query};
use tracing::instrument;

use super::Conn;
use crate::domain::client_state::{
    EnvironmentState, StoredDependency, StoredFeature, StoredSegment, StoredStrategy,
};

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[derive(sqlx::FromRow, Debug)]
struct FeatureRow {
    name: String,
    project: String,
    description: Option<String>,
    #[sqlx(rename = "type")]
    feature_type: String,
    stale: bool,
    impression_data: bool,
    created_at: DateTime<Utc>,
    last_seen_at: Option<DateTime<Utc>>,
    enabled: Option<bool>,
    variants: Option<String>,
}

#[derive(sqlx::FromRow, Debug)]
struct StrategyRow {
    id: String,
    feature_name: String,
    strategy_name: String,
    title: Option<String>,
    parameters: String,
    constraints: String,
    variants: String,
    sort_order: i64,
    disabled: bool,
}

#[derive(sqlx::FromRow, Debug)]
struct StrategySegmentRow {
    feature_strategy_id: String,
    segment_id: i64,
}

#[derive(sqlx::FromRow, Debug)]
struct SegmentRow {
    id: i64,
    constraints: String,
}

#[derive(sqlx::FromRow, Debug)]
struct DependencyRow {
    parent: String,
    child: String,
    enabled: bool,
    variants: String,
}

/// Converts a row into the domain's plain struct of the same fields.
macro_rules! plain {
    ($row:ident => $plain:ident { $($field:ident),* $(,)? }) => {
        impl From<$row> for $plain {
            fn from(r: $row) -> Self {
                $plain { $($field: r.$field),* }
            }
        }
    };
}

plain!(FeatureRow => StoredFeature {
    name, project, description, feature_type, stale, impression_data, created_at,
    last_seen_at, enabled, variants,
});
plain!(StrategyRow => StoredStrategy {
    id, feature_name, strategy_name, title, parameters, constraints, variants, sort_order,
    disabled,
});
plain!(SegmentRow => StoredSegment { id, constraints });
plain!(DependencyRow => StoredDependency { parent, child, enabled, variants });

#[derive(sqlx::FromRow, Debug)]
struct TagRow {
    feature_name: String,
    tag_type: String,
    tag_value: String,
}

/// Reads rows and converts them into the domain's plain structs.
async fn plain_all<R: super::Record, P: From<R>>(
    c: &mut impl Conn,
    q: &sea_query::SelectStatement,
) -> Result<Vec<P>, sqlx::Error> {
    Ok(c.all::<R, _>(q).await?.into_iter().map(P::from).collect())
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
    let features = plain_all::<FeatureRow, StoredFeature>(c, &features).await?;

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
    let strategies = plain_all::<StrategyRow, StoredStrategy>(c, &strategies).await?;

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
    let segments = plain_all::<SegmentRow, StoredSegment>(c, &segments).await?;

    let deps = Query::select()
        .columns([t("parent"), t("child"), t("enabled"), t("variants")])
        .from(t("dependent_features"))
        .order_by(t("child"), Order::Asc)
        .order_by(t("parent"), Order::Asc)
        .to_owned();
    let dependencies = plain_all::<DependencyRow, StoredDependency>(c, &deps).await?;

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
