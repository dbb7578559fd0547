//! Projects, their environments and project access through the Admin API.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn events_of_type(app: &TestApp, admin: &Auth, kind: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/admin/search/events?type={kind}"), admin)
        .await
        .expect(200);
    res.json["events"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn list_has_default_project_in_unleash_shape() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app.get("/api/admin/projects", &admin).await.expect(200);
    assert_eq!(res.json["version"], 1);
    let projects = res.json["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert_eq!(p["id"], "default");
    assert_eq!(p["name"], "Default");
    assert_eq!(p["description"], "Default project");
    for key in [
        "health",
        "technicalDebt",
        "favorite",
        "featureCount",
        "memberCount",
        "createdAt",
        "archivedAt",
        "mode",
        "lastReportedFlagUsage",
        "lastUpdatedAt",
        "onboardingStatus",
        "owners",
    ] {
        assert!(p.get(key).is_some(), "missing {key} in {p}");
    }
    assert_eq!(p["featureCount"], 0);
    assert_eq!(p["mode"], "open");
    assert_eq!(p["owners"], json!([{"ownerType": "system"}]));
    // Without credentials: 401.
    app.get("/api/admin/projects", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn create_get_update_delete_project() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/admin/projects",
            json!({"id": "team-a", "name": "Team A", "description": "first"}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(res.json["id"], "team-a");
    assert_eq!(res.json["name"], "Team A");
    assert_eq!(
        res.json["environments"],
        json!(["development", "production"])
    );
    // The creator owns it.
    assert_eq!(res.json["owners"][0]["ownerType"], "user");
    assert_eq!(res.json["memberCount"], 1);

    // Any number of projects.
    app.post(
        "/api/admin/projects",
        json!({"id": "team-b", "name": "Team B"}),
        &admin,
    )
    .await
    .expect(201);
    let list = app.get("/api/admin/projects", &admin).await.expect(200);
    let ids: Vec<&str> = list.json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&"team-a") && ids.contains(&"team-b") && ids.contains(&"default"));

    // Duplicate id → 409, bad id → 400, empty name → 400.
    let dup = app
        .post(
            "/api/admin/projects",
            json!({"id": "team-a", "name": "Again"}),
            &admin,
        )
        .await
        .expect(409);
    assert_eq!(dup.json["name"], "NameExistsError");
    let bad = app
        .post(
            "/api/admin/projects",
            json!({"id": "a b", "name": "Spaces"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(bad.json["details"][0]["path"], "/body/id");
    app.post(
        "/api/admin/projects",
        json!({"id": "x", "name": "  "}),
        &admin,
    )
    .await
    .expect(400);
    app.post("/api/admin/projects", json!({"id": "x"}), &admin)
        .await
        .expect(400);

    let one = app
        .get("/api/admin/projects/team-a", &admin)
        .await
        .expect(200);
    assert_eq!(one.json["description"], "first");
    assert_eq!(one.json["environments"].as_array().unwrap().len(), 2);
    assert_eq!(one.json["features"], json!([]));
    let missing = app
        .get("/api/admin/projects/nope", &admin)
        .await
        .expect(404);
    assert!(missing.json["message"].as_str().unwrap().contains("nope"));

    let upd = app
        .put(
            "/api/admin/projects/team-a",
            json!({"name": "Team Alpha", "description": "renamed"}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(upd.json["name"], "Team Alpha");
    assert!(upd.json["lastUpdatedAt"].is_string());
    app.put("/api/admin/projects/nope", json!({"name": "x"}), &admin)
        .await
        .expect(404);

    // A project holding flags cannot be deleted; once the flag is archived it can.
    app.post(
        "/api/admin/projects/team-a/features",
        json!({"name": "in-team-a"}),
        &admin,
    )
    .await
    .expect(201);
    let refused = app
        .delete("/api/admin/projects/team-a", &admin)
        .await
        .expect(403);
    assert!(refused.json["message"]
        .as_str()
        .unwrap()
        .contains("active feature flags"));
    app.delete("/api/admin/projects/team-a/features/in-team-a", &admin)
        .await
        .expect(202);
    app.delete("/api/admin/projects/team-a", &admin)
        .await
        .expect(200);
    app.get("/api/admin/projects/team-a", &admin)
        .await
        .expect(404);
    // Its archived flag went with it, so the name is free again.
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "in-team-a"}),
        &admin,
    )
    .await
    .expect(201);

    // `default` always exists.
    app.delete("/api/admin/projects/default", &admin)
        .await
        .expect(403);
    app.delete("/api/admin/projects/nope", &admin)
        .await
        .expect(404);

    let created = events_of_type(&app, &admin, "project-created").await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["project"], "team-a");
    assert_eq!(created[1]["createdBy"], "admin");
    let updated = events_of_type(&app, &admin, "project-updated").await;
    assert_eq!(updated[0]["preData"]["name"], "Team A");
    assert_eq!(updated[0]["data"]["name"], "Team Alpha");
    assert_eq!(
        events_of_type(&app, &admin, "project-deleted").await.len(),
        1
    );
}

#[tokio::test]
async fn project_environments() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "p1", "name": "P1", "environments": ["development"]}),
        &admin,
    )
    .await
    .expect(201);
    let one = app.get("/api/admin/projects/p1", &admin).await.expect(200);
    assert_eq!(
        one.json["environments"],
        json!([{"environment": "development", "changeRequestsEnabled": false}])
    );

    app.post(
        "/api/admin/projects/p1/environments",
        json!({"environment": "production"}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/p1/environments",
        json!({"environment": "production"}),
        &admin,
    )
    .await
    .expect(409);
    let res = app
        .post(
            "/api/admin/projects/p1/environments",
            json!({"environment": "staging"}),
            &admin,
        )
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("staging"));
    app.post(
        "/api/admin/projects/nope/environments",
        json!({"environment": "production"}),
        &admin,
    )
    .await
    .expect(404);

    // A flag enabled in production loses that state when the project stops using it.
    app.post(
        "/api/admin/projects/p1/features",
        json!({"name": "f1"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/p1/features/f1/environments/production/on",
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    app.delete("/api/admin/projects/p1/environments/production", &admin)
        .await
        .expect(200);
    let flag = app
        .get("/api/admin/projects/p1/features/f1", &admin)
        .await
        .expect(200);
    assert_eq!(flag.json["environments"].as_array().unwrap().len(), 1);
    app.post(
        "/api/admin/projects/p1/features/f1/environments/production/on",
        json!({}),
        &admin,
    )
    .await
    .expect(404);
    // The last environment stays.
    app.delete("/api/admin/projects/p1/environments/development", &admin)
        .await
        .expect(400);
    app.delete("/api/admin/projects/p1/environments/production", &admin)
        .await
        .expect(404);
    app.delete("/api/admin/projects/p1/environments/staging", &admin)
        .await
        .expect(404);
    app.post(
        "/api/admin/projects/p1/environments",
        json!({"environment": "production"}),
        &admin,
    )
    .await
    .expect(200);
    let flag = app
        .get("/api/admin/projects/p1/features/f1", &admin)
        .await
        .expect(200);
    assert_eq!(flag.json["environments"][1]["enabled"], false);
    assert_eq!(flag.json["environments"][1]["strategies"], json!([]));

    assert_eq!(
        events_of_type(&app, &admin, "project-environment-added")
            .await
            .len(),
        2
    );
    assert_eq!(
        events_of_type(&app, &admin, "project-environment-removed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn roles_and_project_access() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let roles = app.get("/api/admin/roles", &admin).await.expect(200);
    assert_eq!(roles.json["version"], 1);
    let names: Vec<(i64, String, String)> = roles.json["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["name"].as_str().unwrap().to_string(),
                r["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(names.contains(&(1, "Admin".into(), "root".into())));
    assert!(names.contains(&(5, "Member".into(), "project".into())));
    assert!(names.contains(&(6, "Reader".into(), "project".into())));

    let (viewer_id, viewer) = app.user("vera", "Viewer").await;
    let (other_id, _) = app.user("olga", "Viewer").await;
    app.post(
        "/api/admin/projects",
        json!({"id": "alpha", "name": "Alpha"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects",
        json!({"id": "beta", "name": "Beta"}),
        &admin,
    )
    .await
    .expect(201);

    // A Viewer cannot create flags in alpha until made Member there.
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "a1"}),
        &viewer,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [viewer_id, {"id": other_id}], "groups": []}),
        &admin,
    )
    .await
    .expect(200);
    let access = app
        .get("/api/admin/projects/alpha/access", &viewer)
        .await
        .expect(200);
    let users = access.json["users"].as_array().unwrap();
    let vera = users
        .iter()
        .find(|u| u["id"] == viewer_id)
        .expect("vera listed");
    assert_eq!(vera["roles"], json!([5]));
    assert_eq!(vera["roleId"], 5);
    assert!(vera["addedAt"].is_string());
    assert_eq!(access.json["groups"], json!([]));
    assert_eq!(access.json["roles"].as_array().unwrap().len(), 3);

    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "a1"}),
        &viewer,
    )
    .await
    .expect(201);
    // ... but only in alpha.
    let denied = app
        .post(
            "/api/admin/projects/beta/features",
            json!({"name": "b1"}),
            &viewer,
        )
        .await
        .expect(403);
    assert_eq!(denied.json["permissions"], json!(["CREATE_FEATURE"]));
    // A Member may not manage access or the project itself.
    app.put(
        &format!("/api/admin/projects/alpha/users/{other_id}/roles"),
        json!({"roles": [4]}),
        &viewer,
    )
    .await
    .expect(403);
    app.put("/api/admin/projects/alpha", json!({"name": "x"}), &viewer)
        .await
        .expect(403);

    // Replace vera's role with Reader: she can read but no longer create.
    app.put(
        &format!("/api/admin/projects/alpha/users/{viewer_id}/roles"),
        json!({"roles": [6]}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "a2"}),
        &viewer,
    )
    .await
    .expect(403);
    app.get("/api/admin/projects/alpha/features/a1", &viewer)
        .await
        .expect(200);
    // Back to Owner: she can now manage the project.
    app.put(
        &format!("/api/admin/projects/alpha/users/{viewer_id}/roles"),
        json!({"roles": [4]}),
        &admin,
    )
    .await
    .expect(200);
    app.put(
        "/api/admin/projects/alpha",
        json!({"name": "Alpha 2"}),
        &viewer,
    )
    .await
    .expect(200);
    app.delete(
        &format!("/api/admin/projects/alpha/users/{other_id}/roles"),
        &viewer,
    )
    .await
    .expect(200);
    let access = app
        .get("/api/admin/projects/alpha/access", &admin)
        .await
        .expect(200);
    assert!(access.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["id"] != other_id));

    // Removing all roles takes the rights away.
    app.delete(
        &format!("/api/admin/projects/alpha/users/{viewer_id}/roles"),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "a3"}),
        &viewer,
    )
    .await
    .expect(403);

    // Validation: root roles are not project roles; unknown users and projects are 404.
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [2], "users": [viewer_id]}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [99], "users": [viewer_id]}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [9999]}),
        &admin,
    )
    .await
    .expect(404);
    app.post(
        "/api/admin/projects/nope/access",
        json!({"roles": [5], "users": [viewer_id]}),
        &admin,
    )
    .await
    .expect(404);
    app.get("/api/admin/projects/nope/access", &admin)
        .await
        .expect(404);
    app.put(
        "/api/admin/projects/alpha/users/abc/roles",
        json!({"roles": [5]}),
        &admin,
    )
    .await
    .expect(400);

    assert_eq!(
        events_of_type(&app, &admin, "project-access-added")
            .await
            .len(),
        1
    );
    assert_eq!(
        events_of_type(&app, &admin, "project-access-user-roles-updated")
            .await
            .len(),
        2
    );
    assert_eq!(
        events_of_type(&app, &admin, "project-access-user-roles-deleted")
            .await
            .len(),
        2
    );
}

