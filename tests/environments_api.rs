//! Environments: `/api/admin/environments`.

mod catalog_support;
mod common;

use catalog_support::{events_of, exec, flag_with_strategy, revision};
use common::{Auth, TestApp};
use serde_json::json;

#[tokio::test]
async fn everyone_signed_in_reads_environments() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let res = app
        .get("/api/admin/environments", &viewer)
        .await
        .expect(200);
    assert_eq!(res.json["version"], 1);
    let envs = res.json["environments"].as_array().expect("list");
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["name"], "development");
    assert_eq!(envs[0]["type"], "development");
    assert_eq!(envs[0]["enabled"], true);
    assert_eq!(envs[0]["protected"], false);
    assert_eq!(envs[0]["sortOrder"], 2);
    assert_eq!(envs[0]["projectCount"], 1);
    assert_eq!(envs[1]["name"], "production");

    let one = app
        .get("/api/admin/environments/production", &viewer)
        .await
        .expect(200);
    assert_eq!(
        one.json,
        json!({"name": "production", "type": "production", "enabled": true, "protected": false, "sortOrder": 3})
    );
    let res = app
        .get("/api/admin/environments/staging", &viewer)
        .await
        .expect(404);
    assert_eq!(
        res.json["message"],
        "Could not find environment with name: staging"
    );

    let res = app
        .get("/api/admin/environments/project/default", &viewer)
        .await
        .expect(200);
    let envs = res.json["environments"].as_array().expect("list");
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["visible"], true);
    assert_eq!(envs[0]["projectEnabledToggleCount"], 0);
    app.get("/api/admin/environments/project/nope", &viewer)
        .await
        .expect(404);

    app.get("/api/admin/environments", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn admin_creates_an_environment_available_in_every_project() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    exec(&app, "INSERT INTO projects (id, name, created_at) VALUES ('other', 'Other', '2026-01-02T00:00:00+00:00')").await;

    let rev = revision(&app).await;
    let res = app
        .post(
            "/api/admin/environments",
            json!({"name": "staging", "type": "preproduction", "sortOrder": 5}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(
        res.json,
        json!({"name": "staging", "type": "preproduction", "enabled": true, "protected": false, "sortOrder": 5})
    );
    assert_eq!(
        res.header("location").as_deref(),
        Some("environments/staging")
    );
    assert!(revision(&app).await > rev);
    assert_eq!(
        events_of(&app, &admin, "environment-created").await[0]["data"]["name"],
        "staging"
    );

    for project in ["default", "other"] {
        let res = app
            .get(
                &format!("/api/admin/environments/project/{project}"),
                &admin,
            )
            .await
            .expect(200);
        let staging = res.json["environments"]
            .as_array()
            .expect("list")
            .iter()
            .find(|e| e["name"] == "staging")
            .cloned()
            .expect("listed");
        assert_eq!(staging["visible"], true, "staging is usable in {project}");
    }
    let list = app.get("/api/admin/environments", &admin).await.expect(200);
    let names: Vec<&str> = list.json["environments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["development", "production", "staging"]);
    assert_eq!(list.json["environments"][2]["projectCount"], 2);

    // Flags can be enabled there at once.
    flag_with_strategy(&app, "checkout", "staging", "fs-1", "default").await;
    exec(&app, "INSERT INTO feature_environments (feature_name, environment, enabled) VALUES ('checkout', 'staging', TRUE)").await;
    let res = app
        .get("/api/admin/environments/project/default", &admin)
        .await
        .expect(200);
    let staging = res.json["environments"]
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["name"] == "staging")
        .cloned()
        .expect("listed");
    assert_eq!(staging["projectEnabledToggleCount"], 1);

    let res = app
        .post(
            "/api/admin/environments",
            json!({"name": "staging", "type": "test"}),
            &admin,
        )
        .await
        .expect(409);
    assert_eq!(res.json["name"], "NameExistsError");
    let res = app
        .post(
            "/api/admin/environments",
            json!({"name": "no way", "type": "test"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");
    let res = app
        .post("/api/admin/environments", json!({"name": "qa"}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/type");
    let res = app
        .post(
            "/api/admin/environments",
            json!({"name": "qa", "type": "test", "sortOrder": "first"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/sortOrder");
}

#[tokio::test]
async fn admin_updates_orders_toggles_and_deletes_environments() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/environments",
        json!({"name": "staging", "type": "test"}),
        &admin,
    )
    .await
    .expect(201);

    let res = app
        .put(
            "/api/admin/environments/staging",
            json!({"type": "preproduction", "sortOrder": 7}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(res.json["type"], "preproduction");
    assert_eq!(res.json["sortOrder"], 7);
    app.put(
        "/api/admin/environments/update/staging",
        json!({"sortOrder": 8}),
        &admin,
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/admin/environments/staging", &admin)
            .await
            .json["sortOrder"],
        8
    );
    let updated = events_of(&app, &admin, "environment-updated").await;
    assert_eq!(updated[0]["data"]["sortOrder"], 8);
    assert_eq!(updated[0]["preData"]["sortOrder"], 7);
    app.put(
        "/api/admin/environments/nope",
        json!({"sortOrder": 1}),
        &admin,
    )
    .await
    .expect(404);

    let rev = revision(&app).await;
    app.put(
        "/api/admin/environments/sort-order",
        json!({"production": 1, "development": 9}),
        &admin,
    )
    .await
    .expect(200);
    assert!(revision(&app).await > rev);
    let list = app.get("/api/admin/environments", &admin).await.expect(200);
    let names: Vec<&str> = list.json["environments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["production", "staging", "development"]);
    app.put(
        "/api/admin/environments/sort-order",
        json!({"nope": 1}),
        &admin,
    )
    .await
    .expect(404);
    app.put(
        "/api/admin/environments/sort-order",
        json!({"production": "x"}),
        &admin,
    )
    .await
    .expect(400);

    let rev = revision(&app).await;
    let res = app
        .post("/api/admin/environments/production/off", json!({}), &admin)
        .await
        .expect(204);
    assert_eq!(res.text, "");
    assert_eq!(
        app.get("/api/admin/environments/production", &admin)
            .await
            .json["enabled"],
        false
    );
    assert!(revision(&app).await > rev);
    app.post("/api/admin/environments/production/on", json!({}), &admin)
        .await
        .expect(204);
    assert_eq!(
        app.get("/api/admin/environments/production", &admin)
            .await
            .json["enabled"],
        true
    );
    app.post("/api/admin/environments/nope/on", json!({}), &admin)
        .await
        .expect(404);
    app.post("/api/admin/environments/nope/off", json!({}), &admin)
        .await
        .expect(404);

    flag_with_strategy(&app, "checkout", "staging", "fs-1", "default").await;
    let rev = revision(&app).await;
    app.delete("/api/admin/environments/staging", &admin)
        .await
        .expect(200);
    assert!(revision(&app).await > rev);
    app.get("/api/admin/environments/staging", &admin)
        .await
        .expect(404);
    assert_eq!(
        events_of(&app, &admin, "environment-deleted").await[0]["data"]["name"],
        "staging"
    );
    app.delete("/api/admin/environments/staging", &admin)
        .await
        .expect(404);
}

#[tokio::test]
async fn protected_environments_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    exec(&app, "INSERT INTO environments (name, type, sort_order, enabled, protected, created_at) VALUES ('default', 'production', 1, TRUE, TRUE, '2026-01-02T00:00:00+00:00')").await;
    let res = app
        .put(
            "/api/admin/environments/default",
            json!({"sortOrder": 4}),
            &admin,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("protected"));
    app.delete("/api/admin/environments/default", &admin)
        .await
        .expect(403);
    assert_eq!(
        app.get("/api/admin/environments/default", &admin)
            .await
            .json["protected"],
        true
    );
}

#[tokio::test]
async fn editors_and_viewers_read_but_change_nothing() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    for who in [&editor, &viewer] {
        let res = app
            .post(
                "/api/admin/environments",
                json!({"name": "staging", "type": "test"}),
                who,
            )
            .await
            .expect(403);
        assert!(res.json["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ADMIN"));
        app.put(
            "/api/admin/environments/production",
            json!({"sortOrder": 1}),
            who,
        )
        .await
        .expect(403);
        app.put(
            "/api/admin/environments/sort-order",
            json!({"production": 1}),
            who,
        )
        .await
        .expect(403);
        app.post("/api/admin/environments/production/off", json!({}), who)
            .await
            .expect(403);
        app.post("/api/admin/environments/production/on", json!({}), who)
            .await
            .expect(403);
        app.delete("/api/admin/environments/production", who)
            .await
            .expect(403);
        app.get("/api/admin/environments/production", who)
            .await
            .expect(200);
    }
    let prod = app
        .get("/api/admin/environments/production", &viewer)
        .await
        .expect(200);
    assert_eq!(prod.json["enabled"], true);
    assert_eq!(prod.json["sortOrder"], 3);
    app.get("/api/admin/environments/staging", &viewer)
        .await
        .expect(404);
}
