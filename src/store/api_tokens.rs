//! API tokens (admin, client/backend, frontend).

use chrono::{DateTime, Utc};
use sea_query::{Expr, Iden, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::tokens::{ApiToken, ApiTokenKind};

#[derive(Iden)]
enum ApiTokens {
    Table,
    Id,
    Selector,
    Verifier,
    Secure,
    TokenName,
    Type,
    Environment,
    ProjectPart,
    ExpiresAt,
    CreatedAt,
    SeenAt,
    SeenAddress,
    CreatedByUserId,
    SealedSecret,
    RotatedAt,
    RotatedFromId,
}

#[derive(Iden)]
enum ApiTokenProjects {
    Table,
    TokenId,
    Project,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    selector: String,
    secure: bool,
    token_name: String,
    #[sqlx(rename = "type")]
    kind: String,
    environment: String,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
    rotated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    token_id: i64,
    project: String,
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ApiTokens::Id,
            ApiTokens::Selector,
            ApiTokens::Secure,
            ApiTokens::TokenName,
            ApiTokens::Type,
            ApiTokens::Environment,
            ApiTokens::ExpiresAt,
            ApiTokens::CreatedAt,
            ApiTokens::SeenAt,
            ApiTokens::RotatedAt,
        ])
        .from(ApiTokens::Table)
        .to_owned()
}

async fn with_projects(
    c: &mut impl Conn,
    rows: Vec<TokenRow>,
) -> Result<Vec<ApiToken>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let q = Query::select()
        .columns([ApiTokenProjects::TokenId, ApiTokenProjects::Project])
        .from(ApiTokenProjects::Table)
        .and_where(Expr::col(ApiTokenProjects::TokenId).is_in(super::in_list(ids)))
        .order_by(ApiTokenProjects::Project, Order::Asc)
        .to_owned();
    let projects = c.all::<ProjectRow, _>(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut list: Vec<String> = projects
                .iter()
                .filter(|p| p.token_id == r.id)
                .map(|p| p.project.clone())
                .collect();
            if list.is_empty() {
                list.push("*".into());
            }
            ApiToken {
                id: r.id,
                selector: r.selector,
                secure: r.secure,
                token_name: r.token_name,
                kind: ApiTokenKind::parse(&r.kind).unwrap_or(ApiTokenKind::Client),
                environment: r.environment,
                projects: list,
                expires_at: r.expires_at,
                created_at: r.created_at,
                seen_at: r.seen_at,
                rotated_at: r.rotated_at,
            }
        })
        .collect())
}

pub struct NewRow<'a> {
    pub selector: &'a str,
    pub verifier: &'a str,
    pub secure: bool,
    pub token_name: &'a str,
    pub kind: ApiTokenKind,
    pub environment: &'a str,
    pub projects: &'a [String],
    pub project_part: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by_user_id: Option<i64>,
    /// The secret sealed with the operator's key, when token encryption is on.
    pub sealed_secret: Option<String>,
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    row: &NewRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(ApiTokens::Table)
        .columns([
            ApiTokens::Selector,
            ApiTokens::Verifier,
            ApiTokens::Secure,
            ApiTokens::TokenName,
            ApiTokens::Type,
            ApiTokens::Environment,
            ApiTokens::ProjectPart,
            ApiTokens::ExpiresAt,
            ApiTokens::CreatedAt,
            ApiTokens::CreatedByUserId,
            ApiTokens::SealedSecret,
        ])
        .values_panic([
            row.selector.into(),
            row.verifier.into(),
            row.secure.into(),
            row.token_name.into(),
            row.kind.as_str().into(),
            row.environment.into(),
            row.project_part.into(),
            row.expires_at.into(),
            now.into(),
            row.created_by_user_id.into(),
            row.sealed_secret.clone().into(),
        ])
        .returning_col(ApiTokens::Id)
        .to_owned();
    let id = c.one::<Scalar, _>(&q).await?.0;
    for project in row.projects.iter().filter(|p| p.as_str() != "*") {
        let q = Query::insert()
            .into_table(ApiTokenProjects::Table)
            .columns([ApiTokenProjects::TokenId, ApiTokenProjects::Project])
            .values_panic([id.into(), project.clone().into()])
            .to_owned();
        c.exec(&q).await?;
    }
    Ok(id)
}