/// Deleting a project revokes the API tokens scoped to it alone (they must not widen to every
/// project) and narrows tokens that named it among others.
#[tokio::test]
async fn deleting_a_project_revokes_its_tokens() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "gone", "name": "Gone"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/gone/features",
        json!({"name": "gone-flag"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "default-flag"}),
        &admin,
    )
    .await
    .expect(201);
    let mk = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            Auth::Token(
                app.post("/api/admin/api-tokens", body, admin)
                    .await
                    .expect(201)
                    .json["secret"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        }
    };
    let only = mk(json!({"tokenName": "only-gone", "type": "client", "environment": "development", "projects": ["gone"]})).await;
    let both = mk(json!({"tokenName": "both", "type": "client", "environment": "development", "projects": ["gone", "default"]})).await;
    let names = |v: &Value| -> Vec<String> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(
            &app.get("/api/client/features", &only)
                .await
                .expect(200)
                .json
        ),
        vec!["gone-flag"]
    );

    app.delete("/api/admin/projects/gone/features/gone-flag", &admin)
        .await
        .expect(202);
    app.delete("/api/admin/projects/gone", &admin)
        .await
        .expect(200);
    app.get("/api/client/features", &only).await.expect(401);
    assert_eq!(
        names(
            &app.get("/api/client/features", &both)
                .await
                .expect(200)
                .json
        ),
        vec!["default-flag"]
    );
    let tokens = app
        .get("/api/admin/api-tokens", &admin)
        .await
        .expect(200)
        .json;
    let listed: Vec<&str> = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tokenName"].as_str().unwrap())
        .collect();
    assert!(!listed.contains(&"only-gone"), "{listed:?}");
    assert!(listed.contains(&"both"));
    assert_eq!(
        events_of_type(&app, &admin, "api-token-deleted")
            .await
            .len(),
        1
    );
}

