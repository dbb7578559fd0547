//! Context fields: `/api/admin/context`.

mod catalog_support;
mod common;

use catalog_support::{events_of, exec, flag_with_strategy};
use common::{Auth, TestApp};
use serde_json::json;

#[tokio::test]
async fn built_in_fields_are_always_listed() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let res = app.get("/api/admin/context", &viewer).await.expect(200);
    let names: Vec<&str> = res
        .json
        .as_array()
        .expect("list")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "environment",
            "userId",
            "appName",
            "currentTime",
            "sessionId",
            "remoteAddress"
        ]
    );
    let session = &res.json[4];
    assert_eq!(session["stickiness"], true);
    assert_eq!(session["sortOrder"], 4);
    assert_eq!(
        session["description"],
        "Allows you to constrain on sessionId"
    );
    assert_eq!(session["legalValues"], json!([]));
    assert_eq!(session["usedInFeatures"], 0);
    assert!(session["createdAt"].as_str().is_some());

    let one = app
        .get("/api/admin/context/userId", &viewer)
        .await
        .expect(200);
    assert_eq!(one.json["name"], "userId");
    let missing = app
        .get("/api/admin/context/tenant", &viewer)
        .await
        .expect(404);
    assert_eq!(missing.json["name"], "NotFoundError");
    assert!(missing.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("tenant"));

    app.get("/api/admin/context", &Auth::None).await.expect(401);
}

