//! Scoped personal access tokens: a token carries its owner's current permissions
//! intersected with its scope (read-only or read-write, some projects, some environments),
//! on every Admin API route.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

async fn create_token(app: &TestApp, who: &Auth, description: &str, scope: Value) -> Auth {
    let mut body = json!({"description": description, "expiresAt": in_days(7)});
    if !scope.is_null() {
        body["scope"] = scope;
    }
    let res = app
        .post("/api/admin/user/tokens", body, who)
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().unwrap().to_string())
}

async fn project(app: &TestApp, admin: &Auth, id: &str) {
    app.post("/api/admin/projects", json!({"id": id, "name": id}), admin)
        .await
        .expect(201);
}

async fn flag(app: &TestApp, admin: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        json!({"name": name}),
        admin,
    )
    .await
    .expect(201);
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|x| x[field].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_read_only_token_reads_but_every_write_is_refused() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "ro-flag").await;
    let ro = create_token(&app, &admin, "ro", json!({"access": "read-only"})).await;

    app.get("/api/admin/projects", &ro).await.expect(200);
    app.get("/api/admin/projects/default/features/ro-flag", &ro)
        .await
        .expect(200);
    // A read guarded by ADMIN still works for an Admin's read-only token.
    app.get("/api/admin/user-admin", &ro).await.expect(200);
    // POSTs that only read are allowed.
    app.post(
        "/api/admin/playground",
        json!({"environment": "development", "projects": "*", "context": {"appName": "x"}}),
        &ro,
    )
    .await
    .expect(200);

    let writes = [
        (
            "POST",
            "/api/admin/projects/default/features",
            json!({"name": "nope"}),
        ),
        (
            "POST",
            "/api/admin/projects/default/features/ro-flag/environments/development/on",
            Value::Null,
        ),
        (
            "PUT",
            "/api/admin/projects/default/features/ro-flag",
            json!({"description": "x"}),
        ),
        (
            "DELETE",
            "/api/admin/projects/default/features/ro-flag",
            Value::Null,
        ),
        (
            "POST",
            "/api/admin/projects",
            json!({"id": "nope", "name": "nope"}),
        ),
        (
            "POST",
            "/api/admin/user-admin",
            json!({"email": "x@example.com", "rootRole": "Viewer"}),
        ),
        (
            "POST",
            "/api/admin/api-tokens",
            json!({"tokenName": "t", "type": "client", "environment": "development"}),
        ),
        (
            "POST",
            "/api/admin/user/tokens",
            json!({"description": "wider", "expiresAt": in_days(1)}),
        ),
    ];
    for (method, path, body) in writes {
        let body = (!body.is_null()).then_some(body);
        let res = app.call(method, path, body, &ro).await;
        assert_eq!(res.status.as_u16(), 403, "{method} {path}: {}", res.text);
        let msg = res.json["message"].as_str().unwrap_or_default();
        assert!(msg.contains("read-only"), "{method} {path}: {msg}");
    }
    // Nothing changed.
    let f = app
        .get("/api/admin/projects/default/features/ro-flag", &admin)
        .await
        .expect(200);
    assert_eq!(f.json["environments"][0]["enabled"], false);
    app.get("/api/admin/projects/default/features/nope", &admin)
        .await
        .expect(404);

    // Its permissions say so.
    let me = app.get("/api/admin/user", &ro).await.expect(200);
    let perms = me.json["permissions"].as_array().unwrap();
    assert!(!perms.is_empty());
    assert!(perms.iter().all(|g| {
        let p = g["permission"].as_str().unwrap();
        p.starts_with("READ_") || p.ends_with("_READ")
    }));
}