/// Statements prepared on one connection by the queries behind a project's flag list.
fn cached_statements(tx: &switchyard::store::Tx) -> usize {
    use sqlx::Connection;
    match tx {
        switchyard::store::Tx::Sqlite(t) => t.cached_statements_size(),
        switchyard::store::Tx::Postgres(t) => t.cached_statements_size(),
    }
}

/// Each connection keeps the statements it prepared, by their text. The flag-list queries
/// take `IN (...)` lists of names and ids whose length follows the number of flags: every
/// new flag must not add statements to every connection (the memory a long-running node
/// grew by as flags were created).
#[tokio::test]
async fn flag_lists_of_every_length_share_a_few_prepared_statements() {
    use switchyard::store::{self, features::FeatureFilter};
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for i in 1..=64 {
        let name = format!("grow-{i:02}");
        app.post(
            "/api/admin/projects/default/features",
            json!({"name": name}),
            &admin,
        )
        .await
        .expect(201);
        app.post(
            &format!("/api/admin/projects/default/features/{name}/environments/development/strategies"),
            json!({"name": "default", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}),
            &admin,
        )
        .await
        .expect(200);
        if i % 8 == 0 || i < 4 {
            // the read the lists serve, unchanged by the padding: each flag once
            let project = app
                .get("/api/admin/projects/default", &admin)
                .await
                .expect(200);
            let mut names: Vec<&str> = project.json["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            names.sort_unstable();
            let expected: Vec<String> = (1..=i).map(|n| format!("grow-{n:02}")).collect();
            assert_eq!(names, expected);
            let flag = &project.json["features"][0];
            assert_eq!(
                flag["environments"].as_array().map(Vec::len),
                Some(2),
                "{flag}"
            );
        }
    }

    // One connection (a transaction) reads the lists for 1, 2, ..., 64 flags.
    let mut tx = app.state.db.begin().await.expect("begin");
    let filter = FeatureFilter {
        projects: Some(vec!["default".into()]),
        ..Default::default()
    };
    let mut flags = store::features::list(&mut tx, &filter).await.expect("list");
    flags.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(flags.len(), 64);
    let refs: Vec<&switchyard::domain::features::Feature> = flags.iter().collect();
    let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
    // (The connection may already hold statements of the requests above.)
    let before = cached_statements(&tx);
    let mut after = Vec::new();
    for n in 1..=64 {
        let envs = store::features::environments_of_many(&mut tx, &refs[..n])
            .await
            .expect("environments");
        assert_eq!(envs.len(), n);
        assert!(envs.values().all(|e| e.len() == 2));
        let strategies: usize = envs.values().flatten().map(|e| e.strategies.len()).sum();
        assert_eq!(strategies, n, "one strategy per flag, each once");
        store::features::tags_of_many(&mut tx, &names[..n])
            .await
            .expect("tags");
        store::features::dependency_roles(&mut tx, &names[..n])
            .await
            .expect("dependencies");
        after.push(cached_statements(&tx));
    }
    // Seven lengths (1, 2, 4, ..., 64) of five list queries at most (one per length and
    // list; the projects' list holds one project throughout). Unpadded, each of the 64
    // lengths made five new statements, until the connection's cache (100) was full.
    assert!(after[63] - before <= 7 * 5, "{before} then {after:?}");
    // Lists of 33 to 64 values are padded to the same length: no new statements past 33.
    assert_eq!(after[32], after[63], "{after:?}");
    drop(tx);
}
