//! Invite links: sign-up links that work without email. Only the SHA-256 of a link's secret
//! is stored.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Order, Query};
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct InviteLinkRow {
    pub id: i64,
    pub name: String,
    pub role_id: i64,
    pub enabled: bool,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            t("id"),
            t("name"),
            t("role_id"),
            t("enabled"),
            t("expires_at"),
            t("created_at"),
            t("created_by"),
        ])
        .from(t("invite_links"))
        .order_by(t("created_at"), Order::Desc)
        .order_by(t("id"), Order::Desc)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<InviteLinkRow>, sqlx::Error> {
    c.all(&select()).await
}

/// The link whose secret has this digest.
#[instrument(skip_all)]
pub async fn by_digest(
    c: &mut impl Conn,
    digest: &str,
) -> Result<Option<InviteLinkRow>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(t("secret_hash")).eq(digest))
        .to_owned();
    c.opt(&q).await
}

pub struct NewInviteLink<'a> {
    pub digest: &'a str,
    pub name: &'a str,
    pub role_id: i64,
    pub expires_at: DateTime<Utc>,
    pub created_by: &'a str,
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    link: &NewInviteLink<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(t("invite_links"))
        .columns([
            t("secret_hash"),
            t("name"),
            t("role_id"),
            t("enabled"),
            t("expires_at"),
            t("created_at"),
            t("created_by"),
        ])
        .values_panic([
            link.digest.into(),
            link.name.into(),
            link.role_id.into(),
            true.into(),
            link.expires_at.into(),
            now.into(),
            link.created_by.into(),
        ])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[instrument(skip_all)]
pub async fn update(
    c: &mut impl Conn,
    id: i64,
    enabled: bool,
    expires_at: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(t("invite_links"))
        .values([
            (t("enabled"), enabled.into()),
            (t("expires_at"), expires_at.into()),
        ])
        .and_where(Expr::col(t("id")).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn add_user(
    c: &mut impl Conn,
    link_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(t("invite_link_users"))
        .columns([t("invite_link_id"), t("user_id"), t("created_at")])
        .values_panic([link_id.into(), user_id.into(), now.into()])
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UserId {
    user_id: i64,
}

/// The users who signed up through a link, oldest first.
#[instrument(skip_all)]
pub async fn user_ids(c: &mut impl Conn, link_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let q = Query::select()
        .column(t("user_id"))
        .from(t("invite_link_users"))
        .and_where(Expr::col(t("invite_link_id")).eq(link_id))
        .order_by(t("created_at"), Order::Asc)
        .to_owned();
    Ok(c.all::<UserId, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}
