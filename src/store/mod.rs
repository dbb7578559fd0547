//! Storage over SQLite and PostgreSQL with one code path.
//!
//! Statements are built once with sea-query and rendered for the backend in use at run
//! time; rows decode through `sqlx::FromRow`, derived once for both backends. All SQL of
//! the server lives below this module.

pub mod addons;
pub mod api_tokens;
pub mod applications;
pub mod client_features;
pub mod context;
pub mod environments;
pub mod events;
pub mod favorites;
pub mod features;
pub mod gauges;
pub mod invite_links;
pub mod links;
pub mod metrics;
pub mod pat_inventory;
pub mod pats;
pub mod projects;
pub mod reset_tokens;
pub mod revision;
pub mod roles;
pub mod segments;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod strategies;
pub mod tag_types;
pub mod token_addresses;
pub mod token_expiry;
pub mod users;

pub use crate::config::database::{redact_url, DatabaseChoice};

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_binder::SqlxBinder;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{PgPool, SqlitePool};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to the configured database.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.backend())
    }
}

/// A row type that decodes from both backends.
pub trait Record:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

impl Db {
    /// Opens the database named by `url`, creating an SQLite file (and its folder) if needed,
    /// and runs pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Self::connect_in(url, None).await
    }

    /// Opens the chosen database; on PostgreSQL creates `schema` first when it is missing.
    pub async fn open(choice: &DatabaseChoice) -> anyhow::Result<Db> {
        Self::connect_in(&choice.url, choice.schema.as_deref()).await
    }

    async fn connect_in(url: &str, schema: Option<&str>) -> anyhow::Result<Db> {
        let db = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if path != ":memory:" {
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).with_context(|| {
                            format!(
                                "cannot create the folder {} for the SQLite database",
                                parent.display()
                            )
                        })?;
                    }
                }
            }
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                .with_context(|| format!("invalid SQLite DATABASE_URL {url}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: every acknowledged write survives a crash or power loss.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // Opening switches the file to WAL, which needs a moment of exclusive access: when
            // another opener holds it, try again shortly.
            let mut attempt = 0;
            let pool = loop {
                match SqlitePoolOptions::new()
                    .max_connections(8)
                    // An SQLite connection is a file handle in this process: it cannot have
                    // gone away, so the round trip that checks each connection as it leaves
                    // the pool (about a tenth of an Admin API read's time) buys nothing.
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await
                {
                    Ok(pool) => break pool,
                    Err(_) if attempt < 10 => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                    }
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("cannot open the SQLite database at {path}"))
                    }
                }
            };
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .with_context(|| format!("invalid PostgreSQL DATABASE_URL {}", redact_url(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {}", redact_url(url)))?;
            if let Some(schema) = schema {
                // The name was checked to be a plain identifier.
                sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                    .execute(&pool)
                    .await
                    .with_context(|| format!("cannot create the PostgreSQL schema {schema}"))?;
            }
            Db::Postgres(pool)
        } else {
            anyhow::bail!(
                "unsupported DATABASE_URL {}: use sqlite://<path> or postgres://user:password@host:port/database",
                redact_url(url)
            );
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations of this backend. On PostgreSQL the migrator holds an advisory
    /// lock, so several nodes starting together apply each migration exactly once.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => {
                // SQLite's migrator takes no lock: serialise openers in this process, and retry
                // when another process applied the same migration a moment earlier (each
                // migration is one transaction, so a lost race leaves nothing half done).
                static SQLITE_MIGRATIONS: tokio::sync::Mutex<()> =
                    tokio::sync::Mutex::const_new(());
                let _guard = SQLITE_MIGRATIONS.lock().await;
                let mut attempt = 0;
                loop {
                    match sqlx::migrate!("migrations/sqlite").run(p).await {
                        Ok(()) => break,
                        Err(_) if attempt < 10 => {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        Err(e) => return Err(e).context("SQLite migrations failed"),
                    }
                }
            }
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres")
                .run(p)
                .await
                .context("PostgreSQL migrations failed")?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so
    /// concurrent writers queue instead of failing midway.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Connections open, of which idle, and the most allowed.
    pub fn pool_stats(&self) -> (u32, usize, u32) {
        match self {
            Db::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Db::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        }
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        match self {
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
            Db::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Runs sea-query statements on a pool or inside a transaction.
#[allow(async_fn_in_trait)]
pub trait Conn: Send {
    fn backend(&self) -> Backend;
    /// Runs a statement and returns the number of rows it touched.
    async fn exec<S: SqlxBinder + Sync>(&mut self, stmt: &S) -> Result<u64, sqlx::Error>;
    async fn all<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Vec<T>, sqlx::Error>;
    async fn opt<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>, sqlx::Error>;
    async fn one<T: Record, S: SqlxBinder + Sync>(&mut self, stmt: &S) -> Result<T, sqlx::Error> {
        self.opt(stmt).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

macro_rules! dispatch {
    ($self:expr, $stmt:expr, |$sql:ident, $vals:ident, $ex:ident| $body:expr) => {
        match $self {
            Self::Sqlite($ex) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                $body
            }
            Self::Postgres($ex) => {
                let ($sql, $vals) = $stmt.build_sqlx(PostgresQueryBuilder);
                $body
            }
        }
    };
}

impl Conn for Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }
    async fn exec<S: SqlxBinder + Sync>(&mut self, stmt: &S) -> Result<u64, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, p| Ok(sqlx::query_with(&sql, vals)
            .execute(&*p)
            .await?
            .rows_affected()))
    }
    async fn all<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Vec<T>, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, p| sqlx::query_as_with::<_, T, _>(
            &sql, vals
        )
        .fetch_all(&*p)
        .await)
    }
    async fn opt<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, p| sqlx::query_as_with::<_, T, _>(
            &sql, vals
        )
        .fetch_optional(&*p)
        .await)
    }
}

