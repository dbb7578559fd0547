//! Counts for the instance statistics, and the instance's own id.

use sea_query::{Alias, Expr, Func, OnConflict, Query, SimpleExpr};
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
#[instrument(skip_all)]
pub async fn count(
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

/// The largest number of elements of a JSON array column (as text) over a table: read the
/// column and measure in Rust, so that one query serves both databases.
#[instrument(skip_all)]
pub async fn json_texts(
    c: &mut impl Conn,
    table: &str,
    column: &str,
) -> Result<Vec<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Text {
        v: String,
    }
    let q = Query::select()
        .expr_as(Expr::col(t(column)), t("v"))
        .from(t(table))
        .to_owned();
    Ok(c.all::<Text, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.v)
        .collect())
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
