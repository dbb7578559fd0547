//! Tag types (`/api/admin/tag-types`) and the tags in use (`/api/admin/tags`).

mod catalog_support;
mod common;

use catalog_support::{events_of, exec, flag_with_strategy};
use common::{Auth, TestApp};
use serde_json::json;

#[tokio::test]
async fn simple_is_seeded_and_readable_by_everyone() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let res = app.get("/api/admin/tag-types", &viewer).await.expect(200);
    assert_eq!(
        res.json,
        json!({"version": 1, "tagTypes": [{"name": "simple", "description": "Used to simplify filtering of features", "icon": "#", "color": null}]})
    );
    let one = app
        .get("/api/admin/tag-types/simple", &viewer)
        .await
        .expect(200);
    assert_eq!(one.json["version"], 1);
    assert_eq!(one.json["tagType"]["name"], "simple");
    let res = app
        .get("/api/admin/tag-types/team", &viewer)
        .await
        .expect(404);
    assert_eq!(res.json["message"], "Tagtype team could not be found");
    app.get("/api/admin/tag-types", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn editor_creates_updates_and_deletes_a_tag_type() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;

    let res = app
        .post(
            "/api/admin/tag-types",
            json!({"name": "team", "description": "Owning team", "color": "#aa00FF"}),
            &editor,
        )
        .await
        .expect(201);
    assert_eq!(res.header("location").as_deref(), Some("tag-types/team"));
    assert_eq!(
        res.json,
        json!({"name": "team", "description": "Owning team", "icon": null, "color": "#aa00FF"})
    );
    assert_eq!(
        events_of(&app, &admin, "tag-type-created").await[0]["data"]["name"],
        "team"
    );

    let list = app.get("/api/admin/tag-types", &editor).await.expect(200);
    let names: Vec<&str> = list.json["tagTypes"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["simple", "team"]);

    app.put(
        "/api/admin/tag-types/team",
        json!({"description": "The team that owns it", "icon": "group"}),
        &editor,
    )
    .await
    .expect(200);
    let got = app
        .get("/api/admin/tag-types/team", &editor)
        .await
        .expect(200);
    assert_eq!(
        got.json["tagType"],
        json!({"name": "team", "description": "The team that owns it", "icon": "group", "color": "#aa00FF"})
    );
    let updated = events_of(&app, &admin, "tag-type-updated").await;
    assert_eq!(updated[0]["preData"]["description"], "Owning team");
    assert_eq!(updated[0]["data"]["description"], "The team that owns it");

    app.delete("/api/admin/tag-types/team", &editor)
        .await
        .expect(200);
    app.get("/api/admin/tag-types/team", &editor)
        .await
        .expect(404);
    assert_eq!(
        events_of(&app, &admin, "tag-type-deleted").await[0]["preData"]["name"],
        "team"
    );
    app.delete("/api/admin/tag-types/team", &editor)
        .await
        .expect(404);
    app.put(
        "/api/admin/tag-types/team",
        json!({"description": "x"}),
        &editor,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn invalid_tag_types_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app
        .post("/api/admin/tag-types", json!({"name": "x"}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");
    let res = app
        .post("/api/admin/tag-types", json!({"name": "two words"}), &admin)
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("two words"));
    let res = app
        .post(
            "/api/admin/tag-types",
            json!({"name": "team", "color": "blue"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/color");
    let res = app
        .post(
            "/api/admin/tag-types",
            json!({"name": "team", "description": 3}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/description");
    let res = app
        .post("/api/admin/tag-types", json!({"name": "simple"}), &admin)
        .await
        .expect(409);
    assert_eq!(
        res.json["message"],
        "There already exists a tag-type with the name simple"
    );
    let res = app
        .put(
            "/api/admin/tag-types/simple",
            json!({"color": "#12"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/color");

    let res = app
        .post(
            "/api/admin/tag-types/validate",
            json!({"name": "team", "color": "#000000"}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json,
        json!({"valid": true, "tagType": {"name": "team", "description": "", "icon": null, "color": "#000000"}})
    );
    app.post(
        "/api/admin/tag-types/validate",
        json!({"name": "simple"}),
        &admin,
    )
    .await
    .expect(409);
    app.post(
        "/api/admin/tag-types/validate",
        json!({"name": "y"}),
        &admin,
    )
    .await
    .expect(400);
    app.get("/api/admin/tag-types/team", &admin)
        .await
        .expect(404);
}

#[tokio::test]
async fn tags_in_use_are_listed_and_go_with_their_type() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    assert_eq!(
        app.get("/api/admin/tags", &viewer).await.expect(200).json,
        json!({"version": 1, "tags": []})
    );

    app.post(
        "/api/admin/tag-types",
        json!({"name": "team", "color": "#00ff00"}),
        &admin,
    )
    .await
    .expect(201);
    flag_with_strategy(&app, "checkout", "development", "fs-1", "default").await;
    flag_with_strategy(&app, "search", "development", "fs-2", "default").await;
    let t = "2026-01-02T00:00:00+00:00";
    for (flag, ty, value) in [
        ("checkout", "simple", "payments"),
        ("search", "simple", "payments"),
        ("search", "team", "core"),
    ] {
        exec(
            &app,
            &format!("INSERT INTO feature_tag (feature_name, tag_type, tag_value, created_at) VALUES ('{flag}', '{ty}', '{value}', '{t}')"),
        )
        .await;
    }
    let res = app.get("/api/admin/tags", &viewer).await.expect(200);
    assert_eq!(
        res.json["tags"],
        json!([{"value": "payments", "type": "simple", "color": null}, {"value": "core", "type": "team", "color": "#00ff00"}])
    );
    app.delete("/api/admin/tag-types/team", &admin)
        .await
        .expect(200);
    let res = app.get("/api/admin/tags", &viewer).await.expect(200);
    assert_eq!(
        res.json["tags"],
        json!([{"value": "payments", "type": "simple", "color": null}])
    );
    app.get("/api/admin/tags", &Auth::None).await.expect(401);
}

#[tokio::test]
async fn viewers_read_but_change_nothing() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let res = app
        .post("/api/admin/tag-types", json!({"name": "team"}), &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("CREATE_TAG_TYPE"));
    let res = app
        .put(
            "/api/admin/tag-types/simple",
            json!({"description": "mine"}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UPDATE_TAG_TYPE"));
    let res = app
        .delete("/api/admin/tag-types/simple", &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("DELETE_TAG_TYPE"));
    app.post(
        "/api/admin/tag-types/validate",
        json!({"name": "team"}),
        &viewer,
    )
    .await
    .expect(403);
    let got = app
        .get("/api/admin/tag-types/simple", &viewer)
        .await
        .expect(200);
    assert_eq!(
        got.json["tagType"]["description"],
        "Used to simplify filtering of features"
    );
    app.get("/api/admin/tag-types/team", &viewer)
        .await
        .expect(404);
}
