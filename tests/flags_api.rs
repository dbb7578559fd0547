//! Feature flags through the Admin API: create, list, search, read, update, patch, archive,
//! revive, delete, flag types, tags, dependencies, variants, and the audit trail of a flag's
//! whole life.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn revision(app: &TestApp) -> i64 {
    let mut db = app.state.db.clone();
    switchyard::store::revision::current(&mut db)
        .await
        .expect("revision")
}

async fn create(app: &TestApp, auth: &Auth, project: &str, body: Value) -> Value {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        body,
        auth,
    )
    .await
    .expect(201)
    .json
}

#[tokio::test]
async fn create_and_read_a_flag() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let before = revision(&app).await;
    let res = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "flag-by-admin", "description": "created with the admin PAT", "type": "release"}),
            &admin,
        )
        .await
        .expect(201);
    let body = res.json;
    assert_eq!(body["name"], "flag-by-admin");
    assert_eq!(body["description"], "created with the admin PAT");
    assert_eq!(body["type"], "release");
    assert_eq!(body["project"], "default");
    assert_eq!(body["stale"], false);
    assert_eq!(body["impressionData"], false);
    assert_eq!(body["archived"], false);
    assert!(body["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(revision(&app).await > before);

    // Defaults: type release, description null.
    let minimal = create(&app, &admin, "default", json!({"name": "minimal"})).await;
    assert_eq!(minimal["type"], "release");
    assert_eq!(minimal["description"], Value::Null);

    let flag = app
        .get("/api/admin/projects/default/features/flag-by-admin", &admin)
        .await
        .expect(200)
        .json;
    for key in [
        "environments",
        "name",
        "favorite",
        "impressionData",
        "description",
        "project",
        "stale",
        "createdAt",
        "createdBy",
        "type",
        "archived",
        "dependencies",
        "children",
        "links",
        "collaborators",
    ] {
        assert!(flag.get(key).is_some(), "missing {key}");
    }
    assert_eq!(flag["createdBy"]["name"], "admin");
    assert!(flag["createdBy"]["imageUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://gravatar.com/avatar/"));
    let envs = flag["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["name"], "development");
    assert_eq!(envs[0]["type"], "development");
    assert_eq!(envs[0]["enabled"], false);
    assert_eq!(envs[0]["sortOrder"], 2);
    assert_eq!(envs[0]["strategies"], json!([]));
    assert_eq!(envs[1]["name"], "production");

    // Every flag type and impression data.
    let types = app
        .get("/api/admin/feature-types", &admin)
        .await
        .expect(200)
        .json;
    let ids: Vec<&str> = types["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "release",
            "experiment",
            "operational",
            "kill-switch",
            "permission"
        ]
    );
    assert_eq!(types["types"][2]["lifetimeDays"], 7);
    assert_eq!(types["types"][3]["lifetimeDays"], Value::Null);
    for t in &ids {
        let f = create(
            &app,
            &admin,
            "default",
            json!({"name": format!("typed-{t}"), "type": t, "impressionData": true}),
        )
        .await;
        assert_eq!(f["type"], *t);
        assert_eq!(f["impressionData"], true);
    }
}

#[tokio::test]
async fn flag_names_and_validation() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "other", "name": "Other"}),
        &admin,
    )
    .await
    .expect(201);

    // Any UTF-8 without control characters or '/', 1..=100 characters; percent-encoded in paths.
    let f = create(&app, &admin, "default", json!({"name": "café flag ✓"})).await;
    assert_eq!(f["name"], "café flag ✓");
    let read = app
        .get(
            "/api/admin/projects/default/features/caf%C3%A9%20flag%20%E2%9C%93",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(read.json["name"], "café flag ✓");
    create(&app, &admin, "default", json!({"name": "x".repeat(100)})).await;
    for bad in [
        json!(""),
        json!("x".repeat(101)),
        json!("a/b"),
        json!("tab\there"),
        json!("nl\n"),
    ] {
        let res = app
            .post(
                "/api/admin/projects/default/features",
                json!({"name": bad}),
                &admin,
            )
            .await
            .expect(400);
        assert_eq!(res.json["name"], "BadDataError");
        assert_eq!(res.json["details"][0]["path"], "/body/name");
    }
    let res = app
        .post(
            "/api/admin/projects/default/features",
            json!({"description": "no name"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.contains("name"));
    let res = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "t", "type": "nonsense"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/type");
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nonsense"));

    // Unique across projects.
    create(&app, &admin, "default", json!({"name": "unique"})).await;
    let dup = app
        .post(
            "/api/admin/projects/other/features",
            json!({"name": "unique"}),
            &admin,
        )
        .await
        .expect(409);
    assert_eq!(dup.json["name"], "NameExistsError");
    assert_eq!(dup.json["message"], "A flag with that name already exists");
    app.delete("/api/admin/projects/default/features/unique", &admin)
        .await
        .expect(202);
    let dup = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "unique"}),
            &admin,
        )
        .await
        .expect(409);
    assert_eq!(
        dup.json["message"],
        "An archived flag with that name already exists"
    );

    // Unknown project or flag: 404 naming it.
    let res = app
        .post(
            "/api/admin/projects/ghost/features",
            json!({"name": "g"}),
            &admin,
        )
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("ghost"));
    let res = app
        .get("/api/admin/projects/default/features/ghost-flag", &admin)
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("ghost-flag"));
    // A flag is found only in its own project.
    create(&app, &admin, "other", json!({"name": "in-other"})).await;
    app.get("/api/admin/projects/default/features/in-other", &admin)
        .await
        .expect(404);
    app.get("/api/admin/projects/other/features/in-other", &admin)
        .await
        .expect(200);

    // Without a JSON content type: 415.
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/admin/projects/default/features")
        .header(
            "cookie",
            match &admin {
                Auth::Session(c) => c.clone(),
                _ => unreachable!(),
            },
        )
        .body(axum::body::Body::from("name=x"))
        .unwrap();
    common::send(&app.router, req).await.expect(415);
}

