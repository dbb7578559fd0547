//! The Admin API's project list, project and flag reads are served from memory once warm,
//! and stay exact: a change through this node is served at once, a change through another
//! node or straight in the database within the view epoch's bound, and each caller sees their
//! own favourites and only the projects their token covers.

mod common;

use chrono::{TimeDelta, Utc};
use common::{call, Auth, TestApp, AUTH_EPOCH_BOUND};
use serde_json::{json, Value};

async fn pat(app: &TestApp, who: &Auth, scope: Value) -> Auth {
    let description = format!("views {}", uuid::Uuid::new_v4().simple());
    let mut body = json!({"description": description, "expiresAt": (Utc::now() + TimeDelta::days(1)).to_rfc3339()});
    if !scope.is_null() {
        body["scope"] = scope;
    }
    let res = app
        .post("/api/admin/user/tokens", body, who)
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().unwrap().to_string())
}

async fn flag(app: &TestApp, admin: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        json!({ "name": name }),
        admin,
    )
    .await
    .expect(201);
}

async fn project(app: &TestApp, admin: &Auth, id: &str) {
    app.post("/api/admin/projects", json!({"id": id, "name": id}), admin)
        .await
        .expect(201);
}

/// Runs one SQL statement straight on the database, as another program (or a write path
/// that knows nothing of the caches) would.
async fn sql(app: &TestApp, statement: &str) {
    match &app.state.db {
        switchyard::store::Db::Sqlite(p) => {
            sqlx::query(statement).execute(p).await.expect(statement);
        }
        switchyard::store::Db::Postgres(p) => {
            sqlx::query(statement).execute(p).await.expect(statement);
        }
    }
}

/// Polls `GET path` on `node` until `check` holds for the answer, failing after the bound.
async fn until(node: &axum::Router, path: &str, auth: &Auth, check: impl Fn(&Value) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let res = call(node, "GET", path, None, auth).await.expect(200);
        if check(&res.json) {
            return;
        }
        assert!(
            started.elapsed() < AUTH_EPOCH_BOUND,
            "{path} still answered {} after {AUTH_EPOCH_BOUND:?}",
            res.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn project_names(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn warm_reads_are_answered_from_memory_and_a_change_rebuilds_once() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "alpha").await;
    let (_, editor) = app.user("viewer-of-views", "Editor").await;
    let token = pat(&app, &editor, Value::Null).await;
    let paths = [
        "/api/admin/projects",
        "/api/admin/projects/default",
        "/api/admin/projects/default/features",
        "/api/admin/projects/default/features/alpha",
    ];
    let first: Vec<String> = {
        let mut out = Vec::new();
        for p in paths {
            out.push(app.get(p, &token).await.expect(200).text);
        }
        out
    };
    let loads = app.state.views.stats.loads.get();
    let hits = app.state.views.stats.hits.get();
    for _ in 0..3 {
        for (p, before) in paths.iter().zip(&first) {
            assert_eq!(&app.get(p, &token).await.expect(200).text, before);
        }
    }
    assert_eq!(
        app.state.views.stats.loads.get(),
        loads,
        "no view was rebuilt"
    );
    assert_eq!(app.state.views.stats.hits.get(), hits + 12);

    // A change through this node is served by its very next request.
    app.post(
        "/api/admin/projects/default/features/alpha/environments/development/on",
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let page = app
        .get("/api/admin/projects/default", &token)
        .await
        .expect(200);
    let envs = &page.json["features"][0]["environments"];
    let dev = envs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "development")
        .unwrap();
    assert_eq!(dev["enabled"], true, "{}", page.text);
    let flag = app
        .get("/api/admin/projects/default/features/alpha", &token)
        .await
        .expect(200);
    assert!(flag.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "development" && e["enabled"] == true));

    // Thirty-two requests at once after a change build each view once.
    app.put(
        "/api/admin/projects/default/features/alpha",
        json!({"description": "thirty-two"}),
        &admin,
    )
    .await
    .expect(200);
    let loads = app.state.views.stats.loads.get();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let router = app.router.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            call(
                &router,
                "GET",
                "/api/admin/projects/default/features/alpha",
                None,
                &token,
            )
            .await
        }));
    }
    for t in tasks {
        let res = t.await.unwrap().expect(200);
        assert_eq!(res.json["description"], "thirty-two");
    }
    // The shared flag view, the favourites of the token's owner and the owner's body.
    assert_eq!(app.state.views.stats.loads.get(), loads + 3);

    let metrics = app
        .get("/internal-backstage/prometheus", &Auth::None)
        .await
        .expect(200);
    for name in [
        "switchyard_view_cache_hits_total",
        "switchyard_view_cache_loads_total",
        "switchyard_view_epoch_reloads_total",
    ] {
        assert!(metrics.text.contains(name), "{name} missing");
    }
}

