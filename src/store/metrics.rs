//! Applications, instances and flag usage reported by SDKs.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, OnConflict, Order, Query};
use tracing::instrument;

use super::Conn;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[instrument(skip_all)]
pub async fn upsert_application(
    c: &mut impl Conn,
    app_name: &str,
    strategies: &str,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::insert()
        .into_table(t("client_applications"))
        .columns([
            t("app_name"),
            t("strategies"),
            t("created_at"),
            t("updated_at"),
        ])
        .values_panic([app_name.into(), strategies.into(), now.into(), now.into()])
        .on_conflict(
            OnConflict::column(t("app_name"))
                .update_columns([t("strategies"), t("updated_at")])
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await
}

/// Notes that an application exists, without touching what it registered.
#[instrument(skip_all)]
pub async fn touch_application(
    c: &mut impl Conn,
    app_name: &str,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::insert()
        .into_table(t("client_applications"))
        .columns([t("app_name"), t("created_at"), t("updated_at")])
        .values_panic([app_name.into(), now.into(), now.into()])
        .on_conflict(
            OnConflict::column(t("app_name"))
                .update_column(t("updated_at"))
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await
}

#[instrument(skip_all)]
pub async fn upsert_instance(
    c: &mut impl Conn,
    app_name: &str,
    instance_id: &str,
    environment: &str,
    sdk_version: Option<&str>,
    client_ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let q = Query::insert()
        .into_table(t("client_instances"))
        .columns([
            t("app_name"),
            t("instance_id"),
            t("environment"),
            t("sdk_version"),
            t("client_ip"),
            t("created_at"),
            t("last_seen"),
        ])
        .values_panic([
            app_name.into(),
            instance_id.into(),
            environment.into(),
            sdk_version.map(str::to_string).into(),
            client_ip.map(str::to_string).into(),
            now.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([t("app_name"), t("instance_id"), t("environment")])
                .value(t("last_seen"), Expr::cust("excluded.last_seen"))
                .value(
                    t("sdk_version"),
                    Expr::cust("COALESCE(excluded.sdk_version, client_instances.sdk_version)"),
                )
                .value(
                    t("client_ip"),
                    Expr::cust("COALESCE(excluded.client_ip, client_instances.client_ip)"),
                )
                .to_owned(),
        )
        .to_owned();
    c.exec(&q).await
}

/// Adds usage counts to an hour's row.
#[allow(clippy::too_many_arguments)]
#[instrument(skip_all)]
pub async fn add_usage(
    c: &mut impl Conn,
    feature: &str,
    app_name: &str,
    environment: &str,
    hour: DateTime<Utc>,
    yes: i64,
    no: i64,
    variants: &str,
) -> Result<u64, sqlx::Error> {
    let q = Query::insert()
        .into_table(t("client_metrics_hourly"))
        .columns([
            t("feature_name"),
            t("app_name"),
            t("environment"),
            t("hour"),
            t("yes"),
            t("no"),
            t("variants"),
        ])
        .values_panic([
            feature.into(),
            app_name.into(),
            environment.into(),
            hour.into(),
            yes.into(),
            no.into(),
            variants.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                t("feature_name"),
                t("app_name"),
                t("environment"),
                t("hour"),
            ])
            .value(
                t("yes"),
                Expr::cust("client_metrics_hourly.yes + excluded.yes"),
            )
            .value(
                t("no"),
                Expr::cust("client_metrics_hourly.no + excluded.no"),
            )
            .value(t("variants"), Expr::cust("excluded.variants"))
            .to_owned(),
        )
        .to_owned();
    c.exec(&q).await
}

/// Marks a flag as seen now, overall and in one environment.
#[instrument(skip_all)]
pub async fn mark_feature_seen(
    c: &mut impl Conn,
    feature: &str,
    environment: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let q = Query::update()
        .table(t("features"))
        .value(t("last_seen_at"), at)
        .and_where(Expr::col(t("name")).eq(feature))
        .to_owned();
    if c.exec(&q).await? == 0 {
        // An unknown flag: nothing to mark.
        return Ok(());
    }
    // A flag never switched on in this environment has no row yet; a flag evaluated only to
    // `false` is still seen there. The select yields nothing for an unknown environment.
    let ensure = Query::insert()
        .into_table(t("feature_environments"))
        .columns([t("feature_name"), t("environment")])
        .select_from(
            Query::select()
                .column((t("features"), t("name")))
                .column((t("environments"), t("name")))
                .from(t("features"))
                .from(t("environments"))
                .and_where(Expr::col((t("features"), t("name"))).eq(feature))
                .and_where(Expr::col((t("environments"), t("name"))).eq(environment))
                .to_owned(),
        )
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .on_conflict(
            sea_query::OnConflict::columns([t("feature_name"), t("environment")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    c.exec(&ensure).await?;
    let q = Query::update()
        .table(t("feature_environments"))
        .value(t("last_seen_at"), at)
        .and_where(Expr::col(t("feature_name")).eq(feature))
        .and_where(Expr::col(t("environment")).eq(environment))
        .to_owned();
    c.exec(&q).await?;
    Ok(())
}

#[derive(sqlx::FromRow, Debug)]
pub struct ApplicationRow {
    pub app_name: String,
    pub strategies: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub color: Option<String>,
    pub icon: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[instrument(skip_all)]
pub async fn applications(c: &mut impl Conn) -> Result<Vec<ApplicationRow>, sqlx::Error> {
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
        .order_by(t("app_name"), Order::Asc)
        .to_owned();
    c.all(&q).await
}

#[derive(sqlx::FromRow, Debug)]
pub struct InstanceRow {
    pub app_name: String,
    pub instance_id: String,
    pub environment: String,
    pub sdk_version: Option<String>,
    pub client_ip: Option<String>,
    pub last_seen: DateTime<Utc>,
}

#[instrument(skip_all)]
pub async fn instances(c: &mut impl Conn, app_name: &str) -> Result<Vec<InstanceRow>, sqlx::Error> {
    let q = Query::select()
        .columns([
            t("app_name"),
            t("instance_id"),
            t("environment"),
            t("sdk_version"),
            t("client_ip"),
            t("last_seen"),
        ])
        .from(t("client_instances"))
        .and_where(Expr::col(t("app_name")).eq(app_name))
        .order_by(t("last_seen"), Order::Desc)
        .to_owned();
    c.all(&q).await
}

#[derive(sqlx::FromRow, Debug)]
pub struct UsageRow {
    pub feature_name: String,
    pub app_name: String,
    pub environment: String,
    pub hour: DateTime<Utc>,
    pub yes: i64,
    pub no: i64,
    pub variants: String,
}

/// A flag's hourly usage since `since`, newest first.
#[instrument(skip_all)]
pub async fn usage(
    c: &mut impl Conn,
    feature: &str,
    since: DateTime<Utc>,
) -> Result<Vec<UsageRow>, sqlx::Error> {
    let q = Query::select()
        .columns([
            t("feature_name"),
            t("app_name"),
            t("environment"),
            t("hour"),
            t("yes"),
            t("no"),
            t("variants"),
        ])
        .from(t("client_metrics_hourly"))
        .and_where(Expr::col(t("feature_name")).eq(feature))
        .and_where(Expr::col(t("hour")).gte(since))
        .order_by(t("hour"), Order::Desc)
        .order_by(t("environment"), Order::Asc)
        .to_owned();
    c.all(&q).await
}
