//! Every personal access token with its owner, for the Admins' inventory, and tokens
//! minted by an Admin for a service account.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::token_inventory::InventoryToken;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn pat(col: &str) -> (Alias, Alias) {
    (t("personal_access_tokens"), t(col))
}

fn user(col: &str) -> (Alias, Alias) {
    (t("users"), t(col))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    description: String,
    selector: String,
    scopes: String,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
    created_by_user_id: Option<i64>,
    owner_username: Option<String>,
    owner_email: Option<String>,
    owner_name: Option<String>,
    owner_is_service: bool,
}

impl From<Row> for InventoryToken {
    fn from(r: Row) -> Self {
        InventoryToken {
            id: r.id,
            user_id: r.user_id,
            description: r.description,
            selector: r.selector,
            scopes: r.scopes,
            expires_at: r.expires_at,
            created_at: r.created_at,
            seen_at: r.seen_at,
            created_by_user_id: r.created_by_user_id,
            owner_username: r.owner_username,
            owner_email: r.owner_email,
            owner_name: r.owner_name,
            owner_is_service: r.owner_is_service,
        }
    }
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            pat("id"),
            pat("user_id"),
            pat("description"),
            pat("selector"),
            pat("scopes"),
            pat("expires_at"),
            pat("created_at"),
            pat("seen_at"),
            pat("created_by_user_id"),
        ])
        .expr_as(Expr::col(user("username")), t("owner_username"))
        .expr_as(Expr::col(user("email")), t("owner_email"))
        .expr_as(Expr::col(user("name")), t("owner_name"))
        .expr_as(Expr::col(user("is_service")), t("owner_is_service"))
        .from(t("personal_access_tokens"))
        .inner_join(t("users"), Expr::col(user("id")).equals(pat("user_id")))
        .to_owned()
}

/// Every personal access token (people's and service accounts'), newest first; `owner`
/// narrows to one user.
#[instrument(skip_all)]
pub async fn list(
    c: &mut impl Conn,
    owner: Option<i64>,
) -> Result<Vec<InventoryToken>, sqlx::Error> {
    let mut q = select().order_by(pat("id"), Order::Desc).to_owned();
    if let Some(owner) = owner {
        q.and_where(Expr::col(pat("user_id")).eq(owner));
    }
    Ok(c.all::<Row, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<InventoryToken>, sqlx::Error> {
    let q = select().and_where(Expr::col(pat("id")).eq(id)).to_owned();
    Ok(c.opt::<Row, _>(&q).await?.map(Into::into))
}

/// Deletes a token whoever owns it.
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(t("personal_access_tokens"))
        .and_where(Expr::col(t("id")).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// A token for `user_id` minted by `created_by` (an Admin minting a service account's
/// token). Returns its id.
#[allow(clippy::too_many_arguments)]
#[instrument(skip_all)]
pub async fn insert_minted(
    c: &mut impl Conn,
    user_id: i64,
    description: &str,
    selector: &str,
    verifier: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    created_by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(t("personal_access_tokens"))
        .columns([
            t("user_id"),
            t("description"),
            t("selector"),
            t("verifier"),
            t("expires_at"),
            t("created_at"),
            t("created_by_user_id"),
        ])
        .values_panic([
            user_id.into(),
            description.into(),
            selector.into(),
            verifier.into(),
            expires_at.into(),
            now.into(),
            created_by.into(),
        ])
        .returning_col(t("id"))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}
