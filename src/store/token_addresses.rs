//! The last client addresses of tokens (personal access tokens and API tokens): at most
//! [`MAX_LAST_ADDRESSES`] distinct addresses per token, each with its last-seen time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, OnConflict, Order, Query};
use tracing::instrument;

use super::Conn;
use crate::domain::tokens::{LastAddress, MAX_LAST_ADDRESSES};

/// Which kind of token an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTable {
    Pat,
    ApiToken,
}

impl TokenTable {
    fn addresses(self) -> Alias {
        Alias::new(match self {
            TokenTable::Pat => "pat_addresses",
            TokenTable::ApiToken => "api_token_addresses",
        })
    }
    fn tokens(self) -> Alias {
        Alias::new(match self {
            TokenTable::Pat => "personal_access_tokens",
            TokenTable::ApiToken => "api_tokens",
        })
    }
}

fn c(name: &str) -> Alias {
    Alias::new(name)
}

/// Records that a token was used from each of `uses` (address, when), then keeps only its
/// newest addresses. A token deleted meanwhile is skipped (nothing is inserted for it). A
/// time older than the stored one (another node's late batch) leaves the stored one.
#[instrument(skip_all)]
pub async fn record(
    conn: &mut impl Conn,
    table: TokenTable,
    token_id: i64,
    uses: &[(String, DateTime<Utc>)],
) -> Result<(), sqlx::Error> {
    if uses.is_empty() {
        return Ok(());
    }
    let name = match table {
        TokenTable::Pat => "pat_addresses",
        TokenTable::ApiToken => "api_token_addresses",
    };
    let newer = Expr::cust(format!(
        "CASE WHEN excluded.seen_at > {name}.seen_at THEN excluded.seen_at ELSE {name}.seen_at END"
    ));
    for (address, at) in uses {
        let source = Query::select()
            .column(c("id"))
            .expr(Expr::val(address.as_str()))
            .expr(Expr::val(*at))
            .from(table.tokens())
            .and_where(Expr::col(c("id")).eq(token_id))
            .to_owned();
        let upsert = Query::insert()
            .into_table(table.addresses())
            .columns([c("token_id"), c("address"), c("seen_at")])
            .select_from(source)
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
            .on_conflict(
                OnConflict::columns([c("token_id"), c("address")])
                    .value(c("seen_at"), newer.clone())
                    .to_owned(),
            )
            .to_owned();
        conn.exec(&upsert).await?;
    }
    let keep = Query::select()
        .column(c("address"))
        .from(table.addresses())
        .and_where(Expr::col(c("token_id")).eq(token_id))
        .order_by(c("seen_at"), Order::Desc)
        .order_by(c("address"), Order::Asc)
        .limit(MAX_LAST_ADDRESSES as u64)
        .to_owned();
    let prune = Query::delete()
        .from_table(table.addresses())
        .and_where(Expr::col(c("token_id")).eq(token_id))
        .and_where(Expr::col(c("address")).not_in_subquery(keep))
        .to_owned();
    conn.exec(&prune).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    token_id: i64,
    address: String,
    seen_at: DateTime<Utc>,
}

/// The addresses of the given tokens (all tokens of the kind when `ids` is `None`), newest
/// first per token.
#[instrument(skip_all)]
pub async fn of_tokens(
    conn: &mut impl Conn,
    table: TokenTable,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, Vec<LastAddress>>, sqlx::Error> {
    if ids.is_some_and(|ids| ids.is_empty()) {
        return Ok(HashMap::new());
    }
    let mut q = Query::select()
        .columns([c("token_id"), c("address"), c("seen_at")])
        .from(table.addresses())
        .order_by(c("token_id"), Order::Asc)
        .order_by(c("seen_at"), Order::Desc)
        .order_by(c("address"), Order::Asc)
        .to_owned();
    if let Some(ids) = ids {
        q.and_where(Expr::col(c("token_id")).is_in(super::in_list(ids.iter().copied())));
    }
    let mut out: HashMap<i64, Vec<LastAddress>> = HashMap::new();
    for r in conn.all::<AddressRow, _>(&q).await? {
        out.entry(r.token_id).or_default().push(LastAddress {
            address: r.address,
            seen_at: r.seen_at,
        });
    }
    Ok(out)
}
