//! Counts for the Prometheus endpoint (read per scrape, not per request).

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Query, SelectStatement};
use tracing::instrument;

use super::{Conn, Scalar};

#[derive(sqlx::FromRow)]
struct Labelled {
    label: String,
    n: i64,
}

fn count_of(table: &str) -> SelectStatement {
    Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new(table))
        .to_owned()
}

/// The instance figures Unleash also exports.
pub struct InstanceCounts {
    pub features: i64,
    pub archived_features: i64,
    pub users: i64,
    pub service_accounts: i64,
    pub projects: i64,
    pub environments: i64,
    pub segments: i64,
    pub context_fields: i64,
    /// Distinct applications seen within 7 days, 30 days, ever.
    pub apps_7d: i64,
    pub apps_30d: i64,
    pub apps_all: i64,
    /// API tokens per type (`client`, `frontend`, `admin`).
    pub api_tokens: Vec<(String, i64)>,
}

async fn scalar(c: &mut impl Conn, q: &SelectStatement) -> Result<i64, sqlx::Error> {
    Ok(c.one::<Scalar, _>(q).await?.0)
}

async fn apps_since(c: &mut impl Conn, since: Option<DateTime<Utc>>) -> Result<i64, sqlx::Error> {
    let mut q = Query::select()
        .expr(Expr::cust("COUNT(DISTINCT app_name)"))
        .from(Alias::new("client_instances"))
        .to_owned();
    if let Some(since) = since {
        q.and_where(Expr::col(Alias::new("last_seen")).gte(since));
    }
    scalar(c, &q).await
}

#[instrument(skip_all)]
pub async fn instance_counts(
    c: &mut impl Conn,
    now: DateTime<Utc>,
) -> Result<InstanceCounts, sqlx::Error> {
    let features = scalar(
        c,
        &count_of("features")
            .and_where(Expr::col(Alias::new("archived_at")).is_null())
            .to_owned(),
    )
    .await?;
    let archived_features = scalar(
        c,
        &count_of("features")
            .and_where(Expr::col(Alias::new("archived_at")).is_not_null())
            .to_owned(),
    )
    .await?;
    let users = scalar(
        c,
        &count_of("users")
            .and_where(Expr::col(Alias::new("is_service")).eq(false))
            .to_owned(),
    )
    .await?;
    let service_accounts = scalar(
        c,
        &count_of("users")
            .and_where(Expr::col(Alias::new("is_service")).eq(true))
            .to_owned(),
    )
    .await?;
    let projects = scalar(c, &count_of("projects")).await?;
    let environments = scalar(c, &count_of("environments")).await?;
    let segments = scalar(c, &count_of("segments")).await?;
    let context_fields = scalar(c, &count_of("context_fields")).await?;
    let apps_7d = apps_since(c, Some(now - chrono::Duration::days(7))).await?;
    let apps_30d = apps_since(c, Some(now - chrono::Duration::days(30))).await?;
    let apps_all = apps_since(c, None).await?;
    let q = Query::select()
        .expr_as(Expr::col(Alias::new("type")), Alias::new("label"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Alias::new("api_tokens"))
        .group_by_col(Alias::new("type"))
        .to_owned();
    let api_tokens = c
        .all::<Labelled, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.label, r.n))
        .collect();
    Ok(InstanceCounts {
        features,
        archived_features,
        users,
        service_accounts,
        projects,
        environments,
        segments,
        context_fields,
        apps_7d,
        apps_30d,
        apps_all,
        api_tokens,
    })
}