#[tokio::test]
async fn editor_manages_a_custom_field_with_legal_values() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;

    let body = json!({
        "name": "tenant",
        "description": "The customer",
        "stickiness": true,
        "sortOrder": 20,
        "legalValues": [{"value": "acme", "description": "Acme Inc"}, {"value": "globex"}]
    });
    let res = app
        .post("/api/admin/context", body, &editor)
        .await
        .expect(201);
    assert_eq!(res.header("location").as_deref(), Some("context/tenant"));
    assert_eq!(res.json["name"], "tenant");
    assert_eq!(res.json["stickiness"], true);
    assert_eq!(res.json["sortOrder"], 20);
    assert_eq!(
        res.json["legalValues"],
        json!([{"value": "acme", "description": "Acme Inc"}, {"value": "globex"}])
    );
    assert_eq!(
        events_of(&app, &admin, "context-field-created").await[0]["data"]["name"],
        "tenant"
    );

    let list = app.get("/api/admin/context", &editor).await.expect(200);
    assert_eq!(
        list.json.as_array().expect("list").last().expect("last")["name"],
        "tenant"
    );

    app.put(
        "/api/admin/context/tenant",
        json!({"description": "Paying customer", "legalValues": [{"value": "initech"}]}),
        &editor,
    )
    .await
    .expect(200);
    let got = app
        .get("/api/admin/context/tenant", &editor)
        .await
        .expect(200);
    assert_eq!(got.json["description"], "Paying customer");
    assert_eq!(got.json["legalValues"], json!([{"value": "initech"}]));
    assert_eq!(got.json["stickiness"], true, "unsent properties are kept");
    let updated = events_of(&app, &admin, "context-field-updated").await;
    assert_eq!(updated[0]["preData"]["description"], "The customer");
    assert_eq!(updated[0]["data"]["description"], "Paying customer");

    app.post(
        "/api/admin/context/tenant/legal-values",
        json!({"value": "hooli", "description": "Hooli"}),
        &editor,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/context/tenant/legal-values",
        json!({"value": "initech", "description": "Initech"}),
        &editor,
    )
    .await
    .expect(200);
    let got = app
        .get("/api/admin/context/tenant", &editor)
        .await
        .expect(200);
    assert_eq!(
        got.json["legalValues"],
        json!([{"value": "initech", "description": "Initech"}, {"value": "hooli", "description": "Hooli"}])
    );
    app.delete("/api/admin/context/tenant/legal-values/initech", &editor)
        .await
        .expect(200);
    let got = app
        .get("/api/admin/context/tenant", &editor)
        .await
        .expect(200);
    assert_eq!(
        got.json["legalValues"],
        json!([{"value": "hooli", "description": "Hooli"}])
    );

    app.delete("/api/admin/context/tenant", &editor)
        .await
        .expect(200);
    app.get("/api/admin/context/tenant", &editor)
        .await
        .expect(404);
    assert_eq!(
        events_of(&app, &admin, "context-field-deleted").await[0]["data"]["name"],
        "tenant"
    );
    app.delete("/api/admin/context/tenant", &editor)
        .await
        .expect(404);
    app.put(
        "/api/admin/context/tenant",
        json!({"description": "x"}),
        &editor,
    )
    .await
    .expect(404);
    app.post(
        "/api/admin/context/tenant/legal-values",
        json!({"value": "x"}),
        &editor,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn invalid_fields_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let res = app
        .post(
            "/api/admin/context",
            json!({"description": "no name"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");
    let res = app
        .post("/api/admin/context", json!({"name": "has space"}), &admin)
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("has space"));
    let res = app
        .post(
            "/api/admin/context",
            json!({"name": "t", "legalValues": [{"value": "a"}, {"value": "a"}]}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/legalValues/1/value");
    let res = app
        .post(
            "/api/admin/context",
            json!({"name": "t", "legalValues": [{"description": "no value"}]}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/legalValues/0/value");
    let res = app
        .post(
            "/api/admin/context",
            json!({"name": "t", "sortOrder": "first"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/sortOrder");
    let res = app
        .post(
            "/api/admin/context",
            json!({"name": "t", "project": "nope"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/project");

    let res = app
        .post("/api/admin/context", json!({"name": "userId"}), &admin)
        .await
        .expect(409);
    assert_eq!(res.json["name"], "NameExistsError");

    // Project-scoped field.
    let res = app
        .post(
            "/api/admin/context",
            json!({"name": "region", "project": "default"}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(res.json["project"], "default");
}

#[tokio::test]
async fn name_validation_reports_free_taken_and_invalid_names() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.post(
        "/api/admin/context/validate",
        json!({"name": "tenant"}),
        &editor,
    )
    .await
    .expect(200);
    let res = app
        .post(
            "/api/admin/context/validate",
            json!({"name": "appName"}),
            &editor,
        )
        .await
        .expect(409);
    assert_eq!(
        res.json["message"],
        "A context field with that name already exist"
    );
    app.post("/api/admin/context/validate", json!({"name": ""}), &editor)
        .await
        .expect(400);
    app.post(
        "/api/admin/context/validate",
        json!({"name": "tenant"}),
        &viewer,
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn built_in_fields_cannot_be_deleted_and_usage_is_counted() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app
        .delete("/api/admin/context/userId", &admin)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("userId"));
    app.get("/api/admin/context/userId", &admin)
        .await
        .expect(200);

    flag_with_strategy(&app, "checkout", "development", "fs-1", "default").await;
    flag_with_strategy(&app, "checkout", "production", "fs-2", "default").await;
    exec(&app, r#"UPDATE feature_strategies SET constraints = '[{"contextName":"userId","operator":"IN","values":["1"]}]'"#).await;
    let got = app
        .get("/api/admin/context/userId", &admin)
        .await
        .expect(200);
    assert_eq!(got.json["usedInFeatures"], 1);
    assert_eq!(got.json["usedInProjects"], 1);
    let res = app
        .get("/api/admin/context/userId/strategies", &admin)
        .await
        .expect(200);
    assert_eq!(res.json["strategies"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        res.json["strategies"][0],
        json!({"id": "fs-1", "featureName": "checkout", "projectId": "default", "environment": "development", "strategyName": "default"})
    );
    let res = app
        .get("/api/admin/context/appName/strategies", &admin)
        .await
        .expect(200);
    assert_eq!(res.json["strategies"], json!([]));
    app.get("/api/admin/context/nope/strategies", &admin)
        .await
        .expect(404);
}

#[tokio::test]
async fn viewers_read_but_change_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.post(
        "/api/admin/context",
        json!({"name": "tenant", "legalValues": [{"value": "a"}]}),
        &admin,
    )
    .await
    .expect(201);

    let res = app
        .post("/api/admin/context", json!({"name": "other"}), &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("CREATE_CONTEXT_FIELD"));
    let res = app
        .put(
            "/api/admin/context/tenant",
            json!({"description": "x"}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UPDATE_CONTEXT_FIELD"));
    let res = app
        .delete("/api/admin/context/tenant", &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("DELETE_CONTEXT_FIELD"));
    app.post(
        "/api/admin/context/tenant/legal-values",
        json!({"value": "b"}),
        &viewer,
    )
    .await
    .expect(403);
    app.delete("/api/admin/context/tenant/legal-values/a", &viewer)
        .await
        .expect(403);

    let got = app
        .get("/api/admin/context/tenant", &viewer)
        .await
        .expect(200);
    assert_eq!(got.json["legalValues"], json!([{"value": "a"}]));
    assert_eq!(got.json["description"], json!(null));
    app.get("/api/admin/context/other", &viewer)
        .await
        .expect(404);
}
