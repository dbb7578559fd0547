//! Users, their root roles and project roles.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Iden, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::domain::permissions::Grant;
use crate::domain::users::{NewUser, User};

#[derive(Iden)]
pub(crate) enum Users {
    Table,
    Id,
    Username,
    Email,
    Name,
    PasswordHash,
    RootRoleId,
    IsService,
    CreatedAt,
    SeenAt,
    LoginAttempts,
}

#[derive(Iden)]
pub(crate) enum RoleUser {
    Table,
    RoleId,
    UserId,
    Project,
}

#[derive(Iden)]
pub(crate) enum RolePermissions {
    Table,
    RoleId,
    Permission,
    Environment,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: Option<String>,
    email: Option<String>,
    name: Option<String>,
    root_role_id: i64,
    is_service: bool,
    created_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
    login_attempts: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            email: r.email,
            name: r.name,
            root_role_id: r.root_role_id,
            is_service: r.is_service,
            created_at: r.created_at,
            seen_at: r.seen_at,
            login_attempts: r.login_attempts,
        }
    }
}

fn select_user() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Users::Id,
            Users::Username,
            Users::Email,
            Users::Name,
            Users::RootRoleId,
            Users::IsService,
            Users::CreatedAt,
            Users::SeenAt,
            Users::LoginAttempts,
        ])
        .from(Users::Table)
        .to_owned()
}

#[instrument(skip_all)]
pub async fn count(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::col(Users::Id).count())
        .from(Users::Table)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[instrument(skip_all)]
pub async fn insert(
    c: &mut impl Conn,
    user: &NewUser,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::Username,
            Users::Email,
            Users::Name,
            Users::PasswordHash,
            Users::RootRoleId,
            Users::CreatedAt,
        ])
        .values_panic([
            user.username.clone().into(),
            user.email.clone().into(),
            user.name.clone().into(),
            password_hash.map(str::to_string).into(),
            user.root_role_id.into(),
            now.into(),
        ])
        .returning_col(Users::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[instrument(skip_all)]
pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<User>, sqlx::Error> {
    let q = select_user()
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    Ok(c.opt::<UserRow, _>(&q).await?.map(Into::into))
}

/// The users with these ids that exist, in no particular order.
#[instrument(skip_all)]
pub async fn get_many(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<User>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = select_user()
        .and_where(Expr::col(Users::Id).is_in(super::in_list(ids.iter().copied())))
        .to_owned();
    Ok(c.all::<UserRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[instrument(skip_all)]
pub async fn list(c: &mut impl Conn) -> Result<Vec<User>, sqlx::Error> {
    let q = select_user().order_by(Users::Id, Order::Asc).to_owned();
    Ok(c.all::<UserRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(sqlx::FromRow)]
struct HashRow {
    id: i64,
    password_hash: Option<String>,
}

/// The user whose username or email is `login`, with the stored password hash.
#[instrument(skip_all)]
pub async fn find_for_login(
    c: &mut impl Conn,
    login: &str,
) -> Result<Option<(User, Option<String>)>, sqlx::Error> {
    let q = Query::select()
        .columns([Users::Id, Users::PasswordHash])
        .from(Users::Table)
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col(Users::Username).eq(login))
                .add(Expr::col(Users::Email).eq(login.to_lowercase())),
        )
        .and_where(Expr::col(Users::IsService).eq(false))
        .limit(1)
        .to_owned();
    let Some(row) = c.opt::<HashRow, _>(&q).await? else {
        return Ok(None);
    };
    Ok(get(c, row.id).await?.map(|u| (u, row.password_hash)))
}

/// Fields an admin may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub username: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub root_role_id: Option<i64>,
}

#[instrument(skip_all)]
pub async fn update(c: &mut impl Conn, id: i64, ch: &UserChanges) -> Result<u64, sqlx::Error> {
    let mut q = Query::update();
    q.table(Users::Table).and_where(Expr::col(Users::Id).eq(id));
    let mut any = false;
    if let Some(v) = &ch.username {
        q.value(Users::Username, v.clone());
        any = true;
    }
    if let Some(v) = &ch.email {
        q.value(Users::Email, v.clone());
        any = true;
    }
    if let Some(v) = &ch.name {
        q.value(Users::Name, v.clone());
        any = true;
    }
    if let Some(v) = ch.root_role_id {
        q.value(Users::RootRoleId, v);
        any = true;
    }
    if !any {
        q.value(Users::Id, Expr::col(Users::Id));
    }
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn set_password(c: &mut impl Conn, id: i64, hash: &str) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Users::Table)
        .value(Users::PasswordHash, hash)
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn record_login(
    c: &mut impl Conn,
    id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Users::Table)
        .value(Users::SeenAt, now)
        .value(Users::LoginAttempts, 0)
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn record_failed_login(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::update()
        .table(Users::Table)
        .value(Users::LoginAttempts, Expr::col(Users::LoginAttempts).add(1))
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// Deletes a user; sessions, tokens and project roles go with it (foreign keys cascade).
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, id: i64) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(Users::Table)
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    c.exec(&q).await
}

