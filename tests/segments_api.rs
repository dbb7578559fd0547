//! Segments: `/api/admin/segments`.

mod catalog_support;
mod common;

use catalog_support::{attach_segment, events_of, exec, flag_with_strategy, revision};
use common::{Auth, TestApp};
use serde_json::json;

fn beta_users() -> serde_json::Value {
    json!({
        "name": "beta-users",
        "description": "People in the beta",
        "constraints": [
            {"contextName": "userId", "operator": "IN", "values": ["1", "2"]},
            {"contextName": "version", "operator": "SEMVER_GT", "value": "2.0.0-alpha.1", "inverted": true},
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8"]}
        ]
    })
}

#[tokio::test]
async fn editor_creates_reads_updates_and_deletes_a_segment() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;

    let empty = app.get("/api/admin/segments", &viewer).await.expect(200);
    assert_eq!(empty.json, json!({"segments": []}));

    let rev0 = revision(&app).await;
    let res = app
        .post("/api/admin/segments", beta_users(), &editor)
        .await
        .expect(201);
    let id = res.json["id"].as_i64().expect("id");
    assert_eq!(res.header("location"), Some(format!("segments/{id}")));
    assert_eq!(res.json["name"], "beta-users");
    assert_eq!(res.json["description"], "People in the beta");
    assert_eq!(res.json["project"], json!(null));
    assert_eq!(res.json["createdBy"], "eddie@example.com");
    assert!(res.json["createdAt"].as_str().is_some());
    // Constraints come back as sent, with defaults made explicit.
    assert_eq!(
        res.json["constraints"][0],
        json!({"contextName": "userId", "operator": "IN", "values": ["1", "2"], "inverted": false, "caseInsensitive": false})
    );
    assert_eq!(res.json["constraints"][1]["value"], "2.0.0-alpha.1");
    assert_eq!(res.json["constraints"][1]["inverted"], true);
    assert!(revision(&app).await > rev0);
    let created = events_of(&app, &admin, "segment-created").await;
    assert_eq!(created[0]["data"]["name"], "beta-users");
    assert_eq!(created[0]["createdBy"], "eddie@example.com");

    let list = app.get("/api/admin/segments", &viewer).await.expect(200);
    assert_eq!(list.json["segments"][0]["id"], id);
    assert_eq!(list.json["segments"][0]["usedInFeatures"], 0);
    let got = app
        .get(&format!("/api/admin/segments/{id}"), &viewer)
        .await
        .expect(200);
    assert_eq!(got.json["constraints"].as_array().map(Vec::len), Some(3));

    let rev1 = revision(&app).await;
    app.put(
        &format!("/api/admin/segments/{id}"),
        json!({"name": "beta", "constraints": [{"contextName": "tenant", "operator": "STR_STARTS_WITH", "values": ["ac"], "caseInsensitive": true}]}),
        &editor,
    )
    .await
    .expect(204);
    assert!(revision(&app).await > rev1, "updates are visible to SDKs");
    let got = app
        .get(&format!("/api/admin/segments/{id}"), &viewer)
        .await
        .expect(200);
    assert_eq!(got.json["name"], "beta");
    assert_eq!(got.json["description"], json!(null));
    assert_eq!(got.json["constraints"][0]["caseInsensitive"], true);
    let updated = events_of(&app, &admin, "segment-updated").await;
    assert_eq!(updated[0]["preData"]["name"], "beta-users");
    assert_eq!(updated[0]["data"]["name"], "beta");

    let rev2 = revision(&app).await;
    let res = app
        .delete(&format!("/api/admin/segments/{id}"), &editor)
        .await
        .expect(204);
    assert_eq!(res.text, "");
    assert!(revision(&app).await > rev2, "deletes are visible to SDKs");
    app.get(&format!("/api/admin/segments/{id}"), &viewer)
        .await
        .expect(404);
    assert_eq!(
        events_of(&app, &admin, "segment-deleted").await[0]["preData"]["name"],
        "beta"
    );
}

