//! The server foundation: health, login, sessions, users, roles, errors, events, OpenAPI.

mod common;

use common::{call, Auth, TestApp, ADMIN_PASSWORD};
use serde_json::json;

#[tokio::test]
async fn health_and_ready() {
    let app = TestApp::new().await;
    let res = app.get("/health", &Auth::None).await.expect(200);
    assert_eq!(res.json, json!({"health": "GOOD"}));
    app.get("/ready", &Auth::None).await.expect(200);
}