#[tokio::test]
async fn a_project_scoped_token_sees_and_acts_on_its_projects_only() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    project(&app, &admin, "alpha").await;
    project(&app, &admin, "beta").await;
    flag(&app, &admin, "alpha", "a-flag").await;
    flag(&app, &admin, "beta", "b-flag").await;
    let tok = create_token(&app, &admin, "alpha only", json!({"projects": ["alpha"]})).await;

    let list = app.get("/api/admin/projects", &tok).await.expect(200);
    assert_eq!(names(&list.json["projects"], "id"), ["alpha"]);
    let all = app.get("/api/admin/projects", &admin).await.expect(200);
    assert!(names(&all.json["projects"], "id").contains(&"beta".to_string()));

    let search = app
        .get("/api/admin/search/features", &tok)
        .await
        .expect(200);
    assert_eq!(names(&search.json["features"], "name"), ["a-flag"]);
    let search = app
        .get("/api/admin/search/features?project=IS:beta", &tok)
        .await
        .expect(200);
    assert_eq!(search.json["features"], json!([]));
    let legacy = app.get("/api/admin/features", &tok).await.expect(200);
    assert_eq!(names(&legacy.json["features"], "name"), ["a-flag"]);

    // The audit log holds only its projects' events.
    let events = app.get("/api/admin/events", &tok).await.expect(200);
    let evs = events.json["events"].as_array().unwrap();
    assert!(!evs.is_empty());
    assert!(evs.iter().all(|e| e["project"] == "alpha"), "{evs:?}");
    let events = app
        .get("/api/admin/search/events?feature=IS:b-flag", &tok)
        .await
        .expect(200);
    assert_eq!(events.json["events"], json!([]));

    // Its own project: reads and writes.
    app.get("/api/admin/projects/alpha/features/a-flag", &tok)
        .await
        .expect(200);
    app.post(
        "/api/admin/projects/alpha/features/a-flag/environments/development/on",
        json!({}),
        &tok,
    )
    .await
    .expect(200);
    flag(&app, &tok, "alpha", "a-second").await;

    // Another project: neither.
    for (method, path) in [
        ("GET", "/api/admin/projects/beta"),
        ("GET", "/api/admin/projects/beta/features/b-flag"),
        (
            "POST",
            "/api/admin/projects/beta/features/b-flag/environments/development/on",
        ),
        ("DELETE", "/api/admin/projects/beta/features/b-flag"),
    ] {
        let body = (method == "POST").then(|| json!({}));
        let res = app.call(method, path, body, &tok).await;
        assert_eq!(res.status.as_u16(), 403, "{method} {path}: {}", res.text);
        assert!(res.json["message"].as_str().unwrap().contains("beta"));
    }
    app.get("/api/admin/features/b-flag/tags", &tok)
        .await
        .expect(404);
    // Root-level powers are gone, though its owner is an Admin.
    let res = app
        .post(
            "/api/admin/projects",
            json!({"id": "gamma", "name": "gamma"}),
            &tok,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .contains("every project"));
    app.post(
        "/api/admin/user-admin",
        json!({"email": "y@example.com", "rootRole": "Admin"}),
        &tok,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "t", "type": "client", "environment": "development", "projects": ["alpha"]}),
        &tok,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "escape", "expiresAt": in_days(1)}),
        &tok,
    )
    .await
    .expect(403);

    // Its permissions name only alpha.
    let me = app.get("/api/admin/user", &tok).await.expect(200);
    let perms = me.json["permissions"].as_array().unwrap();
    assert!(perms.iter().all(|g| g["permission"] != "ADMIN"));
    assert!(perms
        .iter()
        .any(|g| g["permission"] == "CREATE_FEATURE" && g["project"] == "alpha"));
    assert!(perms
        .iter()
        .all(|g| g["project"].is_null() || g["project"] == "alpha"));
    // The flag in beta is untouched.
    let b = app
        .get("/api/admin/projects/beta/features/b-flag", &admin)
        .await
        .expect(200);
    assert_eq!(b.json["environments"][0]["enabled"], false);
}

