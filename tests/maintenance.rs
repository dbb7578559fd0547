//! Maintenance mode: an Admin pauses every change through the Admin API and the web UI on
//! every node, while reads, sign-in and the SDK APIs keep working.

mod common;
mod ui_support;

use common::{call, Auth, TestApp};
use serde_json::json;
use ui_support::{csrf_of, form_login, get_page, post_form};

const MESSAGE_START: &str = "Unleash is currently in maintenance mode.";

async fn switch(app: &TestApp, admin: &Auth, enabled: bool) {
    app.post(
        "/api/admin/maintenance",
        json!({ "enabled": enabled }),
        admin,
    )
    .await
    .expect(204);
}

/// Every documented write operation of the Admin API, with `1` in each path parameter.
fn admin_writes() -> Vec<(String, String)> {
    let doc = switchyard::http::openapi();
    let mut ops = Vec::new();
    for (path, item) in &doc.paths.paths {
        if !path.starts_with("/api/admin/") || path == "/api/admin/maintenance" {
            continue;
        }
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for (method, present) in [
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if present {
                ops.push((method.to_string(), concrete.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn only_admins_switch_it_and_everyone_signed_in_can_read_it() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;

    let r = app.get("/api/admin/maintenance", &viewer).await.expect(200);
    assert_eq!(r.json, json!({"enabled": false}));
    app.get("/api/admin/maintenance", &Auth::None)
        .await
        .expect(401);
    app.post("/api/admin/maintenance", json!({"enabled": true}), &editor)
        .await
        .expect(403);
    let bad = app
        .post("/api/admin/maintenance", json!({"enabled": "yes"}), &admin)
        .await
        .expect(400);
    assert!(bad.text.contains("enabled"), "{}", bad.text);

    switch(&app, &admin, true).await;
    let r = app.get("/api/admin/maintenance", &viewer).await.expect(200);
    assert_eq!(r.json, json!({"enabled": true}));
    let ui = app.get("/api/admin/ui-config", &viewer).await.expect(200);
    assert_eq!(ui.json["maintenanceMode"], true);
    switch(&app, &admin, false).await;
    switch(&app, &admin, false).await;
    let r = app.get("/api/admin/maintenance", &viewer).await.expect(200);
    assert_eq!(r.json, json!({"enabled": false}));

    // Audited as Unleash audits settings: created once, then updated.
    let events = app.get("/api/admin/events", &admin).await.expect(200).json;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["id"] == "maintenance.mode")
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["setting-updated", "setting-updated", "setting-created"]
    );
}

#[tokio::test]
async fn every_admin_write_is_refused_while_reads_and_sdks_keep_working() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let backend = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "b", "type": "backend", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let frontend = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "f", "type": "frontend", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "before"}),
        &admin,
    )
    .await
    .expect(201);
    switch(&app, &admin, true).await;

    let writes = admin_writes();
    assert!(writes.len() > 50, "only {} writes found", writes.len());
    let mut not_refused = Vec::new();
    for (method, path) in &writes {
        let r = app.call(method, path, Some(json!({})), &admin).await;
        if r.status.as_u16() != 503 || !r.text.contains(MESSAGE_START) {
            not_refused.push(format!("{method} {path} -> {} {}", r.status, r.text));
        }
    }
    assert!(
        not_refused.is_empty(),
        "writes not refused in maintenance mode:\n{}",
        not_refused.join("\n")
    );
    // Nothing was written: the flag list is as before.
    let flags = app
        .get("/api/admin/projects/default/features", &admin)
        .await
        .expect(200);
    assert_eq!(flags.json["features"].as_array().unwrap().len(), 1);

    // An anonymous write is still told to sign in.
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "x"}),
        &Auth::None,
    )
    .await
    .expect(401);
    // Reads, sign-in and the SDK APIs (including their writes) keep working.
    app.get("/api/admin/projects", &admin).await.expect(200);
    app.admin().await;
    let sdk = Auth::Token(backend);
    app.get("/api/client/features", &sdk).await.expect(200);
    app.post(
        "/api/client/register",
        json!({"appName": "svc", "instanceId": "i1", "strategies": [], "started": "2026-01-01T00:00:00Z", "interval": 10}),
        &sdk,
    )
    .await
    .expect(202);
    app.get("/api/frontend", &Auth::Token(frontend))
        .await
        .expect(200);

    // Ended, writes work again.
    switch(&app, &admin, false).await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "after"}),
        &admin,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn another_node_obeys_the_switch_at_once() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, other) = app.second_node().await;
    switch(&app, &admin, true).await;
    let r = call(
        &other,
        "POST",
        "/api/admin/projects/default/features",
        Some(json!({"name": "elsewhere"})),
        &admin,
    )
    .await
    .expect(503);
    assert!(r.json["message"]
        .as_str()
        .unwrap()
        .starts_with(MESSAGE_START));
    switch(&app, &admin, false).await;
    call(
        &other,
        "POST",
        "/api/admin/projects/default/features",
        Some(json!({"name": "elsewhere"})),
        &admin,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn the_web_ui_refuses_changes_but_lets_people_sign_out() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let s = form_login(&app, "admin", common::ADMIN_PASSWORD).await;
    let page = get_page(&app, "/projects/default", &s).await.expect(200);
    let token = csrf_of(&page.text);
    switch(&app, &admin, true).await;

    let r = post_form(
        &app,
        "/projects/default",
        &s,
        &[("_csrf", &token), ("name", "from-ui"), ("type", "release")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.text);
    assert!(r.text.contains("maintenance mode"), "{}", r.text);
    let flags = app
        .get("/api/admin/projects/default/features", &admin)
        .await
        .expect(200);
    assert!(flags.json["features"].as_array().unwrap().is_empty());

    let r = post_form(&app, "/sign-out", &s, &[("_csrf", &token)]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
}
