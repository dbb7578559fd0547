//! Login sessions, stored by the SHA-256 of the cookie value.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Query};
use tracing::instrument;

use super::Conn;

#[derive(Iden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    id_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::IdHash,
            Sessions::UserId,
            Sessions::CreatedAt,
            Sessions::ExpiresAt,
        ])
        .values_panic([
            id_hash.into(),
            user_id.into(),
            now.into(),
            expires_at.into(),
        ])
        .to_owned();
    c.exec(&q).await.map(|_| ())
}

/// An unexpired session: its user and when it expires.
#[derive(sqlx::FromRow)]
pub struct LiveSession {
    pub user_id: i64,
    pub expires_at: DateTime<Utc>,
}

/// The unexpired session with this digest.
#[instrument(skip_all)]
pub async fn find_live(
    c: &mut impl Conn,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<LiveSession>, sqlx::Error> {
    let q = Query::select()
        .columns([Sessions::UserId, Sessions::ExpiresAt])
        .from(Sessions::Table)
        .and_where(Expr::col(Sessions::IdHash).eq(id_hash))
        .and_where(Expr::col(Sessions::ExpiresAt).gt(now))
        .to_owned();
    c.opt::<LiveSession, _>(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id_hash: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::IdHash).eq(id_hash))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete_for_user(c: &mut impl Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::UserId).eq(user_id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn purge_expired(c: &mut impl Conn, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::ExpiresAt).lte(now))
        .to_owned();
    c.exec(&q).await
}
