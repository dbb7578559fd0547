//! Each user's favourite flags and projects.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, OnConflict, Query};
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// `(table, key column)` of favourite flags or projects.
fn table(of_projects: bool) -> (&'static str, &'static str) {
    if of_projects {
        ("favorite_projects", "project")
    } else {
        ("favorite_features", "feature_name")
    }
}

#[instrument(skip_all)]
pub async fn add(
    c: &mut impl Conn,
    of_projects: bool,
    key: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let (tab, col) = table(of_projects);
    let q = Query::insert()
        .into_table(t(tab))
        .columns([t(col), t("user_id"), t("created_at")])
        .values_panic([key.into(), user_id.into(), now.into()])
        .on_conflict(
            OnConflict::columns([t(col), t("user_id")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn remove(
    c: &mut impl Conn,
    of_projects: bool,
    key: &str,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let (tab, col) = table(of_projects);
    let q = Query::delete()
        .from_table(t(tab))
        .and_where(Expr::col(t(col)).eq(key))
        .and_where(Expr::col(t("user_id")).eq(user_id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct Key {
    key: String,
}

/// The names (flags) or ids (projects) a user has marked as favourite.
#[instrument(skip_all)]
pub async fn of_user(
    c: &mut impl Conn,
    of_projects: bool,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let (tab, col) = table(of_projects);
    let q = Query::select()
        .expr_as(Expr::col(t(col)), t("key"))
        .from(t(tab))
        .and_where(Expr::col(t("user_id")).eq(user_id))
        .to_owned();
    Ok(c.all::<Key, _>(&q)
        .await?
        .into_iter()
        .map(|k| k.key)
        .collect())
}
