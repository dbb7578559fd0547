//! Personal access tokens.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::token_scope::TokenScope;
use crate::domain::tokens::Pat;

#[derive(Iden)]
#[iden = "personal_access_tokens"]
enum Pats {
    Table,
    Id,
    UserId,
    Description,
    Selector,
    Verifier,
    ExpiresAt,
    CreatedAt,
    SeenAt,
    SeenAddress,
    Scopes,
    CreatedByUserId,
    RotatedFromId,
    RotatedAt,
}

#[derive(sqlx::FromRow)]
struct PatRow {
    id: i64,
    user_id: i64,
    description: String,
    selector: String,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
    rotated_at: Option<DateTime<Utc>>,
    scopes: String,
}

impl From<PatRow> for Pat {
    fn from(r: PatRow) -> Self {
        Pat {
            id: r.id,
            user_id: r.user_id,
            description: r.description,
            selector: r.selector,
            expires_at: r.expires_at,
            created_at: r.created_at,
            seen_at: r.seen_at,
            rotated_at: r.rotated_at,
            scope: TokenScope::from_stored(&r.scopes),
        }
    }
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Pats::Id,
            Pats::UserId,
            Pats::Description,
            Pats::Selector,
            Pats::ExpiresAt,
            Pats::CreatedAt,
            Pats::SeenAt,
            Pats::RotatedAt,
            Pats::Scopes,
        ])
        .from(Pats::Table)
        .to_owned()
}

/// A token to store: its selector and digest, never its secret.
pub struct NewRow<'a> {
    pub user_id: i64,
    pub description: &'a str,
    pub selector: &'a str,
    pub verifier: &'a str,
    pub expires_at: DateTime<Utc>,
    pub scope: &'a TokenScope,
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    row: &NewRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Pats::Table)
        .columns([
            Pats::UserId,
            Pats::Description,
            Pats::Selector,
            Pats::Verifier,
            Pats::ExpiresAt,
            Pats::CreatedAt,
            Pats::Scopes,
        ])
        .values_panic([
            row.user_id.into(),
            row.description.into(),
            row.selector.into(),
            row.verifier.into(),
            row.expires_at.into(),
            now.into(),
            row.scope.to_stored().into(),
        ])
        .returning_col(Pats::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// A user's tokens, newest first.
#[instrument(skip_all)]
pub async fn list_for_user(c: &mut impl Conn, user_id: i64) -> Result<Vec<Pat>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Pats::UserId).eq(user_id))
        .order_by(Pats::Id, Order::Desc)
        .to_owned();
    Ok(c.all::<PatRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get_for_user(
    c: &mut impl Conn,
    user_id: i64,
    id: i64,
) -> Result<Option<Pat>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(Pats::UserId).eq(user_id))
        .and_where(Expr::col(Pats::Id).eq(id))
        .to_owned();
    Ok(c.opt::<PatRow, _>(&q).await?.map(Into::into))
}

/// How many of a user's tokens are still valid at `now`.
#[instrument(skip_all)]
pub async fn count_unexpired(
    c: &mut impl Conn,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Pats::Id).count())
        .from(Pats::Table)
        .and_where(Expr::col(Pats::UserId).eq(user_id))
        .and_where(Expr::col(Pats::ExpiresAt).gt(now))
        // A token rotating out has a successor that counts in its place.
        .and_where(Expr::col(Pats::RotatedAt).is_null())
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(sqlx::FromRow)]
struct ScopesRow {
    scopes: String,
}

/// Marks a token as rotated out: it keeps working until `grace_end`, then is refused.
/// Returns 0 when it was already rotated (or is not the user's), so a race has one winner.
#[instrument(skip_all)]
pub async fn mark_rotated(
    c: &mut impl Conn,
    user_id: i64,
    id: i64,
    grace_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Pats::Table)
        .value(Pats::RotatedAt, now)
        .value(Pats::ExpiresAt, grace_end)
        .and_where(Expr::col(Pats::UserId).eq(user_id))
        .and_where(Expr::col(Pats::Id).eq(id))
        .and_where(Expr::col(Pats::RotatedAt).is_null())
        .to_owned();
    c.exec(&q).await
}