#[tokio::test]
async fn an_environment_scoped_token_changes_its_environments_only() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "env-flag").await;
    let tok = create_token(
        &app,
        &admin,
        "dev only",
        json!({"environments": ["development"]}),
    )
    .await;
    let base = "/api/admin/projects/default/features/env-flag/environments";
    app.post(&format!("{base}/development/on"), json!({}), &tok)
        .await
        .expect(200);
    let res = app
        .post(&format!("{base}/production/on"), json!({}), &tok)
        .await
        .expect(403);
    assert!(res.json["message"].as_str().unwrap().contains("production"));
    app.post(
        &format!("{base}/production/strategies"),
        json!({"name": "default"}),
        &tok,
    )
    .await
    .expect(403);
    app.post(
        &format!("{base}/development/strategies"),
        json!({"name": "default"}),
        &tok,
    )
    .await
    .expect(200);
    // Reading the other environment is allowed.
    app.get(&format!("{base}/production"), &tok)
        .await
        .expect(200);
    let f = app
        .get("/api/admin/projects/default/features/env-flag", &admin)
        .await
        .expect(200);
    let envs = f.json["environments"].as_array().unwrap();
    let enabled = |name: &str| {
        envs.iter()
            .find(|e| e["name"] == name)
            .map(|e| e["enabled"].clone())
    };
    assert_eq!(enabled("development"), Some(json!(true)));
    assert_eq!(enabled("production"), Some(json!(false)));
}

#[tokio::test]
async fn the_list_and_the_creation_answer_show_the_scope() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("scoper", "Editor").await;
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "scoped", "expiresAt": in_days(3),
                   "scope": {"access": "read-only", "projects": ["default"], "environments": ["production"]}}),
            &editor,
        )
        .await
        .expect(201);
    let want =
        json!({"access": "read-only", "projects": ["default"], "environments": ["production"]});
    assert_eq!(res.json["scope"], want);
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "plain", "expiresAt": in_days(3)}),
        &editor,
    )
    .await
    .expect(201);
    let list = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    let pats = list.json["pats"].as_array().unwrap();
    let of = |d: &str| {
        pats.iter()
            .find(|p| p["description"] == d)
            .map(|p| p["scope"].clone())
            .unwrap()
    };
    assert_eq!(of("scoped"), want);
    assert_eq!(
        of("plain"),
        json!({"access": "read-write", "projects": ["*"], "environments": ["*"]})
    );
    // The audit event records it.
    let admin = app.admin().await;
    let ev = app
        .get("/api/admin/search/events?type=IS:pat-created", &admin)
        .await
        .expect(200);
    assert!(ev.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["data"]["scope"] == want));
}

#[tokio::test]
async fn a_token_follows_its_owners_current_role() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, editor) = app.user("demoted", "Editor").await;
    let tok = create_token(&app, &editor, "rw", json!({"projects": ["default"]})).await;
    flag(&app, &tok, "default", "before-demotion").await;
    app.put(
        &format!("/api/admin/user-admin/{id}"),
        json!({"rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(200);
    let res = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "after-demotion"}),
            &tok,
        )
        .await
        .expect(403);
    assert_eq!(res.json["name"], "PermissionError", "{}", res.text);
    app.get("/api/admin/projects/default/features", &tok)
        .await
        .expect(200);
    let me = app.get("/api/admin/user", &tok).await.expect(200);
    assert!(me.json["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["permission"] != "CREATE_FEATURE"));
}

#[tokio::test]
async fn invalid_scopes_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cases = [
        (
            json!({"access": "write-only"}),
            "/body/scope/access",
            "write-only",
        ),
        (
            json!({"projects": ["nowhere"]}),
            "/body/scope/projects",
            "nowhere",
        ),
        (
            json!({"environments": ["staging-x"]}),
            "/body/scope/environments",
            "staging-x",
        ),
        (
            json!({"projects": []}),
            "/body/scope/projects",
            "at least one",
        ),
        (
            json!({"projects": "default"}),
            "/body/scope/projects",
            "list",
        ),
        (json!("read-only"), "/body/scope", "object"),
    ];
    for (scope, field, hint) in cases {
        let res = app
            .post(
                "/api/admin/user/tokens",
                json!({"description": format!("bad {field} {hint}"), "expiresAt": in_days(1), "scope": scope}),
                &admin,
            )
            .await
            .expect(400);
        assert_eq!(res.json["name"], "BadDataError", "{}", res.text);
        let detail = &res.json["details"][0];
        assert_eq!(detail["path"], field, "{}", res.text);
        assert!(
            detail["message"].as_str().unwrap().contains(hint),
            "{}",
            res.text
        );
    }
    let list = app.get("/api/admin/user/tokens", &admin).await.expect(200);
    assert_eq!(list.json["pats"], json!([]));
}
