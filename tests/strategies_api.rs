//! Strategy definitions: `/api/admin/strategies`.

mod catalog_support;
mod common;

use catalog_support::{events_of, flag_with_strategy};
use common::{Auth, TestApp};
use serde_json::json;

fn custom() -> serde_json::Value {
    json!({
        "name": "by-tenant",
        "title": "By tenant",
        "description": "Enable for some tenants",
        "parameters": [
            {"name": "tenants", "type": "list", "description": "Tenant ids", "required": true},
            {"name": "share", "type": "percentage"}
        ]
    })
}

#[tokio::test]
async fn built_ins_are_listed_in_unleash_order_for_any_signed_in_user() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let res = app.get("/api/admin/strategies", &viewer).await.expect(200);
    assert_eq!(res.json["version"], 1);
    let list = res.json["strategies"].as_array().expect("list");
    let names: Vec<&str> = list
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "flexibleRollout",
            "default",
            "userWithId",
            "remoteAddress",
            "applicationHostname",
            "gradualRolloutRandom",
            "gradualRolloutSessionId",
            "gradualRolloutUserId"
        ]
    );
    let flexible = &list[0];
    assert_eq!(flexible["displayName"], "Gradual rollout");
    assert_eq!(flexible["editable"], false);
    assert_eq!(flexible["deprecated"], false);
    let params: Vec<&str> = flexible["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(params, ["rollout", "stickiness", "groupId"]);
    assert_eq!(
        flexible["parameters"][0],
        json!({"name": "rollout", "type": "percentage", "description": "", "required": false})
    );
    assert_eq!(list[1]["displayName"], "Standard");
    assert_eq!(list[1]["parameters"], json!([]));
    assert_eq!(
        list[2]["deprecated"], true,
        "userWithId is deprecated since Unleash 5"
    );
    assert_eq!(list[3]["parameters"][0]["name"], "IPs");
    assert_eq!(list[3]["parameters"][0]["required"], true);

    let one = app
        .get("/api/admin/strategies/remoteAddress", &viewer)
        .await
        .expect(200);
    assert_eq!(one.json["displayName"], "IPs");
    assert_eq!(one.json["editable"], false);

    let missing = app
        .get("/api/admin/strategies/nope", &viewer)
        .await
        .expect(404);
    assert_eq!(missing.json["name"], "NotFoundError");
    assert!(missing.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("nope"));

    app.get("/api/admin/strategies", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn editor_creates_updates_deprecates_and_deletes_a_custom_strategy() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;

    let res = app
        .post("/api/admin/strategies", custom(), &editor)
        .await
        .expect(201);
    assert_eq!(
        res.header("location").as_deref(),
        Some("strategies/by-tenant")
    );
    assert_eq!(res.json["name"], "by-tenant");
    assert_eq!(res.json["title"], "By tenant");
    assert_eq!(res.json["editable"], true);
    assert_eq!(res.json["deprecated"], false);
    assert_eq!(res.json["displayName"], json!(null));
    assert_eq!(
        res.json["parameters"][1],
        json!({"name": "share", "type": "percentage", "description": "", "required": false})
    );

    let list = app.get("/api/admin/strategies", &editor).await.expect(200);
    assert_eq!(
        list.json["strategies"]
            .as_array()
            .expect("list")
            .last()
            .expect("last")["name"],
        "by-tenant"
    );
    let created = events_of(&app, &admin, "strategy-created").await;
    assert_eq!(created[0]["data"]["name"], "by-tenant");
    assert_eq!(created[0]["createdBy"], "eddie@example.com");

    // Update: the body's name is ignored, the path names the strategy.
    app.put(
        "/api/admin/strategies/by-tenant",
        json!({"name": "other", "description": "Only tenants", "parameters": [{"name": "tenants", "type": "list"}]}),
        &editor,
    )
    .await
    .expect(200);
    let got = app
        .get("/api/admin/strategies/by-tenant", &editor)
        .await
        .expect(200);
    assert_eq!(got.json["description"], "Only tenants");
    assert_eq!(got.json["parameters"].as_array().map(Vec::len), Some(1));
    assert_eq!(got.json["title"], "By tenant", "title kept when not sent");
    app.get("/api/admin/strategies/other", &editor)
        .await
        .expect(404);
    let updated = events_of(&app, &admin, "strategy-updated").await;
    assert_eq!(
        updated[0]["preData"]["description"],
        "Enable for some tenants"
    );
    assert_eq!(updated[0]["data"]["description"], "Only tenants");

    app.post(
        "/api/admin/strategies/by-tenant/deprecate",
        json!({}),
        &editor,
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/admin/strategies/by-tenant", &editor)
            .await
            .json["deprecated"],
        true
    );
    assert_eq!(
        events_of(&app, &admin, "strategy-deprecated").await[0]["data"],
        json!({"name": "by-tenant"})
    );
    app.post(
        "/api/admin/strategies/by-tenant/reactivate",
        json!({}),
        &editor,
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/admin/strategies/by-tenant", &editor)
            .await
            .json["deprecated"],
        false
    );
    assert_eq!(
        events_of(&app, &admin, "strategy-reactivated").await.len(),
        1
    );

    app.delete("/api/admin/strategies/by-tenant", &editor)
        .await
        .expect(200);
    app.get("/api/admin/strategies/by-tenant", &editor)
        .await
        .expect(404);
    assert_eq!(
        events_of(&app, &admin, "strategy-deleted").await[0]["data"]["name"],
        "by-tenant"
    );
    app.delete("/api/admin/strategies/by-tenant", &editor)
        .await
        .expect(404);
}

#[tokio::test]
async fn invalid_definitions_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let res = app
        .post("/api/admin/strategies", json!({"parameters": []}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["name"], "BadDataError");
    assert_eq!(res.json["details"][0]["path"], "/body/name");

    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": "has space", "parameters": []}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("has space"));

    let res = app
        .post("/api/admin/strategies", json!({"name": "ok-name"}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/parameters");

    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": "ok-name", "parameters": [{"name": "x", "type": "text"}]}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/parameters/0/type");
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("\"text\""));

    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": "ok-name", "parameters": [{"type": "string"}]}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/parameters/0/name");

    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": 5, "parameters": []}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");

    app.post("/api/admin/strategies", custom(), &admin)
        .await
        .expect(201);
    let res = app
        .post("/api/admin/strategies", custom(), &admin)
        .await
        .expect(409);
    assert_eq!(res.json["name"], "NameExistsError");
    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": "default", "parameters": []}),
            &admin,
        )
        .await
        .expect(409);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("default"));

    let res = app
        .put(
            "/api/admin/strategies/by-tenant",
            json!({"description": "x"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/parameters");

    // Not JSON → 415.
    let res = app
        .call("POST", "/api/admin/strategies", None, &admin)
        .await;
    assert_eq!(res.status.as_u16(), 415);
}

#[tokio::test]
async fn built_ins_cannot_be_changed_or_deleted_but_can_be_deprecated() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app
        .put(
            "/api/admin/strategies/default",
            json!({"description": "mine", "parameters": []}),
            &admin,
        )
        .await
        .expect(403);
    assert_eq!(res.json["name"], "OperationDeniedError");
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("default"));
    app.delete("/api/admin/strategies/flexibleRollout", &admin)
        .await
        .expect(403);
    assert_eq!(
        app.get("/api/admin/strategies/default", &admin).await.json["description"]
            .as_str()
            .map(|d| d.starts_with("This strategy")),
        Some(true)
    );

    app.put(
        "/api/admin/strategies/nope",
        json!({"parameters": []}),
        &admin,
    )
    .await
    .expect(404);
    app.post("/api/admin/strategies/nope/deprecate", json!({}), &admin)
        .await
        .expect(404);
    app.post("/api/admin/strategies/nope/reactivate", json!({}), &admin)
        .await
        .expect(404);

    app.post(
        "/api/admin/strategies/applicationHostname/deprecate",
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/admin/strategies/applicationHostname", &admin)
            .await
            .json["deprecated"],
        true
    );
}

