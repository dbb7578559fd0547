//! Password reset tokens, stored by the SHA-256 of the token.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Query};
use tracing::instrument;

use super::Conn;

#[derive(Iden)]
enum PasswordResetTokens {
    Table,
    TokenHash,
    UserId,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

/// An unused, unexpired reset token.
#[derive(Debug, sqlx::FromRow)]
pub struct ValidToken {
    pub user_id: i64,
    pub created_by: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    token_hash: &str,
    user_id: i64,
    created_by: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(PasswordResetTokens::Table)
        .columns([
            PasswordResetTokens::TokenHash,
            PasswordResetTokens::UserId,
            PasswordResetTokens::CreatedBy,
            PasswordResetTokens::CreatedAt,
            PasswordResetTokens::ExpiresAt,
        ])
        .values_panic([
            token_hash.into(),
            user_id.into(),
            created_by.into(),
            now.into(),
            expires_at.into(),
        ])
        .to_owned();
    c.exec(&q).await.map(|_| ())
}

/// The token's owner when the token is unused and unexpired.
#[instrument(skip_all)]
pub async fn find_valid(
    c: &mut impl Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<ValidToken>, sqlx::Error> {
    let q = Query::select()
        .columns([
            PasswordResetTokens::UserId,
            PasswordResetTokens::CreatedBy,
            PasswordResetTokens::ExpiresAt,
        ])
        .from(PasswordResetTokens::Table)
        .and_where(Expr::col(PasswordResetTokens::TokenHash).eq(token_hash))
        .and_where(Expr::col(PasswordResetTokens::UsedAt).is_null())
        .and_where(Expr::col(PasswordResetTokens::ExpiresAt).gt(now))
        .to_owned();
    c.opt::<ValidToken, _>(&q).await
}

/// Marks one token used, if it still was unused and unexpired; returns whether it was.
/// The condition in the statement makes two concurrent uses of one token succeed once.
#[instrument(skip_all)]
pub async fn use_token(
    c: &mut impl Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let q = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .and_where(Expr::col(PasswordResetTokens::TokenHash).eq(token_hash))
        .and_where(Expr::col(PasswordResetTokens::UsedAt).is_null())
        .and_where(Expr::col(PasswordResetTokens::ExpiresAt).gt(now))
        .to_owned();
    Ok(c.exec(&q).await? == 1)
}

/// Ends every other open token of a user (after a reset, older links stop working).
#[instrument(skip_all)]
pub async fn expire_for_user(
    c: &mut impl Conn,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .and_where(Expr::col(PasswordResetTokens::UserId).eq(user_id))
        .and_where(Expr::col(PasswordResetTokens::UsedAt).is_null())
        .to_owned();
    c.exec(&q).await
}
