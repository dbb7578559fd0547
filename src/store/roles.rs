//! Roles (read-only for now: the predefined ones are seeded by the first migration).

use sea_query::{Expr, Iden, Order, Query};
use tracing::instrument;

use super::Conn;
use crate::domain::permissions::Role;

#[derive(Iden)]
enum Roles {
    Table,
    Id,
    Name,
    Description,
    Type,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: i64,
    name: String,
    description: String,
    #[sqlx(rename = "type")]
    role_type: String,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        Role {
            id: r.id,
            name: r.name,
            description: r.description,
            role_type: r.role_type,
        }
    }
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns([Roles::Id, Roles::Name, Roles::Description, Roles::Type])
        .from(Roles::Table)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<Role>, sqlx::Error> {
    let q = select().order_by(Roles::Id, Order::Asc).to_owned();
    Ok(c.all::<RoleRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<Role>, sqlx::Error> {
    let q = select().and_where(Expr::col(Roles::Id).eq(id)).to_owned();
    Ok(c.opt::<RoleRow, _>(&q).await?.map(Into::into))
}

/// Looks a role up by name, ignoring case ("editor" finds "Editor").
#[instrument(skip_all)]
pub async fn find_by_name(c: &mut impl Conn, name: &str) -> Result<Option<Role>, sqlx::Error> {
    let q = select()
        .and_where(
            Expr::expr(sea_query::Func::lower(Expr::col(Roles::Name))).eq(name.to_lowercase()),
        )
        .to_owned();
    Ok(c.opt::<RoleRow, _>(&q).await?.map(Into::into))
}