#[tokio::test]
async fn update_patch_and_list() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create(
        &app,
        &admin,
        "default",
        json!({"name": "alpha-one", "description": "first"}),
    )
    .await;
    create(
        &app,
        &admin,
        "default",
        json!({"name": "beta-two", "type": "experiment"}),
    )
    .await;

    let upd = app
        .put(
            "/api/admin/projects/default/features/alpha-one",
            json!({"description": "changed", "type": "operational", "stale": true, "impressionData": true}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(upd.json["description"], "changed");
    assert_eq!(upd.json["type"], "operational");
    assert_eq!(upd.json["stale"], true);
    assert_eq!(upd.json["impressionData"], true);
    // An explicit null clears the description; leaving it out keeps it.
    app.put(
        "/api/admin/projects/default/features/beta-two",
        json!({"description": "to be cleared"}),
        &admin,
    )
    .await
    .expect(200);
    let cleared = app
        .put(
            "/api/admin/projects/default/features/beta-two",
            json!({"description": null}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(cleared.json["description"], Value::Null);
    let kept = app
        .put(
            "/api/admin/projects/default/features/alpha-one",
            json!({"stale": true}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(kept.json["description"], "changed");
    let stale_events = app
        .get("/api/admin/search/events?type=feature-stale-on", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(stale_events["events"][0]["featureName"], "alpha-one");
    app.put(
        "/api/admin/projects/default/features/alpha-one",
        json!({"type": "weird"}),
        &admin,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/projects/default/features/alpha-one",
        json!({"name": "renamed"}),
        &admin,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/projects/default/features/ghost",
        json!({"description": "x"}),
        &admin,
    )
    .await
    .expect(404);

    let patched = app
        .call(
            "PATCH",
            "/api/admin/projects/default/features/alpha-one",
            Some(json!([{"op": "replace", "path": "/description", "value": "patched"}, {"op": "replace", "path": "/stale", "value": false}])),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(patched.json["description"], "patched");
    assert_eq!(patched.json["stale"], false);
    assert_eq!(patched.json["type"], "operational");
    let bad = app
        .call(
            "PATCH",
            "/api/admin/projects/default/features/alpha-one",
            Some(json!([{"op": "replace", "path": "/nope", "value": 1}])),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(bad.json["name"], "BadDataError");
    app.call(
        "PATCH",
        "/api/admin/projects/default/features/alpha-one",
        Some(json!([{"op": "replace", "path": "/type", "value": "bogus"}])),
        &admin,
    )
    .await
    .expect(400);
    app.call(
        "PATCH",
        "/api/admin/projects/default/features/alpha-one",
        Some(json!({"op": "nope"})),
        &admin,
    )
    .await
    .expect(400);

    let list = app
        .get("/api/admin/projects/default/features", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(list["version"], 1);
    let names: Vec<&str> = list["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["alpha-one", "beta-two"]);
    assert_eq!(
        list["features"][0]["environments"][0]["hasStrategies"],
        false
    );
    app.get("/api/admin/projects/ghost/features", &admin)
        .await
        .expect(404);

    let legacy = app
        .get("/api/admin/features", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(legacy["version"], 2);
    assert_eq!(legacy["features"].as_array().unwrap().len(), 2);
    let prefixed = app
        .get("/api/admin/features?namePrefix=beta", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(prefixed["features"].as_array().unwrap().len(), 1);

    let search = app
        .get("/api/admin/search/features?query=ALPHA", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["total"], 1);
    assert_eq!(search["features"][0]["name"], "alpha-one");
    assert_eq!(search["features"][0]["dependencyType"], Value::Null);
    assert!(search["features"][0]["environments"].is_array());
    let search = app
        .get("/api/admin/search/features?project=IS:default", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["total"], 2);
    let search = app
        .get("/api/admin/search/features?type=IS:experiment", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["total"], 1);
    let page = app
        .get("/api/admin/search/features?limit=1&offset=1", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(page["total"], 2);
    assert_eq!(page["features"][0]["name"], "beta-two");
    app.get("/api/admin/search/features?project=IS:ghost", &admin)
        .await
        .expect(404);
    app.get("/api/admin/search/features?limit=abc", &admin)
        .await
        .expect(400);
}

#[tokio::test]
async fn archive_revive_and_delete() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create(&app, &admin, "default", json!({"name": "doomed"})).await;
    let before = revision(&app).await;
    app.delete("/api/admin/projects/default/features/doomed", &admin)
        .await
        .expect(202);
    assert!(revision(&app).await > before);
    app.get("/api/admin/projects/default/features/doomed", &admin)
        .await
        .expect(404);
    app.delete("/api/admin/projects/default/features/doomed", &admin)
        .await
        .expect(404);

    let archived = app
        .get("/api/admin/archive/features", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(archived["features"][0]["name"], "doomed");
    assert_eq!(archived["features"][0]["archived"], true);
    assert!(archived["features"][0]["archivedAt"].is_string());
    let archived = app
        .get("/api/admin/archive/features/default", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(archived["features"].as_array().unwrap().len(), 1);
    let search = app
        .get("/api/admin/search/features?archived=IS:true", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["total"], 1);
    assert!(search["features"][0]["archivedAt"].is_string());
    let active = app
        .get("/api/admin/search/features", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(active["total"], 0);

    app.post("/api/admin/archive/revive/doomed", json!({}), &admin)
        .await
        .expect(200);
    app.get("/api/admin/projects/default/features/doomed", &admin)
        .await
        .expect(200);
    app.post("/api/admin/archive/revive/doomed", json!({}), &admin)
        .await
        .expect(400);
    app.post("/api/admin/archive/revive/ghost", json!({}), &admin)
        .await
        .expect(404);
    // Only archived flags can be deleted for good.
    app.delete("/api/admin/archive/doomed", &admin)
        .await
        .expect(400);
    app.delete("/api/admin/projects/default/features/doomed", &admin)
        .await
        .expect(202);
    app.delete("/api/admin/archive/doomed", &admin)
        .await
        .expect(200);
    app.delete("/api/admin/archive/doomed", &admin)
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/admin/archive/features", &admin).await.json["features"],
        json!([])
    );
    // The name is free again.
    create(&app, &admin, "default", json!({"name": "doomed"})).await;
}

#[tokio::test]
async fn tags_on_flags() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create(
        &app,
        &admin,
        "default",
        json!({"name": "tagged", "tags": [{"type": "simple", "value": "from-create"}]}),
    )
    .await;
    let res = app
        .post(
            "/api/admin/features/tagged/tags",
            json!({"type": "simple", "value": "team-x"}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(res.json, json!({"type": "simple", "value": "team-x"}));
    app.post(
        "/api/admin/features/tagged/tags",
        json!({"type": "simple", "value": "team-x"}),
        &admin,
    )
    .await
    .expect(201);
    let tags = app
        .get("/api/admin/features/tagged/tags", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(tags["version"], 1);
    assert_eq!(
        tags["tags"],
        json!([{"type": "simple", "value": "from-create"}, {"type": "simple", "value": "team-x"}])
    );

    app.post(
        "/api/admin/features/tagged/tags",
        json!({"type": "nope", "value": "team-x"}),
        &admin,
    )
    .await
    .expect(404);
    let short = app
        .post(
            "/api/admin/features/tagged/tags",
            json!({"type": "simple", "value": "x"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(short.json["details"][0]["path"], "/body/value");
    app.post(
        "/api/admin/features/ghost/tags",
        json!({"type": "simple", "value": "team-x"}),
        &admin,
    )
    .await
    .expect(404);
    app.get("/api/admin/features/ghost/tags", &admin)
        .await
        .expect(404);

    let res = app
        .put(
            "/api/admin/features/tagged/tags",
            json!({"addedTags": [{"type": "simple", "value": "new-one"}], "removedTags": [{"type": "simple", "value": "from-create"}]}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json["tags"],
        json!([{"type": "simple", "value": "team-x"}, {"type": "simple", "value": "new-one"}])
    );
    app.delete("/api/admin/features/tagged/tags/simple/team-x", &admin)
        .await
        .expect(200);
    let tags = app
        .get("/api/admin/features/tagged/tags", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        tags["tags"],
        json!([{"type": "simple", "value": "new-one"}])
    );
    // Search shows them.
    let search = app
        .get("/api/admin/search/features?query=tagged", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        search["features"][0]["tags"],
        json!([{"type": "simple", "value": "new-one"}])
    );
}

#[tokio::test]
async fn dependencies_between_flags() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for n in ["parent", "child", "grandchild", "other"] {
        create(&app, &admin, "default", json!({"name": n})).await;
    }
    let before = revision(&app).await;
    app.post(
        "/api/admin/projects/default/features/child/dependencies",
        json!({"feature": "parent", "variants": ["blue"]}),
        &admin,
    )
    .await
    .expect(200);
    assert!(revision(&app).await > before);
    let child = app
        .get("/api/admin/projects/default/features/child", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        child["dependencies"],
        json!([{"feature": "parent", "enabled": true, "variants": ["blue"]}])
    );
    let parent = app
        .get("/api/admin/projects/default/features/parent", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(parent["children"], json!(["child"]));
    let search = app
        .get("/api/admin/search/features?query=parent", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["features"][0]["dependencyType"], "parent");

    // Itself, unknown parent, a parent with a parent, a child with children: 400 naming it.
    let res = app
        .post(
            "/api/admin/projects/default/features/other/dependencies",
            json!({"feature": "other"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("itself"));
    let res = app
        .post(
            "/api/admin/projects/default/features/other/dependencies",
            json!({"feature": "ghost"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("ghost"));
    let res = app
        .post(
            "/api/admin/projects/default/features/grandchild/dependencies",
            json!({"feature": "child"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("child"));
    app.post(
        "/api/admin/projects/default/features/parent/dependencies",
        json!({"feature": "other"}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/default/features/ghost/dependencies",
        json!({"feature": "parent"}),
        &admin,
    )
    .await
    .expect(404);

    // enabled: false drops the variants; a child may have several parents (the SDKs evaluate all).
    app.post(
        "/api/admin/projects/default/features/grandchild/dependencies",
        json!({"feature": "parent", "enabled": false, "variants": ["x"]}),
        &admin,
    )
    .await
    .expect(200);
    let gc = app
        .get("/api/admin/projects/default/features/grandchild", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        gc["dependencies"],
        json!([{"feature": "parent", "enabled": false}])
    );
    app.post(
        "/api/admin/projects/default/features/grandchild/dependencies",
        json!({"feature": "other"}),
        &admin,
    )
    .await
    .expect(200);
    let gc = app
        .get("/api/admin/projects/default/features/grandchild", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        gc["dependencies"],
        json!([{"feature": "other", "enabled": true}, {"feature": "parent", "enabled": false}])
    );
    // Adding a parent again replaces its options.
    app.post(
        "/api/admin/projects/default/features/grandchild/dependencies",
        json!({"feature": "parent", "variants": ["v1"]}),
        &admin,
    )
    .await
    .expect(200);
    let gc = app
        .get("/api/admin/projects/default/features/grandchild", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        gc["dependencies"],
        json!([{"feature": "other", "enabled": true}, {"feature": "parent", "enabled": true, "variants": ["v1"]}])
    );

    let options = app
        .get("/api/admin/projects/default/features/other/parents", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(options, json!(["parent"]));

    // Variant names a child could require of a parent; whether the project has dependencies.
    app.put(
        "/api/admin/projects/default/features/parent/environments/production/variants",
        json!([{"name": "blue", "weight": 500}, {"name": "red", "weight": 500}]),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/default/features/parent/environments/development/strategies",
        json!({"name": "default", "variants": [{"name": "green", "weight": 1000, "weightType": "fix", "stickiness": "default"}]}),
        &admin,
    )
    .await
    .expect(200);
    let options = app
        .get(
            "/api/admin/projects/default/features/parent/parent-variants",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(options, json!(["blue", "green", "red"]));
    assert_eq!(
        app.get("/api/admin/projects/default/dependencies", &admin)
            .await
            .expect(200)
            .json,
        json!(true)
    );
    app.get("/api/admin/projects/ghost/dependencies", &admin)
        .await
        .expect(404);

    // A parent with active children cannot be archived.
    app.delete("/api/admin/projects/default/features/parent", &admin)
        .await
        .expect(403);
    app.delete(
        "/api/admin/projects/default/features/child/dependencies/parent",
        &admin,
    )
    .await
    .expect(200);
    app.delete(
        "/api/admin/projects/default/features/grandchild/dependencies",
        &admin,
    )
    .await
    .expect(200);
    let child = app
        .get("/api/admin/projects/default/features/child", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(child["dependencies"], json!([]));
    assert_eq!(
        app.get("/api/admin/projects/default/dependencies", &admin)
            .await
            .expect(200)
            .json,
        json!(false)
    );
    app.delete("/api/admin/projects/default/features/parent", &admin)
        .await
        .expect(202);
}

#[tokio::test]
async fn flag_variants_keep_what_was_sent() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create(&app, &admin, "default", json!({"name": "v"})).await;
    let variants = json!([
        {"name": "b", "weight": 200, "weightType": "fix", "stickiness": "userId", "payload": {"type": "json", "value": "{\"a\":1}"}, "overrides": [{"contextName": "userId", "values": ["7"]}]},
        {"name": "a", "weight": 33, "weightType": "variable", "stickiness": "default"},
        {"name": "c", "weight": 33, "weightType": "variable", "stickiness": "default"},
    ]);
    let res = app
        .put(
            "/api/admin/projects/default/features/v/environments/development/variants",
            variants.clone(),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(res.json, json!({"version": 1, "variants": variants}));
    let got = app
        .get(
            "/api/admin/projects/default/features/v/environments/development/variants",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(got["variants"], variants);
    let flag = app
        .get("/api/admin/projects/default/features/v", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(flag["environments"][0]["variants"], variants);
    assert_eq!(flag["environments"][1]["variants"], json!([]));

    // Only `fix` variants are fine; defaults are filled in.
    let fixed = json!([{"name": "x", "weight": 100, "weightType": "fix"}, {"name": "y", "weight": 900, "weightType": "fix"}]);
    let res = app
        .put(
            "/api/admin/projects/default/features/v/environments/production/variants",
            fixed,
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json["variants"][1],
        json!({"name": "y", "weight": 900, "weightType": "fix", "stickiness": "default"})
    );

    let patched = app
        .call(
            "PATCH",
            "/api/admin/projects/default/features/v/environments/production/variants",
            Some(json!([{"op": "remove", "path": "/0"}])),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(patched.json["variants"].as_array().unwrap().len(), 1);

    // Validation names the field.
    let res = app
        .put(
            "/api/admin/projects/default/features/v/environments/production/variants",
            json!([{"name": "x", "weight": 2000}]),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/0/weight");
    let res = app
        .put(
            "/api/admin/projects/default/features/v/environments/production/variants",
            json!([{"name": "x", "weight": 1, "payload": {"type": "xml", "value": "<a/>"}}]),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/0/payload/type");
    app.put(
        "/api/admin/projects/default/features/v/environments/staging/variants",
        json!([]),
        &admin,
    )
    .await
    .expect(404);

    // The older route writes every environment.
    let legacy = json!([{"name": "only", "weight": 1000, "weightType": "variable", "stickiness": "default"}]);
    app.put(
        "/api/admin/projects/default/features/v/variants",
        legacy.clone(),
        &admin,
    )
    .await
    .expect(200);
    let got = app
        .get("/api/admin/projects/default/features/v/variants", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(got["variants"], legacy);
    let flag = app
        .get("/api/admin/projects/default/features/v", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(flag["environments"][1]["variants"], legacy);
    app.call(
        "PATCH",
        "/api/admin/projects/default/features/v/variants",
        Some(json!([{"op": "replace", "path": "/0/weight", "value": 500}])),
        &admin,
    )
    .await
    .expect(200);
    let got = app
        .get(
            "/api/admin/projects/default/features/v/environments/production/variants",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(got["variants"][0]["weight"], 500);
}

#[tokio::test]
async fn audit_trail_of_a_flag_life() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vic", "Viewer").await;
    create(&app, &admin, "default", json!({"name": "other-parent"})).await;
    let start = revision(&app).await;

    create(
        &app,
        &admin,
        "default",
        json!({"name": "life", "description": "v1"}),
    )
    .await;
    app.put(
        "/api/admin/projects/default/features/life",
        json!({"description": "v2"}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/default/features/life/environments/development/on",
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let s = app
        .post(
            "/api/admin/projects/default/features/life/environments/production/strategies",
            json!({"name": "default", "parameters": {}}),
            &admin,
        )
        .await
        .expect(200)
        .json;
    let sid = s["id"].as_str().unwrap().to_string();
    app.put(
        &format!(
            "/api/admin/projects/default/features/life/environments/production/strategies/{sid}"
        ),
        json!({"title": "everyone"}),
        &admin,
    )
    .await
    .expect(200);
    app.delete(
        &format!(
            "/api/admin/projects/default/features/life/environments/production/strategies/{sid}"
        ),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/default/features/life/environments/development/off",
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    app.put(
        "/api/admin/projects/default/features/life/environments/development/variants",
        json!([{"name": "a", "weight": 1000}]),
        &admin,
    )
    .await
    .expect(200);
    app.put(
        "/api/admin/projects/default/features/life/variants",
        json!([{"name": "b", "weight": 1000}]),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/features/life/tags",
        json!({"type": "simple", "value": "audited"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/default/features/life/dependencies",
        json!({"feature": "other-parent"}),
        &admin,
    )
    .await
    .expect(200);
    app.delete(
        "/api/admin/projects/default/features/life/dependencies/other-parent",
        &admin,
    )
    .await
    .expect(200);
    app.delete("/api/admin/projects/default/features/life", &admin)
        .await
        .expect(202);
    app.post("/api/admin/archive/revive/life", json!({}), &admin)
        .await
        .expect(200);
    app.delete("/api/admin/projects/default/features/life", &admin)
        .await
        .expect(202);
    app.delete("/api/admin/archive/life", &admin)
        .await
        .expect(200);

    // A Viewer may read a flag's own events.
    let res = app
        .get("/api/admin/events/life", &viewer)
        .await
        .expect(200)
        .json;
    let mut events: Vec<Value> = res["events"].as_array().unwrap().clone();
    events.reverse();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "feature-created",
            "feature-metadata-updated",
            "feature-strategy-add",
            "feature-environment-enabled",
            "feature-strategy-add",
            "feature-strategy-update",
            "feature-strategy-remove",
            "feature-environment-disabled",
            "feature-environment-variants-updated",
            "feature-variants-updated",
            "feature-tagged",
            "feature-dependency-added",
            "feature-dependency-removed",
            "feature-archived",
            "feature-revived",
            "feature-archived",
            "feature-deleted",
        ]
    );
    for e in &events {
        assert_eq!(e["createdBy"], "admin");
        assert_eq!(e["project"], "default");
        assert_eq!(e["featureName"], "life");
    }
    assert_eq!(events[0]["data"]["description"], "v1");
    assert_eq!(events[1]["preData"]["description"], "v1");
    assert_eq!(events[1]["data"]["description"], "v2");
    // Enabling without strategies added the default one, in the same environment.
    assert_eq!(events[2]["environment"], "development");
    assert_eq!(events[2]["data"]["name"], "flexibleRollout");
    assert_eq!(
        events[2]["data"]["parameters"],
        json!({"groupId": "life", "rollout": "100", "stickiness": "default"})
    );
    assert_eq!(events[3]["environment"], "development");
    assert_eq!(events[4]["environment"], "production");
    assert_eq!(events[5]["preData"]["title"], Value::Null);
    assert_eq!(events[5]["data"]["title"], "everyone");
    assert_eq!(events[6]["preData"]["id"], sid.as_str());
    assert_eq!(events[8]["data"]["variants"][0]["name"], "a");
    assert_eq!(
        events[11]["data"],
        json!({"feature": "other-parent", "enabled": true})
    );
    assert_eq!(events[16]["preData"]["name"], "life");

    // Every change that SDKs can see bumped the revision.
    assert!(
        revision(&app).await >= start + 15,
        "revision went from {start} to {}",
        revision(&app).await
    );
}

/// The flag requests recorded against the real Unleash (`exercise.py`, transcripts 040–048,
/// 054, 079–081, 117–120) give the same status codes and shapes here.
#[tokio::test]
async fn recorded_unleash_flag_requests() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    let (_, editor) = app.user("editor", "Editor").await;
    let (temp_id, temp) = app.user("temp", "Editor").await;
    let expires = (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339();
    let mut pats = Vec::new();
    for who in [&viewer, &editor, &admin, &temp] {
        let res = app
            .post(
                "/api/admin/user/tokens",
                json!({"description": "cli", "expiresAt": expires}),
                who,
            )
            .await
            .expect(201);
        pats.push(Auth::Token(
            res.json["secret"].as_str().unwrap().to_string(),
        ));
    }
    let (v, e, a, t) = (&pats[0], &pats[1], &pats[2], &pats[3]);

    for (who, status) in [(v, 200), (e, 200), (a, 200)] {
        app.get("/api/admin/projects", who).await.expect(status);
    }
    let denied = app
        .post(BASE_FEATURES, json!({"name": "flag-by-viewer", "description": "created with the viewer PAT", "type": "release"}), v)
        .await
        .expect(403);
    assert_eq!(denied.json["permissions"], json!(["CREATE_FEATURE"]));
    let created = app
        .post(BASE_FEATURES, json!({"name": "flag-by-editor", "description": "created with the editor PAT", "type": "release"}), e)
        .await
        .expect(201)
        .json;
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8, "{keys:?}");
    app.post(BASE_FEATURES, json!({"name": "flag-by-admin", "description": "created with the admin PAT", "type": "release"}), a).await.expect(201);
    for who in [v, e, a] {
        let flag = app
            .get(&format!("{BASE_FEATURES}/flag-by-editor"), who)
            .await
            .expect(200)
            .json;
        assert_eq!(flag["createdBy"]["name"], "editor");
        assert_eq!(flag["collaborators"]["users"][0]["name"], "editor");
    }
    // A viewer's session wins over an editor's PAT sent alongside it.
    let (cookie, token) = match (&viewer, e) {
        (Auth::Session(c), Auth::Token(t)) => (c.clone(), t.clone()),
        _ => unreachable!(),
    };
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(BASE_FEATURES)
        .header("cookie", cookie)
        .header("authorization", token)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"name": "flag-cookie-and-pat"}).to_string(),
        ))
        .unwrap();
    common::send(&app.router, req).await.expect(403);

    app.post(BASE_FEATURES, json!({"name": "flag-by-temp"}), t)
        .await
        .expect(201);
    app.put(
        &format!("/api/admin/user-admin/{temp_id}"),
        json!({"rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(200);
    app.post(BASE_FEATURES, json!({"name": "flag-by-temp-2"}), t)
        .await
        .expect(403);

    // Enabling shows at once in the client API, with the default strategy.
    let client = app
        .post("/api/admin/api-tokens", json!({"tokenName": "anchor-client", "type": "client", "environment": "development", "projects": ["*"]}), &admin)
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let client = Auth::Token(client);
    let single = app
        .get("/api/client/features/flag-by-editor", &client)
        .await
        .expect(200)
        .json;
    assert_eq!(single["enabled"], false);
    app.post(
        &format!("{BASE_FEATURES}/flag-by-editor/environments/development/on"),
        json!({}),
        a,
    )
    .await
    .expect(200);
    let all = app
        .get("/api/client/features", &client)
        .await
        .expect(200)
        .json;
    let f = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "flag-by-editor")
        .unwrap()
        .clone();
    assert_eq!(f["enabled"], true);
    assert_eq!(f["strategies"][0]["name"], "flexibleRollout");
    assert_eq!(
        f["strategies"][0]["parameters"],
        json!({"groupId": "flag-by-editor", "rollout": "100", "stickiness": "default"})
    );
}

const BASE_FEATURES: &str = "/api/admin/projects/default/features";

#[tokio::test]
async fn validate_and_clone() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    create(
        &app,
        &admin,
        "default",
        json!({"name": "source", "type": "experiment", "description": "d", "impressionData": true}),
    )
    .await;

    app.post(
        "/api/admin/features/validate",
        json!({"name": "free-name"}),
        &viewer,
    )
    .await
    .expect(200);
    let taken = app
        .post(
            "/api/admin/features/validate",
            json!({"name": "source"}),
            &viewer,
        )
        .await
        .expect(409);
    assert_eq!(
        taken.json["message"],
        "A flag with that name already exists"
    );
    app.post(
        "/api/admin/features/validate",
        json!({"name": "a/b"}),
        &viewer,
    )
    .await
    .expect(400);

    let seg = app
        .post(
            "/api/admin/segments",
            json!({"name": "seg-one", "constraints": []}),
            &admin,
        )
        .await
        .expect(201)
        .json["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("{BASE_FEATURES}/source/environments/production/strategies"),
        json!({"name": "flexibleRollout", "parameters": {"rollout": "20", "stickiness": "default", "groupId": "source"}, "segments": [seg]}),
        &admin,
    )
    .await
    .expect(200);
    app.put(
        &format!("{BASE_FEATURES}/source/environments/production/variants"),
        json!([{"name": "v", "weight": 1000}]),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        &format!("{BASE_FEATURES}/source/environments/production/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let search = app
        .get("/api/admin/search/features?query=source", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(search["features"][0]["segments"], json!(["seg-one"]));

    app.post(
        &format!("{BASE_FEATURES}/source/clone"),
        json!({"name": "copy"}),
        &viewer,
    )
    .await
    .expect(403);
    let copy = app
        .post(
            &format!("{BASE_FEATURES}/source/clone"),
            json!({"name": "copy"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    assert_eq!(copy["name"], "copy");
    assert_eq!(copy["type"], "experiment");
    assert_eq!(copy["impressionData"], true);
    let got = app
        .get(&format!("{BASE_FEATURES}/copy"), &admin)
        .await
        .expect(200)
        .json;
    let prod = &got["environments"][1];
    assert_eq!(prod["enabled"], false);
    assert_eq!(prod["strategies"][0]["parameters"]["groupId"], "copy");
    assert_eq!(prod["strategies"][0]["segments"], json!([seg]));
    assert_eq!(prod["variants"][0]["name"], "v");
    app.post(
        &format!("{BASE_FEATURES}/source/clone"),
        json!({"name": "copy"}),
        &admin,
    )
    .await
    .expect(409);
    app.post(
        &format!("{BASE_FEATURES}/ghost/clone"),
        json!({"name": "copy2"}),
        &admin,
    )
    .await
    .expect(404);
    let kept = app
        .post(
            &format!("{BASE_FEATURES}/source/clone"),
            json!({"name": "copy3", "replaceGroupId": false}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(kept.json["name"], "copy3");
    let got = app
        .get(&format!("{BASE_FEATURES}/copy3"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        got["environments"][1]["strategies"][0]["parameters"]["groupId"],
        "source"
    );
}

#[tokio::test]
async fn batch_operations() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "other", "name": "Other"}),
        &admin,
    )
    .await
    .expect(201);
    for n in ["b1", "b2", "b3"] {
        create(&app, &admin, "default", json!({"name": n})).await;
    }
    create(&app, &admin, "other", json!({"name": "elsewhere"})).await;

    app.post(
        "/api/admin/projects/default/stale",
        json!({"features": ["b1", "b2"], "stale": true}),
        &admin,
    )
    .await
    .expect(202);
    let b1 = app
        .get(&format!("{BASE_FEATURES}/b1"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(b1["stale"], true);

    app.put(
        &format!("{BASE_FEATURES}/b3/variants-batch"),
        json!({"variants": [{"name": "x", "weight": 1000}], "environments": ["development", "production"]}),
        &admin,
    )
    .await
    .expect(200);
    let b3 = app
        .get(&format!("{BASE_FEATURES}/b3"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(b3["environments"][0]["variants"][0]["name"], "x");
    assert_eq!(b3["environments"][1]["variants"][0]["name"], "x");

    // All or nothing: a parent with an active child stops the whole batch.
    create(&app, &admin, "default", json!({"name": "kid"})).await;
    app.post(
        &format!("{BASE_FEATURES}/kid/dependencies"),
        json!({"feature": "b3"}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/default/archive",
        json!({"features": ["b1", "b3"]}),
        &admin,
    )
    .await
    .expect(403);
    app.get(&format!("{BASE_FEATURES}/b1"), &admin)
        .await
        .expect(200);
    app.delete(&format!("{BASE_FEATURES}/kid"), &admin)
        .await
        .expect(202);
    app.delete("/api/admin/archive/kid", &admin)
        .await
        .expect(200);
    // Unknown names are skipped when archiving; flags of other projects are refused.
    app.post(
        "/api/admin/projects/default/archive",
        json!({"features": ["b1", "elsewhere"]}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/default/archive",
        json!({"features": ["b1", "b2", "ghost"]}),
        &admin,
    )
    .await
    .expect(202);
    let archived = app
        .get("/api/admin/archive/features/default", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(archived["features"].as_array().unwrap().len(), 2);
    // Deleting needs archived flags; reviving too.
    app.post(
        "/api/admin/projects/default/delete",
        json!({"features": ["b1", "b3"]}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/default/revive",
        json!({"features": ["b1", "b3"]}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/default/revive",
        json!({"features": ["b1"]}),
        &admin,
    )
    .await
    .expect(200);
    app.get(&format!("{BASE_FEATURES}/b1"), &admin)
        .await
        .expect(200);
    app.post(
        "/api/admin/projects/default/delete",
        json!({"features": ["b2"]}),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/search/features?archived=IS:true", &admin)
        .await
        .expect(200);
    assert_eq!(
        app.get("/api/admin/archive/features", &admin).await.json["features"],
        json!([])
    );
    app.post(
        "/api/admin/projects/default/delete",
        json!({"features": ["ghost"]}),
        &admin,
    )
    .await
    .expect(404);
    let (_, viewer) = app.user("viewer", "Viewer").await;
    app.post(
        "/api/admin/projects/default/archive",
        json!({"features": ["b1"]}),
        &viewer,
    )
    .await
    .expect(403);
    app.put(
        &format!("{BASE_FEATURES}/b3/variants-batch"),
        json!({"variants": [], "environments": ["production"]}),
        &viewer,
    )
    .await
    .expect(403);
}

/// The list rows are assembled for a whole page at once; each must agree with what the
/// flag's own routes say of it.
#[tokio::test]
async fn every_search_row_agrees_with_the_flags_own_routes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("row-editor", "Editor").await;
    let segment = app
        .post(
            "/api/admin/segments",
            json!({"name": "row-seg", "constraints": []}),
            &admin,
        )
        .await
        .expect(201)
        .json["id"]
        .clone();
    for (name, by) in [
        ("row-parent", &admin),
        ("row-child", &editor),
        ("row-plain", &admin),
    ] {
        create(&app, by, "default", json!({"name": name})).await;
    }
    for (name, n) in [("row-parent", 3), ("row-plain", 1)] {
        for i in 0..n {
            app.post(
                &format!("/api/admin/projects/default/features/{name}/environments/development/strategies"),
                json!({"name": "default", "segments": if i == 0 { json!([segment]) } else { json!([]) }}),
                &admin,
            )
            .await
            .expect(200);
        }
    }
    app.post(
        "/api/admin/projects/default/features/row-parent/environments/production/on",
        json!({}),
        &admin,
    )
    .await;
    app.post(
        "/api/admin/projects/default/features/row-child/dependencies",
        json!({"feature": "row-parent"}),
        &admin,
    )
    .await
    .expect(200);
    for value in ["aa", "bb"] {
        app.post(
            "/api/admin/features/row-child/tags",
            json!({"type": "simple", "value": value}),
            &admin,
        )
        .await
        .expect(201);
    }

    let rows = app
        .get("/api/admin/search/features?project=IS:default", &admin)
        .await
        .expect(200)
        .json["features"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows {
        let name = row["name"].as_str().unwrap();
        let detail = app
            .get(
                &format!("/api/admin/projects/default/features/{name}"),
                &admin,
            )
            .await
            .expect(200)
            .json;
        assert_eq!(row["createdBy"], detail["createdBy"], "{name}");
        let envs = |v: &Value| -> Vec<(Value, Value, Value, usize)> {
            v["environments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["name"].clone(),
                        e["type"].clone(),
                        e["enabled"].clone(),
                        e["strategies"].as_array().map_or(0, Vec::len),
                    )
                })
                .collect()
        };
        let (listed, own) = (envs(row), envs(&detail));
        assert_eq!(
            listed
                .iter()
                .map(|e| (&e.0, &e.1, &e.2))
                .collect::<Vec<_>>(),
            own.iter().map(|e| (&e.0, &e.1, &e.2)).collect::<Vec<_>>(),
            "{name}"
        );
        let tags = app
            .get(&format!("/api/admin/features/{name}/tags"), &admin)
            .await
            .expect(200)
            .json["tags"]
            .clone();
        assert_eq!(row["tags"], tags, "{name}");
        let expected_type = if !detail["dependencies"].as_array().unwrap().is_empty() {
            json!("child")
        } else if !detail["children"].as_array().unwrap().is_empty() {
            json!("parent")
        } else {
            Value::Null
        };
        assert_eq!(row["dependencyType"], expected_type, "{name}");
    }
    let by_name = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap().clone();
    assert_eq!(by_name("row-parent")["dependencyType"], "parent");
    assert_eq!(by_name("row-child")["dependencyType"], "child");
    assert_eq!(by_name("row-child")["createdBy"]["name"], "row-editor");
    assert_eq!(
        by_name("row-child")["tags"],
        json!([{"type": "simple", "value": "aa"}, {"type": "simple", "value": "bb"}])
    );
    assert_eq!(by_name("row-parent")["segments"], json!(["row-seg"]));
    assert_eq!(by_name("row-plain")["segments"], json!(["row-seg"]));
    assert_eq!(by_name("row-child")["segments"], json!([]));
    let prod = |r: &Value| {
        r["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "production")
            .unwrap()["enabled"]
            .clone()
    };
    assert_eq!(prod(&by_name("row-parent")), true);
    assert_eq!(prod(&by_name("row-plain")), false);
}
