//! Links from flags to URLs.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Func, Order, Query};
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct LinkRow {
    pub id: String,
    pub feature_name: String,
    pub url: String,
    pub title: Option<String>,
    pub domain: Option<String>,
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            t("id"),
            t("feature_name"),
            t("url"),
            t("title"),
            t("domain"),
        ])
        .from(t("feature_links"))
        .order_by(t("id"), Order::Asc)
        .to_owned()
}

/// A flag's links, oldest first.
#[instrument(skip_all)]
pub async fn of_feature(c: &mut impl Conn, feature: &str) -> Result<Vec<LinkRow>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(t("feature_name")).eq(feature))
        .to_owned();
    c.all(&q).await
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: &str) -> Result<Option<LinkRow>, sqlx::Error> {
    let q = select().and_where(Expr::col(t("id")).eq(id)).to_owned();
    c.opt(&q).await
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// How many links there are (all of them, or one flag's).
#[instrument(skip_all)]
pub async fn count(c: &mut impl Conn, feature: Option<&str>) -> Result<i64, sqlx::Error> {
    let mut q = Query::select()
        .expr_as(Func::count(Expr::col(t("id"))), t("n"))
        .from(t("feature_links"))
        .to_owned();
    if let Some(f) = feature {
        q.and_where(Expr::col(t("feature_name")).eq(f));
    }
    Ok(c.opt::<Count, _>(&q).await?.map(|r| r.n).unwrap_or(0))
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    link: &LinkRow,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(t("feature_links"))
        .columns([
            t("id"),
            t("feature_name"),
            t("url"),
            t("title"),
            t("domain"),
            t("created_at"),
        ])
        .values_panic([
            link.id.clone().into(),
            link.feature_name.clone().into(),
            link.url.clone().into(),
            link.title.clone().into(),
            link.domain.clone().into(),
            now.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, link: &LinkRow) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(t("feature_links"))
        .values([
            (t("url"), link.url.clone().into()),
            (t("title"), link.title.clone().into()),
            (t("domain"), link.domain.clone().into()),
        ])
        .and_where(Expr::col(t("id")).eq(link.id.as_str()))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(t("feature_links"))
        .and_where(Expr::col(t("id")).eq(id))
        .to_owned();
    c.exec(&q).await
}