#[tokio::test]
async fn unknown_segments_are_404_and_ids_must_be_numbers() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app.get("/api/admin/segments/999", &admin).await.expect(404);
    assert_eq!(res.json["name"], "NotFoundError");
    app.delete("/api/admin/segments/999", &admin)
        .await
        .expect(404);
    app.put("/api/admin/segments/999", beta_users(), &admin)
        .await
        .expect(404);
    let res = app.get("/api/admin/segments/abc", &admin).await.expect(400);
    assert_eq!(res.json["details"][0]["path"], "/params/id");
    let res = app
        .get("/api/admin/segments/999/strategies", &admin)
        .await
        .expect(200);
    assert_eq!(
        res.json,
        json!({"strategies": [], "changeRequestStrategies": []})
    );
    app.get("/api/admin/segments", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn invalid_segments_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let res = app
        .post(
            "/api/admin/segments",
            json!({"name": "", "constraints": []}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");
    assert_eq!(
        res.json["details"][0]["message"],
        "Segment name cannot be empty"
    );
    let res = app
        .post("/api/admin/segments", json!({"name": "x"}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/constraints");

    let cases = [
        (
            json!({"contextName": "", "operator": "IN", "values": []}),
            "/body/constraints/0/contextName",
            "",
        ),
        (
            json!({"contextName": "a", "operator": "LIKE", "values": []}),
            "/body/constraints/0/operator",
            "LIKE",
        ),
        (
            json!({"contextName": "a", "operator": "SEMVER_EQ", "value": "v1.0.0"}),
            "/body/constraints/0/value",
            "v1.0.0",
        ),
        (
            json!({"contextName": "a", "operator": "DATE_AFTER", "value": "tomorrow"}),
            "/body/constraints/0/value",
            "tomorrow",
        ),
        (
            json!({"contextName": "a", "operator": "REGEX", "value": "(open"}),
            "/body/constraints/0/value",
            "(open",
        ),
        (
            json!({"contextName": "a", "operator": "IN_CIDR", "values": ["300.1.1.1"]}),
            "/body/constraints/0/values/0",
            "300.1.1.1",
        ),
        (
            json!({"contextName": "a", "operator": "NUM_GT", "value": "many"}),
            "/body/constraints/0/value",
            "many",
        ),
    ];
    for (constraint, path, value) in cases {
        let res = app
            .post(
                "/api/admin/segments",
                json!({"name": "x", "constraints": [constraint]}),
                &admin,
            )
            .await
            .expect(400);
        assert_eq!(res.json["name"], "BadDataError");
        assert_eq!(res.json["details"][0]["path"], path, "{}", res.text);
        assert!(
            res.json["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(value),
            "{}",
            res.text
        );
    }

    let many: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    let res = app
        .post("/api/admin/segments", json!({"name": "x", "constraints": [{"contextName": "a", "operator": "IN", "values": many}]}), &admin)
        .await
        .expect(400);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("1000"));

    let res = app
        .post(
            "/api/admin/segments",
            json!({"name": "x", "project": "nope", "constraints": []}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/project");

    app.post("/api/admin/segments", beta_users(), &admin)
        .await
        .expect(201);
    let res = app
        .post("/api/admin/segments", beta_users(), &admin)
        .await
        .expect(409);
    assert_eq!(res.json["message"], "Segment name already exists");
    let other = app
        .post(
            "/api/admin/segments",
            json!({"name": "other", "constraints": []}),
            &admin,
        )
        .await
        .expect(201);
    let other_id = other.json["id"].as_i64().expect("id");
    app.put(
        &format!("/api/admin/segments/{other_id}"),
        json!({"name": "beta-users", "constraints": []}),
        &admin,
    )
    .await
    .expect(409);
    assert_eq!(
        app.get("/api/admin/segments", &admin).await.json["segments"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn name_validation() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let admin = app.admin().await;
    app.post("/api/admin/segments", beta_users(), &admin)
        .await
        .expect(201);
    app.post(
        "/api/admin/segments/validate",
        json!({"name": "fresh"}),
        &viewer,
    )
    .await
    .expect(204);
    let res = app
        .post(
            "/api/admin/segments/validate",
            json!({"name": "beta-users"}),
            &viewer,
        )
        .await
        .expect(409);
    assert_eq!(res.json["name"], "NameExistsError");
    app.post("/api/admin/segments/validate", json!({"name": ""}), &viewer)
        .await
        .expect(400);
}

#[tokio::test]
async fn a_segment_in_use_is_not_deleted_and_its_strategies_are_listed() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let id = app
        .post("/api/admin/segments", beta_users(), &admin)
        .await
        .expect(201)
        .json["id"]
        .as_i64()
        .expect("id");
    flag_with_strategy(&app, "checkout", "development", "fs-1", "flexibleRollout").await;
    attach_segment(&app, "fs-1", id).await;

    let res = app
        .get(&format!("/api/admin/segments/{id}/strategies"), &admin)
        .await
        .expect(200);
    assert_eq!(
        res.json["strategies"],
        json!([{"id": "fs-1", "featureName": "checkout", "projectId": "default", "environment": "development", "strategyName": "flexibleRollout"}])
    );
    let got = app
        .get(&format!("/api/admin/segments/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(got.json["usedInFeatures"], 1);
    assert_eq!(got.json["usedInProjects"], 1);

    let rev = revision(&app).await;
    let res = app
        .delete(&format!("/api/admin/segments/{id}"), &admin)
        .await
        .expect(409);
    let msg = res.json["message"].as_str().unwrap_or_default();
    assert!(msg.contains("used by 1 flag strategy"), "{msg}");
    assert_eq!(revision(&app).await, rev, "nothing changed");
    app.get(&format!("/api/admin/segments/{id}"), &admin)
        .await
        .expect(200);

    // A segment used in project `default` cannot be bound to another project.
    exec(&app, "INSERT INTO projects (id, name, created_at) VALUES ('other', 'Other', '2026-01-02T00:00:00+00:00')").await;
    let res = app
        .put(
            &format!("/api/admin/segments/{id}"),
            json!({"name": "beta-users", "project": "other", "constraints": []}),
            &admin,
        )
        .await
        .expect(400);
    assert!(
        res.json["message"]
            .as_str()
            .unwrap_or_default()
            .contains("other projects: default"),
        "{}",
        res.text
    );
    app.put(
        &format!("/api/admin/segments/{id}"),
        json!({"name": "beta-users", "project": "default", "constraints": []}),
        &admin,
    )
    .await
    .expect(204);
    assert_eq!(
        app.get(&format!("/api/admin/segments/{id}"), &admin)
            .await
            .json["project"],
        "default"
    );
}

#[tokio::test]
async fn viewers_read_but_change_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let id = app
        .post("/api/admin/segments", beta_users(), &admin)
        .await
        .expect(201)
        .json["id"]
        .as_i64()
        .expect("id");

    let res = app
        .post(
            "/api/admin/segments",
            json!({"name": "mine", "constraints": []}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("CREATE_SEGMENT"));
    let res = app
        .post(
            "/api/admin/segments",
            json!({"name": "mine", "project": "default", "constraints": []}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UPDATE_PROJECT_SEGMENT"));
    let res = app
        .put(
            &format!("/api/admin/segments/{id}"),
            json!({"name": "x", "constraints": []}),
            &viewer,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UPDATE_SEGMENT"));
    let res = app
        .delete(&format!("/api/admin/segments/{id}"), &viewer)
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("DELETE_SEGMENT"));

    let got = app
        .get(&format!("/api/admin/segments/{id}"), &viewer)
        .await
        .expect(200);
    assert_eq!(got.json["name"], "beta-users");
    assert_eq!(
        app.get("/api/admin/segments", &viewer).await.json["segments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_project_owner_manages_only_that_projects_segments() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (owner_id, owner) = app.user("olga", "Viewer").await;
    exec(&app, "INSERT INTO projects (id, name, created_at) VALUES ('other', 'Other', '2026-01-02T00:00:00+00:00')").await;
    // Owner (role 4) of project `default` only.
    exec(
        &app,
        &format!(
            "INSERT INTO role_user (role_id, user_id, project, created_at) VALUES (4, {owner_id}, 'default', '2026-01-02T00:00:00+00:00')"
        ),
    )
    .await;

    let mine = app
        .post(
            "/api/admin/segments",
            json!({"name": "mine", "project": "default", "constraints": []}),
            &owner,
        )
        .await
        .expect(201);
    let mine_id = mine.json["id"].as_i64().expect("id");
    app.put(
        &format!("/api/admin/segments/{mine_id}"),
        json!({"name": "mine-2", "project": "default", "constraints": []}),
        &owner,
    )
    .await
    .expect(204);

    // Not a global segment, not another project's, and not moving one out of the project.
    app.post(
        "/api/admin/segments",
        json!({"name": "global", "constraints": []}),
        &owner,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/segments",
        json!({"name": "theirs", "project": "other", "constraints": []}),
        &owner,
    )
    .await
    .expect(403);
    app.put(
        &format!("/api/admin/segments/{mine_id}"),
        json!({"name": "mine-2", "project": "other", "constraints": []}),
        &owner,
    )
    .await
    .expect(403);
    app.put(
        &format!("/api/admin/segments/{mine_id}"),
        json!({"name": "mine-2", "constraints": []}),
        &owner,
    )
    .await
    .expect(403);
    let theirs = app
        .post(
            "/api/admin/segments",
            json!({"name": "theirs", "project": "other", "constraints": []}),
            &admin,
        )
        .await
        .expect(201);
    let theirs_id = theirs.json["id"].as_i64().expect("id");
    app.delete(&format!("/api/admin/segments/{theirs_id}"), &owner)
        .await
        .expect(403);
    app.put(
        &format!("/api/admin/segments/{theirs_id}"),
        json!({"name": "x", "project": "other", "constraints": []}),
        &owner,
    )
    .await
    .expect(403);

    app.delete(&format!("/api/admin/segments/{mine_id}"), &owner)
        .await
        .expect(204);
    app.get(&format!("/api/admin/segments/{theirs_id}"), &owner)
        .await
        .expect(200);
}