/// Locks the user's row until the transaction ends (PostgreSQL; SQLite transactions
/// already hold the database write lock), so per-user limits hold under concurrency.
#[instrument(skip_all)]
pub async fn lock(c: &mut impl Conn, id: i64) -> Result<bool, sqlx::Error> {
    let mut q = Query::select()
        .column(Users::Id)
        .from(Users::Table)
        .and_where(Expr::col(Users::Id).eq(id))
        .to_owned();
    if c.backend() == super::Backend::Postgres {
        q.lock(sea_query::LockType::Update);
    }
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    permission: String,
    environment: String,
    project: Option<String>,
}

/// Every permission a user holds: those of the root role everywhere, and those of each
/// project role within its project.
#[instrument(skip_all)]
pub async fn grants(
    c: &mut impl Conn,
    user_id: i64,
    root_role_id: i64,
) -> Result<Vec<Grant>, sqlx::Error> {
    let root = Query::select()
        .columns([RolePermissions::Permission, RolePermissions::Environment])
        .expr_as(
            Expr::val(Option::<String>::None),
            sea_query::Alias::new("project"),
        )
        .from(RolePermissions::Table)
        .and_where(Expr::col(RolePermissions::RoleId).eq(root_role_id))
        .to_owned();
    let project = Query::select()
        .column((RolePermissions::Table, RolePermissions::Permission))
        .column((RolePermissions::Table, RolePermissions::Environment))
        .expr_as(
            Expr::col((RoleUser::Table, RoleUser::Project)),
            sea_query::Alias::new("project"),
        )
        .from(RoleUser::Table)
        .inner_join(
            RolePermissions::Table,
            Expr::col((RolePermissions::Table, RolePermissions::RoleId))
                .equals((RoleUser::Table, RoleUser::RoleId)),
        )
        .and_where(Expr::col((RoleUser::Table, RoleUser::UserId)).eq(user_id))
        .to_owned();
    let mut rows = c.all::<GrantRow, _>(&root).await?;
    rows.extend(c.all::<GrantRow, _>(&project).await?);
    Ok(rows
        .into_iter()
        .map(|r| Grant {
            permission: r.permission,
            // Root-role grants carry no project: they reach every project.
            project: r.project,
            environment: if r.environment.is_empty() {
                None
            } else {
                Some(r.environment)
            },
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct AdminCountRow {
    is_service: bool,
    has_password: bool,
    n: i64,
}

/// Users with the Admin root role, counted as Unleash's `adminCountSchema` groups them:
/// people with a password, people without one, and service accounts.
#[instrument(skip_all)]
pub async fn admin_counts(c: &mut impl Conn) -> Result<(i64, i64, i64), sqlx::Error> {
    let q = Query::select()
        .expr_as(Expr::col(Users::IsService), Alias::new("is_service"))
        .expr_as(
            Expr::col(Users::PasswordHash).is_not_null(),
            Alias::new("has_password"),
        )
        .expr_as(Expr::col(Users::Id).count(), Alias::new("n"))
        .from(Users::Table)
        .and_where(Expr::col(Users::RootRoleId).eq(crate::domain::permissions::ROLE_ADMIN))
        .add_group_by([
            Expr::col(Users::IsService).into(),
            Expr::col(Users::PasswordHash).is_not_null(),
        ])
        .to_owned();
    let (mut password, mut no_password, mut service) = (0, 0, 0);
    for r in c.all::<AdminCountRow, _>(&q).await? {
        match (r.is_service, r.has_password) {
            (true, _) => service += r.n,
            (false, true) => password += r.n,
            (false, false) => no_password += r.n,
        }
    }
    Ok((password, no_password, service))
}

/// Creates a service account: a user flagged as service, without a password or email.
#[instrument(skip_all)]
pub async fn insert_service_account(
    c: &mut impl Conn,
    username: &str,
    name: &str,
    root_role_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let q = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::Username,
            Users::Name,
            Users::RootRoleId,
            Users::IsService,
            Users::CreatedAt,
        ])
        .values_panic([
            username.into(),
            name.into(),
            root_role_id.into(),
            true.into(),
            now.into(),
        ])
        .returning_col(Users::Id)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// Every service account, oldest first.
#[instrument(skip_all)]
pub async fn list_service_accounts(c: &mut impl Conn) -> Result<Vec<User>, sqlx::Error> {
    let q = select_user()
        .and_where(Expr::col(Users::IsService).eq(true))
        .order_by(Users::Id, Order::Asc)
        .to_owned();
    Ok(c.all::<UserRow, _>(&q)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
