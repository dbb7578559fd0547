//! Smaller Admin API routes Unleash serves: a strategy's segments, event creators, the
//! count of Admins and the people list for access pickers.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn segment(app: &TestApp, admin: &Auth, name: &str) -> i64 {
    app.post(
        "/api/admin/segments",
        json!({"name": name, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1"]}]}),
        admin,
    )
    .await
    .expect(201)
    .json["id"]
    .as_i64()
    .unwrap()
}

#[tokio::test]
async fn a_strategys_segments_are_read_and_replaced() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let a = segment(&app, &admin, "alpha").await;
    let b = segment(&app, &admin, "beta").await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "f"}),
        &admin,
    )
    .await
    .expect(201);
    let strategy = app
        .post(
            "/api/admin/projects/default/features/f/environments/development/strategies",
            json!({"name": "default", "segments": [a]}),
            &admin,
        )
        .await
        .expect(200)
        .json;
    let id = strategy["id"].as_str().unwrap().to_string();
    let names = |v: &Value| -> Vec<String> {
        v["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };

    let got = app
        .get(&format!("/api/admin/segments/strategies/{id}"), &viewer)
        .await
        .expect(200)
        .json;
    assert_eq!(names(&got), vec!["alpha"]);
    let none = app
        .get("/api/admin/segments/strategies/no-such-strategy", &viewer)
        .await
        .expect(200)
        .json;
    assert_eq!(none, json!({"segments": []}));

    let body = json!({"projectId": "default", "strategyId": id, "environmentId": "development", "segmentIds": [b]});
    app.post("/api/admin/segments/strategies", body.clone(), &viewer)
        .await
        .expect(403);
    let r = app
        .post("/api/admin/segments/strategies", body.clone(), &admin)
        .await
        .expect(201);
    assert_eq!(r.json, body);
    let got = app
        .get(&format!("/api/admin/segments/strategies/{id}"), &viewer)
        .await
        .expect(200)
        .json;
    assert_eq!(names(&got), vec!["beta"]);
    // The strategy keeps everything else, and the change is audited.
    let read = app
        .get(
            &format!(
                "/api/admin/projects/default/features/f/environments/development/strategies/{id}"
            ),
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(read["name"], "default");
    assert_eq!(read["segments"], json!([b]));
    let events = app.get("/api/admin/events", &admin).await.expect(200).json;
    assert_eq!(events["events"][0]["type"], "feature-strategy-update");

    // Wrong environment or project, or an unknown segment, is refused with the reason.
    let wrong_env = json!({"projectId": "default", "strategyId": id, "environmentId": "production", "segmentIds": [a]});
    let r = app
        .post("/api/admin/segments/strategies", wrong_env, &admin)
        .await
        .expect(404);
    assert!(r.json["message"].as_str().unwrap().contains("production"));
    let unknown = json!({"projectId": "default", "strategyId": id, "environmentId": "development", "segmentIds": [9999]});
    let r = app
        .post("/api/admin/segments/strategies", unknown, &admin)
        .await
        .expect(400);
    assert!(r.text.contains("9999"), "{}", r.text);
    let missing = json!({"projectId": "default", "strategyId": id});
    app.post("/api/admin/segments/strategies", missing, &admin)
        .await
        .expect(400);
}

#[tokio::test]
async fn event_creators_are_the_users_who_changed_something() {
    let app = TestApp::new().await;
    let (eddie_id, editor) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "by-eddie"}),
        &editor,
    )
    .await
    .expect(201);
    let list = app
        .get("/api/admin/event-creators", &viewer)
        .await
        .expect(200)
        .json;
    let list = list.as_array().unwrap();
    // The admin created the users; Eddie created a flag; Vera changed nothing.
    assert!(list.iter().any(|c| c["name"] == "admin"), "{list:?}");
    assert!(
        list.iter()
            .any(|c| c["id"] == eddie_id && c["name"] == "eddie"),
        "{list:?}"
    );
    assert!(!list.iter().any(|c| c["name"] == "vera"), "{list:?}");
    app.get("/api/admin/event-creators", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn admin_count_and_the_access_list() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    app.user("ada", "Admin").await;
    // An Admin created without a password.
    app.post(
        "/api/admin/user-admin",
        json!({"email": "nopass@example.com", "rootRole": "Admin"}),
        &admin,
    )
    .await
    .expect(201);
    let count = app
        .get("/api/admin/user-admin/admin-count", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(count, json!({"password": 2, "noPassword": 1, "service": 0}));
    app.get("/api/admin/user-admin/admin-count", &editor)
        .await
        .expect(403);

    let access = app
        .get("/api/admin/user-admin/access", &editor)
        .await
        .expect(200)
        .json;
    assert_eq!(access["groups"], json!([]));
    let users = access["users"].as_array().unwrap();
    assert_eq!(users.len(), 4);
    let nopass = users
        .iter()
        .find(|u| u["email"] == "nopass@example.com")
        .unwrap();
    assert_eq!(nopass["accountType"], "User");
    assert!(nopass.get("username").is_none());
    assert!(users.iter().all(|u| u.get("rootRole").is_none()));
}

#[tokio::test]
async fn an_admin_changes_a_flag_types_lifetime_everywhere() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let lifetime = |types: &Value, id: &str| -> Value {
        types["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["lifetimeDays"]
            .clone()
    };
    let types = app
        .get("/api/admin/feature-types", &editor)
        .await
        .expect(200)
        .json;
    assert_eq!(lifetime(&types, "release"), 40);

    let path = "/api/admin/feature-types/release/lifetime";
    app.put(path, json!({"lifetimeDays": 14}), &editor)
        .await
        .expect(403);
    let r = app
        .put(path, json!({"lifetimeDays": 14}), &admin)
        .await
        .expect(200);
    assert_eq!(r.json["id"], "release");
    assert_eq!(r.json["lifetimeDays"], 14);
    assert_eq!(r.json["name"], "Release");
    // Another node sees it.
    let (_, other) = app.second_node().await;
    let types = common::call(&other, "GET", "/api/admin/feature-types", None, &editor)
        .await
        .expect(200)
        .json;
    assert_eq!(lifetime(&types, "release"), 14);
    assert_eq!(lifetime(&types, "experiment"), 40);

    // 0 and null both mean "never stale".
    let r = app
        .put(path, json!({"lifetimeDays": 0}), &admin)
        .await
        .expect(200);
    assert_eq!(r.json["lifetimeDays"], Value::Null);
    let events = app.get("/api/admin/events", &admin).await.expect(200).json;
    assert_eq!(events["events"][0]["type"], "feature-type-updated");
    assert_eq!(events["events"][0]["preData"]["lifetimeDays"], 14);

    let r = app
        .put(path, json!({"lifetimeDays": -3}), &admin)
        .await
        .expect(400);
    assert!(r.text.contains("lifetimeDays"), "{}", r.text);
    app.put(path, json!({"lifetimeDays": "soon"}), &admin)
        .await
        .expect(400);
    let r = app
        .put(
            "/api/admin/feature-types/no-such-type/lifetime",
            json!({"lifetimeDays": 3}),
            &admin,
        )
        .await
        .expect(404);
    assert!(r.text.contains("release"), "{}", r.text);
}

#[tokio::test]
async fn flag_creators_of_a_project() {
    let app = TestApp::new().await;
    let (eddie_id, eddie) = app.user("eddie", "Editor").await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "a"}),
        &eddie,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "b"}),
        &eddie,
    )
    .await
    .expect(201);
    let list = app
        .get("/api/admin/projects/default/flag-creators", &viewer)
        .await
        .expect(200)
        .json;
    assert_eq!(list, json!([{"id": eddie_id, "name": "eddie"}]));
    let r = app
        .get("/api/admin/projects/nowhere/flag-creators", &viewer)
        .await
        .expect(404);
    assert!(r.text.contains("nowhere"));
}

