//! The state revision: a counter bumped in the same transaction as every change that SDKs
//! can see, so that any node can tell cheaply whether its cache is current.

use sea_query::{Expr, Iden, Query};
use tracing::instrument;

use super::{Conn, Scalar};

#[derive(Iden)]
enum StateRevision {
    Table,
    Id,
    Value,
}

#[instrument(skip_all)]
pub async fn bump(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::update()
        .table(StateRevision::Table)
        .value(StateRevision::Value, Expr::col(StateRevision::Value).add(1))
        .and_where(Expr::col(StateRevision::Id).eq(1))
        .returning_col(StateRevision::Value)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[instrument(skip_all)]
pub async fn current(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(StateRevision::Value)
        .from(StateRevision::Table)
        .and_where(Expr::col(StateRevision::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(Iden)]
enum AuthEpoch {
    Table,
    Id,
    Value,
}

/// The counter that triggers bump with every change to users, roles, project roles and
/// personal access tokens (migration 0020).
#[instrument(skip_all)]
pub async fn auth_epoch(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(AuthEpoch::Value)
        .from(AuthEpoch::Table)
        .and_where(Expr::col(AuthEpoch::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(Iden)]
enum ViewEpoch {
    Table,
    Id,
    Value,
}

/// The counter that triggers bump with every change to what the Admin API's project and
/// flag reads show (migration 0022).
#[instrument(skip_all)]
pub async fn view_epoch(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(ViewEpoch::Value)
        .from(ViewEpoch::Table)
        .and_where(Expr::col(ViewEpoch::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}