#[tokio::test]
async fn a_strategy_in_use_by_a_flag_is_not_deleted() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post("/api/admin/strategies", custom(), &admin)
        .await
        .expect(201);
    flag_with_strategy(&app, "checkout", "development", "fs-1", "by-tenant").await;
    let res = app
        .delete("/api/admin/strategies/by-tenant", &admin)
        .await
        .expect(400);
    let msg = res.json["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("by-tenant") && msg.contains("used by 1"),
        "{msg}"
    );
    app.get("/api/admin/strategies/by-tenant", &admin)
        .await
        .expect(200);
}

#[tokio::test]
async fn viewers_read_but_change_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.post("/api/admin/strategies", custom(), &admin)
        .await
        .expect(201);

    let res = app
        .post(
            "/api/admin/strategies",
            json!({"name": "mine", "parameters": []}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("CREATE_STRATEGY"));
    let res = app
        .put(
            "/api/admin/strategies/by-tenant",
            json!({"parameters": []}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UPDATE_STRATEGY"));
    let res = app
        .delete("/api/admin/strategies/by-tenant", &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("DELETE_STRATEGY"));
    app.post(
        "/api/admin/strategies/by-tenant/deprecate",
        json!({}),
        &viewer,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/strategies/by-tenant/reactivate",
        json!({}),
        &viewer,
    )
    .await
    .expect(403);

    let got = app
        .get("/api/admin/strategies/by-tenant", &viewer)
        .await
        .expect(200);
    assert_eq!(got.json["description"], "Enable for some tenants");
    assert_eq!(got.json["deprecated"], false);
    app.get("/api/admin/strategies/mine", &viewer)
        .await
        .expect(404);
}

#[tokio::test]
async fn the_openapi_document_lists_every_catalog_route() {
    let app = TestApp::new().await;
    let res = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    let paths = &res.json["paths"];
    let expected = [
        ("/api/admin/strategies", &["get", "post"][..]),
        ("/api/admin/strategies/{name}", &["get", "put", "delete"]),
        ("/api/admin/strategies/{strategyName}/deprecate", &["post"]),
        ("/api/admin/strategies/{strategyName}/reactivate", &["post"]),
        ("/api/admin/context", &["get", "post"]),
        ("/api/admin/context/validate", &["post"]),
        (
            "/api/admin/context/{contextField}",
            &["get", "put", "delete"],
        ),
        ("/api/admin/context/{contextField}/strategies", &["get"]),
        ("/api/admin/context/{contextField}/legal-values", &["post"]),
        (
            "/api/admin/context/{contextField}/legal-values/{legalValue}",
            &["delete"],
        ),
        ("/api/admin/segments", &["get", "post"]),
        ("/api/admin/segments/validate", &["post"]),
        ("/api/admin/segments/{id}", &["get", "put", "delete"]),
        ("/api/admin/segments/{id}/strategies", &["get"]),
        ("/api/admin/environments", &["get", "post"]),
        ("/api/admin/environments/sort-order", &["put"]),
        ("/api/admin/environments/{name}", &["get", "put", "delete"]),
        ("/api/admin/environments/{name}/on", &["post"]),
        ("/api/admin/environments/{name}/off", &["post"]),
        ("/api/admin/environments/project/{projectId}", &["get"]),
        ("/api/admin/tag-types", &["get", "post"]),
        ("/api/admin/tag-types/validate", &["post"]),
        ("/api/admin/tag-types/{name}", &["get", "put", "delete"]),
        ("/api/admin/tags", &["get"]),
    ];
    for (path, methods) in expected {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is not documented");
        }
    }
}