/// Inserts the successor of a rotated token: same owner, description and scopes (copied
/// as stored), remembering which token it replaced.
#[instrument(skip_all)]
#[allow(clippy::too_many_arguments)]
pub async fn insert_successor(
    c: &mut impl Conn,
    old: &Pat,
    selector: &str,
    verifier: &str,
    expires_at: DateTime<Utc>,
    created_by_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let scopes = Query::select()
        .column(Pats::Scopes)
        .from(Pats::Table)
        .and_where(Expr::col(Pats::Id).eq(old.id))
        .to_owned();
    let scopes = c
        .opt::<ScopesRow, _>(&scopes)
        .await?
        .map_or_else(|| "*".to_string(), |r| r.scopes);
    let q = Query::insert()
        .into_table(Pats::Table)
        .columns([
            Pats::UserId,
            Pats::Description,
            Pats::Selector,
            Pats::Verifier,
            Pats::ExpiresAt,
            Pats::CreatedAt,
            Pats::Scopes,
            Pats::RotatedFromId,
            Pats::CreatedByUserId,
        ])
        .values_panic([
            old.user_id.into(),
            old.description.clone().into(),
            selector.into(),
            verifier.into(),
            expires_at.into(),
            now.into(),
            scopes.into(),
            old.id.into(),
            created_by_user_id.into(),
        ])
        .returning_col(Pats::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// Tokens not used since `cutoff` (never used ones count from their creation).
#[instrument(skip_all)]
pub async fn unused_since(
    c: &mut impl Conn,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Pat>, sqlx::Error> {
    let q = select().and_where(unused_before(cutoff)).to_owned();
    Ok(c.all::<PatRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

fn unused_before(cutoff: DateTime<Utc>) -> sea_query::SimpleExpr {
    Expr::col(Pats::SeenAt)
        .lt(cutoff)
        .or(Expr::col(Pats::SeenAt)
            .is_null()
            .and(Expr::col(Pats::CreatedAt).lt(cutoff)))
}

/// Deletes a token if it is still unused since `cutoff`; 0 when it was used meanwhile or
/// another node deleted it first.
#[instrument(skip_all)]
pub async fn delete_if_unused(
    c: &mut impl Conn,
    id: i64,
    cutoff: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Pats::Table)
        .and_where(Expr::col(Pats::Id).eq(id))
        .and_where(unused_before(cutoff))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete_for_user(c: &mut impl Conn, user_id: i64, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Pats::Table)
        .and_where(Expr::col(Pats::UserId).eq(user_id))
        .and_where(Expr::col(Pats::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
pub struct Credential {
    pub id: i64,
    pub user_id: i64,
    pub verifier: String,
    pub expires_at: DateTime<Utc>,
    /// The token's scope in its stored form (see `TokenScope::from_stored`).
    pub scopes: String,
}

/// The stored credential for a selector, for verification.
#[instrument(skip_all)]
pub async fn credential(
    c: &mut impl Conn,
    selector: &str,
) -> Result<Option<Credential>, sqlx::Error> {
    let q = Query::select()
        .columns([
            Pats::Id,
            Pats::UserId,
            Pats::Verifier,
            Pats::ExpiresAt,
            Pats::Scopes,
        ])
        .from(Pats::Table)
        .and_where(Expr::col(Pats::Selector).eq(selector))
        .to_owned();
    c.opt::<Credential, _>(&q).await
}

/// Records the last use of tokens (batched by the caller).
#[instrument(skip_all)]
pub async fn mark_seen(
    c: &mut impl Conn,
    id: i64,
    at: DateTime<Utc>,
    address: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Pats::Table)
        .value(Pats::SeenAt, at)
        .value(Pats::SeenAddress, address.map(str::to_string))
        .and_where(Expr::col(Pats::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct LastUseRow {
    user_id: i64,
    seen_at: Option<DateTime<Utc>>,
}

/// When each user last used any of their tokens, for users who ever did.
#[instrument(skip_all)]
pub async fn last_use_per_user(
    c: &mut impl Conn,
) -> Result<std::collections::HashMap<i64, DateTime<Utc>>, sqlx::Error> {
    let q = Query::select()
        .column(Pats::UserId)
        .expr_as(
            sea_query::Func::max(Expr::col(Pats::SeenAt)),
            sea_query::Alias::new("seen_at"),
        )
        .from(Pats::Table)
        .and_where(Expr::col(Pats::SeenAt).is_not_null())
        .group_by_col(Pats::UserId)
        .to_owned();
    Ok(c.all::<LastUseRow, _>(&q)
        .await?
        .into_iter()
        .filter_map(|r| r.seen_at.map(|t| (r.user_id, t)))
        .collect())
}
