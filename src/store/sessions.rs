//! Login sessions, stored by the SHA-256 of the cookie value.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Query};
use tracing::instrument;

use super::{Conn, Scalar};

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

/// The user of an unexpired session.
#[instrument(skip_all)]
pub async fn find_user(
    c: &mut impl Conn,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let q = Query::select()
        .column(Sessions::UserId)
        .from(Sessions::Table)
        .and_where(Expr::col(Sessions::IdHash).eq(id_hash))
        .and_where(Expr::col(Sessions::ExpiresAt).gt(now))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.map(|s| s.0))
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
