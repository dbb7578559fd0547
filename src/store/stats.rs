//! Counts for the instance statistics, and the instance's own id.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Func, OnConflict, Query, SimpleExpr};
use serde_json::Value;
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// Rows of `table` matching every condition.
async fn count(
    c: &mut impl Conn,
    table: &str,
    conditions: Vec<SimpleExpr>,
) -> Result<i64, sqlx::Error> {
    let mut q = Query::select()
        .expr_as(Func::count(Expr::col(sea_query::Asterisk)), t("n"))
        .from(t(table))
        .to_owned();
    for cond in conditions {
        q.and_where(cond);
    }
    Ok(c.opt::<Count, _>(&q).await?.map(|r| r.n).unwrap_or(0))
}

/// This installation's id: made once, kept in `settings`.
#[instrument(skip_all)]
pub async fn instance_id(c: &mut impl Conn) -> Result<String, sqlx::Error> {
    let fresh = uuid::Uuid::new_v4().to_string();
    let q = Query::insert()
        .into_table(t("settings"))
        .columns([t("name"), t("content")])
        .values_panic(["instance_id".into(), fresh.into()])
        .on_conflict(OnConflict::column(t("name")).do_nothing().to_owned())
        .to_owned();
    c.exec(&q).await?;
    #[derive(sqlx::FromRow)]
    struct Content {
        content: String,
    }
    let q = Query::select()
        .column(t("content"))
        .from(t("settings"))
        .and_where(Expr::col(t("name")).eq("instance_id"))
        .to_owned();
    Ok(c.opt::<Content, _>(&q)
        .await?
        .map(|r| r.content)
        .unwrap_or_default())
}

fn col(name: &str) -> Expr {
    Expr::col(t(name))
}

/// People (not service accounts) seen since `since`.
#[instrument(skip_all)]
pub async fn active_users(c: &mut impl Conn, since: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    count(
        c,
        "users",
        vec![col("is_service").eq(false), col("seen_at").gte(since)],
    )
    .await
}

/// Roles in all, and custom root roles.
#[instrument(skip_all)]
pub async fn roles(c: &mut impl Conn) -> Result<(i64, i64), sqlx::Error> {
    let all = count(c, "roles", vec![]).await?;
    let custom = count(c, "roles", vec![col("type").eq("root-custom")]).await?;
    Ok((all, custom))
}

/// Strategy definitions that are not deprecated.
#[instrument(skip_all)]
pub async fn active_strategies(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    count(c, "strategies", vec![col("deprecated").eq(false)]).await
}

/// Applications updated since `since` (or all of them).
#[instrument(skip_all)]
pub async fn applications_since(
    c: &mut impl Conn,
    since: Option<DateTime<Utc>>,
) -> Result<i64, sqlx::Error> {
    let cond = since
        .map(|s| vec![col("updated_at").gte(s)])
        .unwrap_or_default();
    count(c, "client_applications", cond).await
}

/// Audit events in these environments since `since`.
#[instrument(skip_all)]
pub async fn changes_in(
    c: &mut impl Conn,
    environments: &[String],
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    if environments.is_empty() {
        return Ok(0);
    }
    count(
        c,
        "events",
        vec![
            col("environment").is_in(super::in_list(environments.iter().cloned())),
            col("created_at").gte(since),
        ],
    )
    .await
}

/// Hourly metric rows since `since`: all of them, and those that counted variants.
#[instrument(skip_all)]
pub async fn metric_buckets_since(
    c: &mut impl Conn,
    since: DateTime<Utc>,
) -> Result<(i64, i64), sqlx::Error> {
    let all = count(c, "client_metrics_hourly", vec![col("hour").gte(since)]).await?;
    let with_variants = count(
        c,
        "client_metrics_hourly",
        vec![col("hour").gte(since), col("variants").ne("{}")],
    )
    .await?;
    Ok((all, with_variants))
}

/// The most strategies on one flag in one environment, the most constraints on one strategy,
/// and the most values in one constraint.
#[instrument(skip_all)]
pub async fn strategy_limits(c: &mut impl Conn) -> Result<(i64, i64, i64), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        feature_name: String,
        environment: String,
        constraints: String,
    }
    let q = Query::select()
        .columns([t("feature_name"), t("environment"), t("constraints")])
        .from(t("feature_strategies"))
        .to_owned();
    let rows: Vec<Row> = c.all(&q).await?;
    let mut per_env: HashMap<(String, String), i64> = HashMap::new();
    let (mut max_constraints, mut max_values) = (0i64, 0i64);
    for r in rows {
        *per_env.entry((r.feature_name, r.environment)).or_default() += 1;
        let list: Vec<Value> = serde_json::from_str(&r.constraints).unwrap_or_default();
        max_constraints = max_constraints.max(list.len() as i64);
        for con in &list {
            let n = con
                .get("values")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as i64;
            max_values = max_values.max(n);
        }
    }
    let max_env = per_env.values().copied().max().unwrap_or(0);
    Ok((max_env, max_constraints, max_values))
}