#[tokio::test]
async fn changes_made_elsewhere_are_served_within_the_bound() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "beta").await;
    let (_, editor) = app.user("remote-viewer", "Editor").await;
    let token = pat(&app, &editor, Value::Null).await;
    // Warm every view on this node.
    for p in [
        "/api/admin/projects",
        "/api/admin/projects/default",
        "/api/admin/projects/default/features/beta",
    ] {
        app.get(p, &token).await.expect(200);
    }

    // Through another node: a new project, a description, a tag.
    let (_, other) = app.second_node().await;
    call(
        &other,
        "POST",
        "/api/admin/projects",
        Some(json!({"id": "remote", "name": "Remote"})),
        &admin,
    )
    .await
    .expect(201);
    until(&app.router, "/api/admin/projects", &token, |v| {
        project_names(v).contains(&"remote".to_string())
    })
    .await;
    call(
        &other,
        "PUT",
        "/api/admin/projects/default/features/beta",
        Some(json!({"description": "from the other node"})),
        &admin,
    )
    .await
    .expect(200);
    until(
        &app.router,
        "/api/admin/projects/default/features/beta",
        &token,
        |v| v["description"] == "from the other node",
    )
    .await;
    call(
        &other,
        "POST",
        "/api/admin/features/beta/tags",
        Some(json!({"type": "simple", "value": "remote-tag"})),
        &admin,
    )
    .await
    .expect(201);
    until(&app.router, "/api/admin/projects/default", &token, |v| {
        v["features"][0]["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["value"] == "remote-tag"))
    })
    .await;

    // Straight in the database: the triggers move the epoch whatever wrote the row.
    sql(
        &app,
        "UPDATE features SET description = 'written by hand' WHERE name = 'beta'",
    )
    .await;
    until(
        &app.router,
        "/api/admin/projects/default/features/beta",
        &token,
        |v| v["description"] == "written by hand",
    )
    .await;
    sql(
        &app,
        "UPDATE projects SET name = 'Renamed by hand' WHERE id = 'default'",
    )
    .await;
    until(&app.router, "/api/admin/projects", &token, |v| {
        v["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "default" && p["name"] == "Renamed by hand")
    })
    .await;
    until(&app.router, "/api/admin/projects/default", &token, |v| {
        v["name"] == "Renamed by hand"
    })
    .await;
    sql(&app, "DELETE FROM features WHERE name = 'beta'").await;
    let started = std::time::Instant::now();
    loop {
        let res = app
            .get("/api/admin/projects/default/features/beta", &token)
            .await;
        if res.status.as_u16() == 404 {
            break;
        }
        assert!(started.elapsed() < AUTH_EPOCH_BOUND, "{}", res.text);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn each_caller_sees_their_favourites_and_their_projects() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    project(&app, &admin, "left").await;
    project(&app, &admin, "right").await;
    flag(&app, &admin, "left", "left-flag").await;
    let (_, ann) = app.user("ann", "Editor").await;
    let (_, bob) = app.user("bob", "Editor").await;
    let ann_all = pat(&app, &ann, Value::Null).await;
    let ann_left = pat(&app, &ann, json!({"projects": ["left"]})).await;
    let bob_all = pat(&app, &bob, Value::Null).await;
    // Warm the views for everyone before any favourite exists.
    for who in [&ann_all, &ann_left, &bob_all] {
        app.get("/api/admin/projects", who).await.expect(200);
        app.get("/api/admin/projects/left", who).await.expect(200);
    }

    app.post("/api/admin/projects/left/favorites", json!({}), &ann_all)
        .await
        .expect(200);
    app.post(
        "/api/admin/projects/left/features/left-flag/favorites",
        json!({}),
        &ann_all,
    )
    .await
    .expect(200);

    let favourite = |v: &Value, id: &str| {
        v["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["favorite"].clone())
    };
    let list = app.get("/api/admin/projects", &ann_all).await.expect(200);
    assert_eq!(favourite(&list.json, "left"), Some(json!(true)));
    assert_eq!(favourite(&list.json, "right"), Some(json!(false)));
    assert!(project_names(&list.json).len() >= 3, "{}", list.text);

    let scoped = app.get("/api/admin/projects", &ann_left).await.expect(200);
    assert_eq!(project_names(&scoped.json), vec!["left".to_string()]);
    assert_eq!(favourite(&scoped.json, "left"), Some(json!(true)));

    let bobs = app.get("/api/admin/projects", &bob_all).await.expect(200);
    assert_eq!(favourite(&bobs.json, "left"), Some(json!(false)));

    let page = app
        .get("/api/admin/projects/left", &ann_all)
        .await
        .expect(200);
    assert_eq!(page.json["features"][0]["favorite"], true);
    let page = app
        .get("/api/admin/projects/left", &bob_all)
        .await
        .expect(200);
    assert_eq!(page.json["features"][0]["favorite"], false);
    let one = app
        .get("/api/admin/projects/left/features/left-flag", &ann_left)
        .await
        .expect(200);
    assert_eq!(one.json["favorite"], true);
    let one = app
        .get("/api/admin/projects/left/features/left-flag", &bob_all)
        .await
        .expect(200);
    assert_eq!(one.json["favorite"], false);

    // A project outside the token's scope stays refused, warm or not.
    for _ in 0..2 {
        let res = app.get("/api/admin/projects/right", &ann_left).await;
        assert_eq!(res.status.as_u16(), 403, "{}", res.text);
    }
    // An unknown project is a 404 each time, never a remembered answer.
    for _ in 0..2 {
        app.get("/api/admin/projects/nowhere", &ann_all)
            .await
            .expect(404);
    }
}
