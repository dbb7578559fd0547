//! The Admin API's read side of what SDKs report: one application, where it is used, and
//! flags SDKs asked about that do not exist.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Func, Order, Query};
use tracing::instrument;

use super::{Conn, Scalar};
use crate::store::metrics::ApplicationRow;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// How many unknown-flag rows are kept at most; reports beyond that are dropped.
pub const UNKNOWN_FLAGS_MAX: i64 = 1000;

#[instrument(skip_all)]
pub async fn application(
    c: &mut impl Conn,
    app_name: &str,
) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let q = Query::select()
        .columns([
            t("app_name"),
            t("strategies"),
            t("description"),
            t("url"),
            t("color"),
            t("icon"),
            t("created_at"),
        ])
        .from(t("client_applications"))
        .and_where(Expr::col(t("app_name")).eq(app_name))
        .to_owned();
    c.opt(&q).await
}

/// What an admin may set on an application; `None` leaves a field unchanged.
pub struct Details<'a> {
    pub description: Option<&'a str>,
    pub url: Option<&'a str>,
    pub color: Option<&'a str>,
    pub icon: Option<&'a str>,
    pub strategies: Option<String>,
}

/// Creates the application or changes the given fields. Returns true when it was created.
#[instrument(skip_all)]
pub async fn save_details(
    c: &mut impl Conn,
    app_name: &str,
    d: &Details<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let existed = application(c, app_name).await?.is_some();
    if !existed {
        let q = Query::insert()
            .into_table(t("client_applications"))
            .columns([
                t("app_name"),
                t("strategies"),
                t("description"),
                t("url"),
                t("color"),
                t("icon"),
                t("created_at"),
                t("updated_at"),
            ])
            .values_panic([
                app_name.into(),
                d.strategies.clone().unwrap_or_else(|| "[]".into()).into(),
                d.description.map(str::to_string).into(),
                d.url.map(str::to_string).into(),
                d.color.map(str::to_string).into(),
                d.icon.map(str::to_string).into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        c.exec(&q).await?;
        return Ok(true);
    }
    let mut q = Query::update();
    q.table(t("client_applications"))
        .value(t("updated_at"), now)
        .and_where(Expr::col(t("app_name")).eq(app_name));
    for (col, v) in [
        ("description", d.description),
        ("url", d.url),
        ("color", d.color),
        ("icon", d.icon),
    ] {
        if let Some(v) = v {
            q.value(t(col), v);
        }
    }
    if let Some(s) = &d.strategies {
        q.value(t("strategies"), s.as_str());
    }
    c.exec(&q).await?;
    Ok(false)
}

/// Removes an application and its instances (its usage rows stay, as in Unleash).
#[instrument(skip_all)]
pub async fn delete(c: &mut impl Conn, app_name: &str) -> Result<u64, sqlx::Error> {
    let q = Query::delete()
        .from_table(t("client_instances"))
        .and_where(Expr::col(t("app_name")).eq(app_name))
        .to_owned();
    c.exec(&q).await?;
    let q = Query::delete()
        .from_table(t("client_applications"))
        .and_where(Expr::col(t("app_name")).eq(app_name))
        .to_owned();
    c.exec(&q).await
}

#[derive(sqlx::FromRow, Debug)]
pub struct AllInstanceRow {
    pub app_name: String,
    pub instance_id: String,
    pub environment: String,
    pub sdk_version: Option<String>,
    pub client_ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// Every instance of every application (or of one application).
#[instrument(skip_all)]
pub async fn instances(
    c: &mut impl Conn,
    app_name: Option<&str>,
) -> Result<Vec<AllInstanceRow>, sqlx::Error> {
    let mut q = Query::select();
    q.columns([
        t("app_name"),
        t("instance_id"),
        t("environment"),
        t("sdk_version"),
        t("client_ip"),
        t("created_at"),
        t("last_seen"),
    ])
    .from(t("client_instances"))
    .order_by(t("app_name"), Order::Asc)
    .order_by(t("last_seen"), Order::Desc);
    if let Some(a) = app_name {
        q.and_where(Expr::col(t("app_name")).eq(a));
    }
    c.all(&q).await
}

/// A flag an application reported usage for, in one environment; `project` is `None` when
/// no flag of that name exists.
#[derive(sqlx::FromRow, Debug)]
pub struct SeenRow {
    pub app_name: String,
    pub feature_name: String,
    pub environment: String,
    pub project: Option<String>,
}

/// The distinct (application, flag, environment) usage rows, with the flag's project, for
/// one application or for every flag of one project.
#[instrument(skip_all)]
pub async fn seen(
    c: &mut impl Conn,
    app_name: Option<&str>,
    project: Option<&str>,
) -> Result<Vec<SeenRow>, sqlx::Error> {
    let m = t("client_metrics_hourly");
    let f = t("features");
    let mut q = Query::select();
    q.distinct()
        .column((m.clone(), t("app_name")))
        .column((m.clone(), t("feature_name")))
        .column((m.clone(), t("environment")))
        .column((f.clone(), t("project")))
        .from(m.clone())
        .left_join(
            f.clone(),
            Expr::col((f.clone(), t("name"))).equals((m.clone(), t("feature_name"))),
        )
        .order_by((m.clone(), t("app_name")), Order::Asc)
        .order_by((m.clone(), t("feature_name")), Order::Asc)
        .order_by((m.clone(), t("environment")), Order::Asc);
    if let Some(a) = app_name {
        q.and_where(Expr::col((m.clone(), t("app_name"))).eq(a));
    }
    if let Some(p) = project {
        q.and_where(Expr::col((f.clone(), t("project"))).eq(p));
    }
    c.all(&q).await
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct FlagBrief {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    #[sqlx(rename = "type")]
    pub kind: String,
}

#[instrument(skip_all)]
pub async fn flags_named(
    c: &mut impl Conn,
    names: Vec<String>,
) -> Result<Vec<FlagBrief>, sqlx::Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns([t("name"), t("project"), t("description"), t("type")])
        .from(t("features"))
        .and_where(Expr::col(t("name")).is_in(super::in_list(names)))
        .order_by(t("name"), Order::Asc)
        .to_owned();
    c.all(&q).await
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct StrategyBrief {
    pub name: String,
    pub description: Option<String>,
}

#[instrument(skip_all)]
pub async fn strategies(c: &mut impl Conn) -> Result<Vec<StrategyBrief>, sqlx::Error> {
    let q = Query::select()
        .columns([t("name"), t("description")])
        .from(t("strategies"))
        .to_owned();
    c.all(&q).await
}

/// True when a flag of that name exists.
#[instrument(skip_all)]
pub async fn flag_exists(c: &mut impl Conn, name: &str) -> Result<bool, sqlx::Error> {
    let q = Query::select()
        .expr(Expr::val(1i64))
        .from(t("features"))
        .and_where(Expr::col(t("name")).eq(name))
        .to_owned();
    Ok(c.opt::<Scalar, _>(&q).await?.is_some())
}

/// Notes that an application reported usage of a flag that does not exist. Rows older than
/// `forget_before` are removed; at most [`UNKNOWN_FLAGS_MAX`] rows are kept.
#[instrument(skip_all)]
pub async fn note_unknown(
    c: &mut impl Conn,
    name: &str,
    app_name: &str,
    environment: &str,
    now: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::update()
        .table(t("unknown_flags"))
        .value(t("seen_at"), now)
        .and_where(Expr::col(t("name")).eq(name))
        .and_where(Expr::col(t("app_name")).eq(app_name))
        .and_where(Expr::col(t("environment")).eq(environment))
        .to_owned();
    if c.exec(&q).await? > 0 {
        return Ok(());
    }
    let q = Query::delete()
        .from_table(t("unknown_flags"))
        .and_where(Expr::col(t("seen_at")).lt(forget_before))
        .to_owned();
    c.exec(&q).await?;
    let q = Query::select()
        .expr(Func::count(Expr::col(t("name"))))
        .from(t("unknown_flags"))
        .to_owned();
    let Scalar(n) = c.one(&q).await?;
    if n >= UNKNOWN_FLAGS_MAX {
        return Ok(());
    }
    let q = Query::insert()
        .into_table(t("unknown_flags"))
        .columns([t("name"), t("app_name"), t("environment"), t("seen_at")])
        .values_panic([name.into(), app_name.into(), environment.into(), now.into()])
        .on_conflict(
            sea_query::OnConflict::columns([t("name"), t("app_name"), t("environment")])
                .update_column(t("seen_at"))
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[derive(sqlx::FromRow, Debug)]
pub struct UnknownRow {
    pub name: String,
    pub app_name: String,
    pub environment: String,
    pub seen_at: DateTime<Utc>,
}

/// Unknown-flag reports seen since `since`, newest first.
#[instrument(skip_all)]
pub async fn unknown_flags(
    c: &mut impl Conn,
    since: DateTime<Utc>,
) -> Result<Vec<UnknownRow>, sqlx::Error> {
    let q = Query::select()
        .columns([t("name"), t("app_name"), t("environment"), t("seen_at")])
        .from(t("unknown_flags"))
        .and_where(Expr::col(t("seen_at")).gte(since))
        .order_by(t("seen_at"), Order::Desc)
        .order_by(t("name"), Order::Asc)
        .limit(UNKNOWN_FLAGS_MAX as u64)
        .to_owned();
    c.all(&q).await
}

#[derive(sqlx::FromRow, Debug)]
pub struct LastEvent {
    pub created_at: DateTime<Utc>,
}

/// When the newest event about a flag of that name happened, if any.
#[instrument(skip_all)]
pub async fn last_event_for_flag(
    c: &mut impl Conn,
    name: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let q = Query::select()
        .column(t("created_at"))
        .from(t("events"))
        .and_where(Expr::col(t("feature_name")).eq(name))
        .order_by(t("id"), Order::Desc)
        .limit(1)
        .to_owned();
    Ok(c.opt::<LastEvent, _>(&q).await?.map(|e| e.created_at))
}