#[tokio::test]
async fn inactive_users_are_listed_and_deleted_on_request() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (idle_id, _) = app.user("idle", "Viewer").await;
    let (scripter_id, scripter) = app.user("scripter", "Editor").await;
    let (kept_id, _) = app.user("kept", "Viewer").await;
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "ci", "expiresAt": "2099-01-01T00:00:00Z"}),
            &scripter,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let none = app
        .get("/api/admin/user-admin/inactive", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(none, json!({"version": 1, "inactiveUsers": []}));

    // Half a year on: the admin signs in again and the scripter's token is used.
    app.state.clock.advance(chrono::TimeDelta::days(181));
    let admin = app.admin().await;
    app.get("/api/admin/projects", &Auth::Token(pat))
        .await
        .expect(200);
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let list = app
        .get("/api/admin/user-admin/inactive", &admin)
        .await
        .expect(200)
        .json;
    let ids: Vec<i64> = list["inactiveUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![idle_id, kept_id]);
    assert_eq!(list["inactiveUsers"][0]["username"], "idle");
    let (_, editor) = app.user("late", "Editor").await;
    app.get("/api/admin/user-admin/inactive", &editor)
        .await
        .expect(403);

    // Only inactive users among the ids are deleted.
    app.post(
        "/api/admin/user-admin/inactive/delete",
        json!({"ids": [idle_id, scripter_id]}),
        &admin,
    )
    .await
    .expect(200);
    app.get(&format!("/api/admin/user-admin/{idle_id}"), &admin)
        .await
        .expect(404);
    app.get(&format!("/api/admin/user-admin/{scripter_id}"), &admin)
        .await
        .expect(200);
    app.get(&format!("/api/admin/user-admin/{kept_id}"), &admin)
        .await
        .expect(200);
    app.post(
        "/api/admin/user-admin/inactive/delete",
        json!({"ids": "all"}),
        &admin,
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn instance_statistics_as_csv() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "counted"}),
        &admin,
    )
    .await
    .expect(201);
    let json = app
        .get("/api/admin/instance-admin/statistics", &admin)
        .await
        .expect(200)
        .json;
    let csv = app
        .get("/api/admin/instance-admin/statistics/csv", &admin)
        .await
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.text);
    let header: Vec<&str> = lines[0].split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "\"featureToggles\"")
        .expect("featureToggles column");
    assert_eq!(json["featureToggles"], 1);
    let values = csv_cells(lines[1]);
    assert_eq!(values[at], "1");
    assert_eq!(header.len(), json.as_object().unwrap().len());
    assert_eq!(values.len(), header.len());
    app.get("/api/admin/instance-admin/statistics/csv", &editor)
        .await
        .expect(403);
}

/// The cells of one CSV line, honouring quotes.
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}