impl Conn for Tx {
    fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
    async fn exec<S: SqlxBinder + Sync>(&mut self, stmt: &S) -> Result<u64, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, t| Ok(sqlx::query_with(&sql, vals)
            .execute(&mut **t)
            .await?
            .rows_affected()))
    }
    async fn all<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Vec<T>, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, t| sqlx::query_as_with::<_, T, _>(
            &sql, vals
        )
        .fetch_all(&mut **t)
        .await)
    }
    async fn opt<T: Record, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>, sqlx::Error> {
        dispatch!(self, stmt, |sql, vals, t| sqlx::query_as_with::<_, T, _>(
            &sql, vals
        )
        .fetch_optional(&mut **t)
        .await)
    }
}

/// The values of an `IN (...)` list, padded to the next power of two by repeating the last
/// one (a list of 3 names becomes 4, one of 500 becomes 512; an empty list stays empty).
///
/// Both backends prepare each statement text once per connection and keep it in that
/// connection's statement cache (100 statements each), and an `IN` list of n values is a
/// different text for every n. Unpadded, every new count of flags, strategies or ids in a
/// list prepared new statements on every connection, and the caches filled with
/// near-duplicates (a few KiB each, tens of KiB for long lists: memory that grew with every
/// flag created until each cache was full). Padded, a list makes at most one text per power
/// of two. A repeated value changes no result.
pub fn in_list<T: Clone>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut list: Vec<T> = values.into_iter().collect();
    if let Some(last) = list.last().cloned() {
        list.resize(list.len().next_power_of_two(), last);
    }
    list
}

/// A single `i64` column, for counts and ids.
#[derive(sqlx::FromRow)]
pub struct Scalar(pub i64);

/// True when an environment of that name exists.
pub async fn environments_exist(c: &mut impl Conn, name: &str) -> Result<bool, sqlx::Error> {
    let q = sea_query::Query::select()
        .expr(sea_query::Expr::val(1i64))
        .from(sea_query::Alias::new("environments"))
        .and_where(sea_query::Expr::col(sea_query::Alias::new("name")).eq(name))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

/// True when a project of that id exists.
pub async fn project_exists(c: &mut impl Conn, id: &str) -> Result<bool, sqlx::Error> {
    let q = sea_query::Query::select()
        .expr(sea_query::Expr::val(1i64))
        .from(sea_query::Alias::new("projects"))
        .and_where(sea_query::Expr::col(sea_query::Alias::new("id")).eq(id))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::in_list;

    #[test]
    fn in_lists_pad_to_a_power_of_two_with_the_last_value() {
        assert_eq!(in_list(Vec::<i64>::new()), Vec::<i64>::new());
        assert_eq!(in_list([7]), vec![7]);
        assert_eq!(in_list([1, 2, 3]), vec![1, 2, 3, 3]);
        assert_eq!(in_list(["a", "b", "c", "d"]), vec!["a", "b", "c", "d"]);
        assert_eq!(in_list(1..=500).len(), 512);
        let lengths: std::collections::BTreeSet<usize> =
            (1..=500).map(|n| in_list(0..n).len()).collect();
        assert_eq!(lengths.len(), 10, "{lengths:?}");
    }
}
