//! Tokens nearing expiry, and the expiry notices already emitted for them.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, OnConflict, Order, Query};
use tracing::instrument;

use super::Conn;

#[derive(Iden)]
#[iden = "personal_access_tokens"]
enum Pats {
    Table,
    Id,
    UserId,
    Description,
    ExpiresAt,
    CreatedAt,
}

#[derive(Iden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
}

#[derive(Iden)]
enum ApiTokens {
    Table,
    Id,
    TokenName,
    Type,
    Environment,
    ExpiresAt,
    CreatedAt,
}

#[derive(Iden)]
enum ApiTokenProjects {
    Table,
    TokenId,
    Project,
}

#[derive(Iden)]
enum TokenExpiryNotices {
    Table,
    TokenKind,
    TokenId,
    LeadDays,
    EventId,
    CreatedAt,
}

/// A personal access token that expires soon, with its owner's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DuePat {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub username: Option<String>,
    pub email: Option<String>,
}

/// Personal access tokens that have not expired at `now` and expire by `until`.
#[instrument(skip_all)]
pub async fn pats_due(
    c: &mut impl Conn,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<DuePat>, sqlx::Error> {
    let q = Query::select()
        .column((Pats::Table, Pats::Id))
        .column((Pats::Table, Pats::UserId))
        .column((Pats::Table, Pats::Description))
        .column((Pats::Table, Pats::ExpiresAt))
        .column((Pats::Table, Pats::CreatedAt))
        .column((Users::Table, Users::Username))
        .column((Users::Table, Users::Email))
        .from(Pats::Table)
        .left_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((Pats::Table, Pats::UserId)),
        )
        .and_where(Expr::col((Pats::Table, Pats::ExpiresAt)).gt(now))
        .and_where(Expr::col((Pats::Table, Pats::ExpiresAt)).lte(until))
        .order_by((Pats::Table, Pats::Id), Order::Asc)
        .to_owned();
    c.all::<DuePat, _>(&q).await
}

/// An API token that expires soon; `projects` empty means every project.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueApiToken {
    pub id: i64,
    pub token_name: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub environment: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub projects: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    token_id: i64,
    project: String,
}

/// API tokens that have not expired at `now` and expire by `until`.
#[instrument(skip_all)]
pub async fn api_tokens_due(
    c: &mut impl Conn,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<DueApiToken>, sqlx::Error> {
    let q = Query::select()
        .columns([
            ApiTokens::Id,
            ApiTokens::TokenName,
            ApiTokens::Type,
            ApiTokens::Environment,
            ApiTokens::ExpiresAt,
            ApiTokens::CreatedAt,
        ])
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::ExpiresAt).is_not_null())
        .and_where(Expr::col(ApiTokens::ExpiresAt).gt(now))
        .and_where(Expr::col(ApiTokens::ExpiresAt).lte(until))
        .order_by(ApiTokens::Id, Order::Asc)
        .to_owned();
    let mut tokens = c.all::<DueApiToken, _>(&q).await?;
    if tokens.is_empty() {
        return Ok(tokens);
    }
    let ids: Vec<i64> = tokens.iter().map(|t| t.id).collect();
    let q = Query::select()
        .columns([ApiTokenProjects::TokenId, ApiTokenProjects::Project])
        .from(ApiTokenProjects::Table)
        .and_where(Expr::col(ApiTokenProjects::TokenId).is_in(super::in_list(ids)))
        .order_by(ApiTokenProjects::Project, Order::Asc)
        .to_owned();
    for row in c.all::<ProjectRow, _>(&q).await? {
        if let Some(t) = tokens.iter_mut().find(|t| t.id == row.token_id) {
            t.projects.push(row.project);
        }
    }
    Ok(tokens)
}

/// Claims the notice for one token and lead time: `true` for the one caller, on any node,
/// that inserted the row first.
#[instrument(skip_all)]
pub async fn claim(
    c: &mut impl Conn,
    kind: &str,
    token_id: i64,
    lead_days: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let q = Query::insert()
        .into_table(TokenExpiryNotices::Table)
        .columns([
            TokenExpiryNotices::TokenKind,
            TokenExpiryNotices::TokenId,
            TokenExpiryNotices::LeadDays,
            TokenExpiryNotices::CreatedAt,
        ])
        .values_panic([kind.into(), token_id.into(), lead_days.into(), now.into()])
        .on_conflict(
            OnConflict::columns([
                TokenExpiryNotices::TokenKind,
                TokenExpiryNotices::TokenId,
                TokenExpiryNotices::LeadDays,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    Ok(c.exec(&q).await? > 0)
}

/// Links a claimed notice to the event that announced it.
#[instrument(skip_all)]
pub async fn set_event(
    c: &mut impl Conn,
    kind: &str,
    token_id: i64,
    lead_days: i64,
    event_id: i64,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(TokenExpiryNotices::Table)
        .value(TokenExpiryNotices::EventId, event_id)
        .and_where(Expr::col(TokenExpiryNotices::TokenKind).eq(kind))
        .and_where(Expr::col(TokenExpiryNotices::TokenId).eq(token_id))
        .and_where(Expr::col(TokenExpiryNotices::LeadDays).eq(lead_days))
        .to_owned();
    c.exec(&q).await
}
