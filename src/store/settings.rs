//! Instance settings: one JSON document per name in the `settings` table.

use sea_query::{Expr, Iden, OnConflict, Query};
use tracing::instrument;

use super::Conn;

#[derive(Iden)]
enum Settings {
    Table,
    Name,
    Content,
}

#[derive(sqlx::FromRow)]
struct SettingRow {
    content: String,
}

/// The stored content of a setting, if any.
#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, name: &str) -> Result<Option<String>, sqlx::Error> {
    let q = Query::select()
        .column(Settings::Content)
        .from(Settings::Table)
        .and_where(Expr::col(Settings::Name).eq(name))
        .to_owned();
    Ok(c.opt::<SettingRow, _>(&q).await?.map(|r| r.content))
}

/// Writes a setting, replacing what was there. Returns true when it existed before.
#[instrument(skip_all)]
pub async fn put(c: &mut impl Conn, name: &str, content: &str) -> Result<bool, sqlx::Error> {
    let existed = get(c, name).await?.is_some();
    let q = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::Name, Settings::Content])
        .values_panic([name.into(), content.into()])
        .on_conflict(
            OnConflict::column(Settings::Name)
                .update_column(Settings::Content)
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await?;
    Ok(existed)
}

/// Writes a setting unless one exists (another node may have written it first).
#[instrument(skip_all)]
pub async fn insert_if_absent(
    c: &mut impl Conn,
    name: &str,
    content: &str,
) -> Result<(), sqlx::Error> {
    let q = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::Name, Settings::Content])
        .values_panic([name.into(), content.into()])
        .on_conflict(OnConflict::column(Settings::Name).do_nothing().to_owned())
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}
