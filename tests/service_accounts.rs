//! Service accounts through the real router: Unleash Enterprise's routes and shapes, tokens
//! that act with the account's root role, that outlive the Admin who minted them, and that
//! stop working when deleted; the account never signs in and is not listed among users.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let admin = app.admin().await;
    let res = app
        .get(&format!("/api/admin/search/events?type=IS:{kind}"), &admin)
        .await
        .expect(200);
    res.json["events"].as_array().unwrap().clone()
}

async fn create_account(app: &TestApp, who: &Auth, username: &str, role: &str) -> Value {
    app.post(
        "/api/admin/service-account",
        json!({"name": format!("{username} bot"), "username": username, "rootRole": role}),
        who,
    )
    .await
    .expect(201)
    .json
}

async fn mint(app: &TestApp, who: &Auth, account: i64, description: &str) -> Value {
    app.post(
        &format!("/api/admin/service-account/{account}/token"),
        json!({"description": description, "expiresAt": in_days(30)}),
        who,
    )
    .await
    .expect(201)
    .json
}

fn secret(v: &Value) -> Auth {
    Auth::Token(v["secret"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_admin_creates_lists_and_updates_a_service_account_with_events() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let created = create_account(&app, &admin, "ci-deployer", "Viewer").await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["username"], "ci-deployer");
    assert_eq!(created["name"], "ci-deployer bot");
    assert_eq!(created["tokens"], json!([]));
    assert_eq!(created["isAPI"], false);
    assert!(created["createdAt"].is_string());

    let list = app
        .get("/api/admin/service-account", &admin)
        .await
        .expect(200);
    let accounts = list.json["serviceAccounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["id"], id);
    let roles: Vec<&str> = list.json["rootRoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"Viewer") && roles.contains(&"Admin"),
        "{roles:?}"
    );
    let viewer = list.json["rootRoles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Viewer")
        .unwrap()["id"]
        .clone();
    assert_eq!(accounts[0]["rootRole"], viewer);

    // Not among the people Unleash's user administration lists.
    let users = app.get("/api/admin/user-admin", &admin).await.expect(200);
    assert!(users.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["id"] != id));

    let updated = app
        .put(
            &format!("/api/admin/service-account/{id}"),
            json!({"name": "Deployer", "username": "ci-deployer", "rootRole": "Editor"}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(updated.json["name"], "Deployer");
    assert_ne!(updated.json["rootRole"], viewer);

    let created_ev = events_of(&app, "service-account-created").await;
    assert_eq!(created_ev.len(), 1);
    assert_eq!(created_ev[0]["data"]["username"], "ci-deployer");
    assert_eq!(created_ev[0]["createdBy"], "admin");
    let updated_ev = events_of(&app, "service-account-updated").await;
    assert_eq!(updated_ev.len(), 1);
    assert_eq!(updated_ev[0]["preData"]["name"], "ci-deployer bot");
    assert_eq!(updated_ev[0]["data"]["name"], "Deployer");
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_fix() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create_account(&app, &admin, "taken", "Viewer").await;
    let res = app
        .post(
            "/api/admin/service-account",
            json!({"name": "x", "username": "taken", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(409);
    assert!(res.json["message"].as_str().unwrap().contains("taken"));
    // A person's username is taken too.
    app.post(
        "/api/admin/service-account",
        json!({"name": "x", "username": "admin", "rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(409);
    let res = app
        .post(
            "/api/admin/service-account",
            json!({"name": "x", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.contains("username"), "{}", res.text);
    let res = app
        .post(
            "/api/admin/service-account",
            json!({"name": "x", "username": "y"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.contains("rootRole"), "{}", res.text);
    app.post(
        "/api/admin/service-account",
        json!({"name": "x", "username": "y", "rootRole": "NoSuchRole"}),
        &admin,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/service-account/9999",
        json!({"name": "x"}),
        &admin,
    )
    .await
    .expect(404);
    // A person is not a service account.
    app.delete("/api/admin/service-account/1", &admin)
        .await
        .expect(404);
    app.get("/api/admin/service-account/1/token", &admin)
        .await
        .expect(404);
}

#[tokio::test]
async fn only_admins_manage_service_accounts() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let account = create_account(&app, &admin, "robot", "Admin").await;
    let id = account["id"].as_i64().unwrap();
    let (_, editor) = app.user("editor", "Editor").await;
    app.get("/api/admin/service-account", &editor)
        .await
        .expect(403);
    app.post(
        "/api/admin/service-account",
        json!({"name": "x", "username": "x", "rootRole": "Admin"}),
        &editor,
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/admin/service-account/{id}/token"),
        json!({"description": "mine now", "expiresAt": in_days(1)}),
        &editor,
    )
    .await
    .expect(403);
    app.delete(&format!("/api/admin/service-account/{id}"), &editor)
        .await
        .expect(403);
    app.get("/api/admin/service-account", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn a_service_account_token_acts_with_the_accounts_current_role_and_never_signs_in() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let account = create_account(&app, &admin, "reporter", "Viewer").await;
    let id = account["id"].as_i64().unwrap();
    let token = mint(&app, &admin, id, "nightly report").await;
    let secret_text = token["secret"].as_str().unwrap();
    assert!(secret_text.starts_with("user:v2_"), "{secret_text}");
    assert_eq!(token["userId"], id);
    let sa = secret(&token);

    let me = app.get("/api/admin/user", &sa).await.expect(200);
    assert_eq!(me.json["user"]["id"], id);
    assert_eq!(me.json["user"]["accountType"], "Service Account");
    // A Viewer reads but may not administer.
    app.get("/api/admin/projects", &sa).await.expect(200);
    app.get("/api/admin/user-admin", &sa).await.expect(403);

    // A new root role takes effect on the next request.
    app.put(
        &format!("/api/admin/service-account/{id}"),
        json!({"rootRole": "Admin"}),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user-admin", &sa).await.expect(200);

    // Its token cannot mint itself a successor.
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "successor", "expiresAt": in_days(300)}),
            &sa,
        )
        .await
        .expect(403);
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .contains("/api/admin/service-account/"));

    // No password, no sign-in, whatever is tried.
    for password in ["", "reporter", secret_text] {
        app.post(
            "/auth/simple/login",
            json!({"username": "reporter", "password": password}),
            &Auth::None,
        )
        .await
        .expect(401);
    }

    let tokens = app
        .get(&format!("/api/admin/service-account/{id}/token"), &admin)
        .await
        .expect(200);
    let pats = tokens.json["pats"].as_array().unwrap();
    assert_eq!(pats.len(), 1);
    assert_eq!(pats[0]["description"], "nightly report");
    assert!(!tokens.text.contains(&secret_text[30..]), "secret listed");

    let ev = events_of(&app, "service-account-token-created").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["data"]["serviceAccountId"], id);
    assert_eq!(ev[0]["data"]["description"], "nightly report");
    assert!(
        !ev[0].to_string().contains(&secret_text[30..]),
        "event holds the secret"
    );
}

#[tokio::test]
async fn tokens_survive_the_admin_who_minted_them() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (admin2_id, admin2) = app.user("temp-admin", "Admin").await;
    let account = create_account(&app, &admin2, "integration", "Editor").await;
    let id = account["id"].as_i64().unwrap();
    let token = mint(&app, &admin2, id, "ci").await;
    let sa = secret(&token);
    app.get("/api/admin/user", &sa).await.expect(200);

    // The person who minted it leaves.
    app.delete(&format!("/api/admin/user-admin/{admin2_id}"), &admin)
        .await
        .expect(200);
    app.get("/api/admin/user", &admin2).await.expect(401);

    let me = app.get("/api/admin/user", &sa).await.expect(200);
    assert_eq!(me.json["user"]["id"], id);
    let (_, other) = app.second_node().await;
    common::call(&other, "GET", "/api/admin/user", None, &sa)
        .await
        .expect(200);
    // The inventory still shows who minted it.
    let inv = app
        .get(
            &format!("/api/admin/personal-access-tokens?owner={id}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(inv.json["tokens"][0]["createdByUserId"], admin2_id);
    assert_eq!(inv.json["tokens"][0]["owner"]["serviceAccount"], true);
}

#[tokio::test]
async fn deleting_a_token_or_the_account_stops_it_on_every_node_within_the_epoch_bound() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let account = create_account(&app, &admin, "worker", "Editor").await;
    let id = account["id"].as_i64().unwrap();
    let first = mint(&app, &admin, id, "first").await;
    let second = mint(&app, &admin, id, "second").await;
    // Descriptions are unique per account.
    app.post(
        &format!("/api/admin/service-account/{id}/token"),
        json!({"description": "first", "expiresAt": in_days(1)}),
        &admin,
    )
    .await
    .expect(409);
    let (_, other) = app.second_node().await;
    common::call(&other, "GET", "/api/admin/user", None, &secret(&first))
        .await
        .expect(200);

    app.delete(
        &format!("/api/admin/service-account/{id}/token/{}", first["id"]),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user", &secret(&first))
        .await
        .expect(401);
    // The other node remembers the verified token until its next auth-epoch check.
    common::until_status(&other, "/api/admin/user", &secret(&first), 401, 200).await;
    app.get("/api/admin/user", &secret(&second))
        .await
        .expect(200);
    app.delete(
        &format!("/api/admin/service-account/{id}/token/{}", first["id"]),
        &admin,
    )
    .await
    .expect(404);
    let ev = events_of(&app, "service-account-token-deleted").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["preData"]["description"], "first");

    app.delete(&format!("/api/admin/service-account/{id}"), &admin)
        .await
        .expect(200);
    common::until_status(&other, "/api/admin/user", &secret(&second), 401, 200).await;
    let list = app
        .get("/api/admin/service-account", &admin)
        .await
        .expect(200);
    assert_eq!(list.json["serviceAccounts"], json!([]));
    let ev = events_of(&app, "service-account-deleted").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["preData"]["username"], "worker");
}

#[tokio::test]
async fn the_routes_are_in_the_openapi_document() {
    let app = TestApp::new().await;
    let doc = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    for path in [
        "/api/admin/service-account",
        "/api/admin/service-account/{id}",
        "/api/admin/service-account/{id}/token",
        "/api/admin/service-account/{id}/token/{tokenId}",
    ] {
        assert!(doc.json["paths"][path].is_object(), "{path} missing");
    }
}
