//! Helpers shared by the catalog's API tests: fixtures the catalog routes cannot create
//! themselves (flags and their strategies belong to the flags API), and event lookups.
#![allow(dead_code)]

use serde_json::Value;
use switchyard::store::Db;

use crate::common::{Auth, TestApp};

/// Runs fixture SQL (constant text, no input) on the test database.
pub async fn exec(app: &TestApp, sql: &str) {
    match &app.state.db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("fixture SQL failed: {e}: {sql}"));
}

/// A flag in project `default` with one strategy `strategy_id` of `strategy_name` in `env`.
pub async fn flag_with_strategy(
    app: &TestApp,
    flag: &str,
    env: &str,
    strategy_id: &str,
    strategy_name: &str,
) {
    let t = "2026-01-02T00:00:00+00:00";
    exec(app, &format!("INSERT INTO features (name, project, created_at) VALUES ('{flag}', 'default', '{t}') ON CONFLICT DO NOTHING"))
        .await;
    exec(
        app,
        &format!(
            "INSERT INTO feature_strategies (id, feature_name, project_name, environment, strategy_name, created_at) \
             VALUES ('{strategy_id}', '{flag}', 'default', '{env}', '{strategy_name}', '{t}')"
        ),
    )
    .await;
}

/// Attaches segment `segment_id` to feature strategy `strategy_id`.
pub async fn attach_segment(app: &TestApp, strategy_id: &str, segment_id: i64) {
    exec(app, &format!("INSERT INTO feature_strategy_segment (feature_strategy_id, segment_id) VALUES ('{strategy_id}', {segment_id})"))
        .await;
}

/// The newest events of `event_type`, newest first.
pub async fn events_of(app: &TestApp, admin: &Auth, event_type: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/api/admin/search/events?type={event_type}"),
            admin,
        )
        .await
        .expect(200);
    res.json["events"].as_array().cloned().unwrap_or_default()
}

/// The current state revision.
pub async fn revision(app: &TestApp) -> i64 {
    let mut db = app.state.db.clone();
    switchyard::store::revision::current(&mut db)
        .await
        .expect("revision")
}