#[instrument(skip_all)]
pub async fn count(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(ApiTokens::Id).count())
        .from(ApiTokens::Table)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// Every token, newest first; `name` narrows to one token name.
#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn, name: Option<&str>) -> Result<Vec<ApiToken>, sqlx::Error> {
    let mut q = select().order_by(ApiTokens::Id, Order::Desc).to_owned();
    if let Some(n) = name {
        q.and_where(Expr::col(ApiTokens::TokenName).eq(n));
    }
    let rows = c.all::<TokenRow, _>(&q).await?;
    with_projects(c, rows).await
}

#[instrument(skip_all)]
pub async fn get_by_selector(
    c: &mut impl Conn,
    selector: &str,
) -> Result<Option<ApiToken>, sqlx::Error> {
    let q = select()
        .and_where(Expr::col(ApiTokens::Selector).eq(selector))
        .to_owned();
    let rows = c.all::<TokenRow, _>(&q).await?;
    Ok(with_projects(c, rows).await?.into_iter().next())
}

#[derive(sqlx::FromRow)]
pub struct Credential {
    pub id: i64,
    pub verifier: String,
}

#[instrument(skip_all)]
pub async fn credential(
    c: &mut impl Conn,
    selector: &str,
) -> Result<Option<Credential>, sqlx::Error> {
    let q = Query::select()
        .columns([ApiTokens::Id, ApiTokens::Verifier])
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::Selector).eq(selector))
        .to_owned();
    c.opt::<Credential, _>(&q).await
}

#[instrument(skip_all)]
pub async fn set_expiry(
    c: &mut impl Conn,
    id: i64,
    expires_at: Option<DateTime<Utc>>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::ExpiresAt, expires_at)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// Marks a token as rotated out (it works until `grace_end`) and records its successor.
/// Returns 0 when it was already rotated, so a race has one winner.
#[instrument(skip_all)]
pub async fn mark_rotated(
    c: &mut impl Conn,
    id: i64,
    grace_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RotatedAt, now)
        .value(ApiTokens::ExpiresAt, grace_end)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .and_where(Expr::col(ApiTokens::RotatedAt).is_null())
        .to_owned();
    c.exec(&q).await
}

/// Records which token a new one replaced.
#[instrument(skip_all)]
pub async fn set_rotated_from(
    c: &mut impl Conn,
    id: i64,
    rotated_from_id: i64,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RotatedFromId, rotated_from_id)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn mark_seen(
    c: &mut impl Conn,
    id: i64,
    at: DateTime<Utc>,
    address: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::SeenAt, at)
        .value(ApiTokens::SeenAddress, address.map(str::to_string))
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow)]
struct SealedRow {
    selector: String,
    sealed_secret: String,
}

/// Sealed secrets by selector, for the tokens that have one.
#[instrument(skip_all)]
pub async fn sealed_secrets(
    c: &mut impl Conn,
) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    let q = Query::select()
        .columns([ApiTokens::Selector, ApiTokens::SealedSecret])
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::SealedSecret).is_not_null())
        .to_owned();
    Ok(c.all::<SealedRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| (r.selector, r.sealed_secret))
        .collect())
}

/// The user who created a token, when a user did (seeded and imported tokens have none).
#[instrument(skip_all)]
pub async fn created_by(c: &mut impl Conn, id: i64) -> Result<Option<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        created_by_user_id: Option<i64>,
    }
    let q = Query::select()
        .column(ApiTokens::CreatedByUserId)
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    Ok(c.opt::<Row, _>(&q)
        .await?
        .and_then(|r| r.created_by_user_id))
}
