//! The server foundation: health, login, sessions, users, roles, errors, events, OpenAPI.

mod common;

use axum::body::Body;
use axum::http::Request;
use chrono::TimeDelta;
use common::{send, Auth, TestApp, ADMIN_PASSWORD};
use serde_json::json;

#[tokio::test]
async fn health_and_ready() {
    let app = TestApp::new().await;
    let res = app.get("/health", &Auth::None).await.expect(200);
    assert_eq!(res.json, json!({"health": "GOOD"}));
    app.get("/ready", &Auth::None).await.expect(200);
}

#[tokio::test]
async fn login_sets_a_session_cookie_and_whoami_answers() {
    let app = TestApp::new().await;
    let res = app
        .post(
            "/auth/simple/login",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
            &Auth::None,
        )
        .await
        .expect(200);
    assert_eq!(res.json["username"], "admin");
    assert_eq!(res.json["id"], 1);
    let cookie = res.header("set-cookie").unwrap();
    assert!(cookie.starts_with("unleash-session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let session = Auth::Session(cookie.split(';').next().unwrap().to_string());
    let me = app.get("/api/admin/user", &session).await.expect(200);
    assert_eq!(me.json["user"]["username"], "admin");
    assert_eq!(me.json["permissions"], json!([{"permission": "ADMIN"}]));
}

#[tokio::test]
async fn login_over_https_proxy_sets_secure_cookie_and_accepts_email() {
    let app = TestApp::new().await;
    app.user("erin", "Editor").await;
    let req = Request::post("/auth/simple/login")
        .header("content-type", "application/json")
        .header("x-forwarded-proto", "https")
        .body(Body::from(
            json!({"username": "ERIN@example.com", "password": "erin-Passw0rd!"}).to_string(),
        ))
        .unwrap();
    let res = send(&app.router, req).await.expect(200);
    assert_eq!(res.json["username"], "erin");
    assert!(res.header("set-cookie").unwrap().contains("; Secure"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::new().await;
    let wrong = app
        .post(
            "/auth/simple/login",
            json!({"username": "admin", "password": "nope-nope"}),
            &Auth::None,
        )
        .await
        .expect(401);
    let unknown = app
        .post(
            "/auth/simple/login",
            json!({"username": "ghost", "password": "nope-nope"}),
            &Auth::None,
        )
        .await
        .expect(401);
    assert_eq!(wrong.json["name"], "PasswordMismatch");
    assert_eq!(unknown.json["name"], "PasswordMismatch");
    assert_eq!(wrong.json["message"], unknown.json["message"]);
    assert!(wrong.header("set-cookie").is_none());
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_client() {
    let app = TestApp::with_config(|c| c.login_limit_per_minute = 3).await;
    for _ in 0..3 {
        app.post(
            "/auth/simple/login",
            json!({"username": "admin", "password": "bad-password"}),
            &Auth::None,
        )
        .await
        .expect(401);
    }
    let limited = app
        .post(
            "/auth/simple/login",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
            &Auth::None,
        )
        .await
        .expect(429);
    let retry: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let app = TestApp::new().await;
    let session = app.admin().await;
    app.get("/api/admin/user", &session).await.expect(200);
    let res = app
        .call("POST", "/logout", None, &session)
        .await
        .expect(302);
    assert_eq!(res.header("location").as_deref(), Some("/login"));
    assert!(res.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = app.get("/api/admin/user", &session).await.expect(401);
    assert_eq!(after.json["name"], "AuthenticationRequired");
    // GET /logout works too.
    let again = app.admin().await;
    app.get("/logout", &again).await.expect(302);
    app.get("/api/admin/user", &again).await.expect(401);
}

#[tokio::test]
async fn sessions_expire_after_the_ttl() {
    let app = TestApp::with_config(|c| c.session_ttl_hours = 2).await;
    let session = app.admin().await;
    app.state.clock.advance(TimeDelta::minutes(119));
    app.get("/api/admin/user", &session).await.expect(200);
    app.state.clock.advance(TimeDelta::minutes(2));
    app.get("/api/admin/user", &session).await.expect(401);
}

#[tokio::test]
async fn sessions_are_shared_by_nodes_on_one_database() {
    let app = TestApp::new().await;
    let session = app.admin().await;
    let (_state, other) = app.second_node().await;
    let res = common::call(&other, "GET", "/api/admin/user", None, &session)
        .await
        .expect(200);
    assert_eq!(res.json["user"]["username"], "admin");
}

#[tokio::test]
async fn no_credentials_on_the_admin_api_is_authentication_required() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/admin/user-admin", &Auth::None)
        .await
        .expect(401);
    assert_eq!(res.json["name"], "AuthenticationRequired");
    assert_eq!(res.json["path"], "/auth/simple/login");
    let bad = app
        .get("/api/admin/user-admin", &Auth::Token("randomtoken".into()))
        .await
        .expect(401);
    assert_eq!(bad.json["name"], "UnauthorizedError");
}

#[tokio::test]
async fn admin_manages_users() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/admin/user-admin",
            json!({"username": "vera", "email": "Vera@Example.com", "name": "Vera Viewer", "password": "vera-Passw0rd!", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(201);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(created.json["rootRole"], "Viewer");
    assert_eq!(created.json["email"], "vera@example.com");
    assert_eq!(created.header("location"), Some(id.to_string()));

    let got = app
        .get(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(got.json["name"], "Vera Viewer");
    assert_eq!(got.json["rootRole"], 3);

    let list = app.get("/api/admin/user-admin", &admin).await.expect(200);
    let names: Vec<_> = list.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("admin"), json!("vera")]);

    let updated = app
        .put(
            &format!("/api/admin/user-admin/{id}"),
            json!({"name": "Vera V.", "rootRole": 2}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(updated.json["name"], "Vera V.");
    assert_eq!(updated.json["rootRole"], "Editor");

    // Duplicate username, weak password, unknown role, project role, missing identity.
    let dup = app
        .post(
            "/api/admin/user-admin",
            json!({"username": "vera", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(dup.json["message"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    let weak = app
        .post(
            "/api/admin/user-admin",
            json!({"username": "weak", "password": "abc", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(weak.json["message"]
        .as_str()
        .unwrap()
        .contains("at least 8 characters"));
    let role = app
        .post(
            "/api/admin/user-admin",
            json!({"username": "x", "rootRole": "Wizard"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(role.json["message"].as_str().unwrap().contains("Wizard"));
    app.post(
        "/api/admin/user-admin",
        json!({"username": "y", "rootRole": "Owner"}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/user-admin",
        json!({"name": "nobody", "rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(400);

    // Password reset by the admin, then login with it.
    app.post(
        &format!("/api/admin/user-admin/{id}/change-password"),
        json!({"password": "new-Passw0rd!"}),
        &admin,
    )
    .await
    .expect(200);
    app.login("vera", "new-Passw0rd!").await;
    app.post(
        &format!("/api/admin/user-admin/{id}/change-password"),
        json!({"password": "short"}),
        &admin,
    )
    .await
    .expect(400);

    app.delete(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(200);
    app.get(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(404);
    app.delete(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(404);
    app.get("/api/admin/user-admin/abc", &admin)
        .await
        .expect(400);

    let events = app.get("/api/admin/events", &admin).await.expect(200);
    let types: Vec<_> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types[..5],
        [
            "user-deleted",
            "user-password-changed",
            "user-role-changed",
            "user-updated",
            "user-created"
        ]
    );
    assert_eq!(events.json["events"][0]["createdBy"], "admin");
    assert_eq!(events.json["events"][0]["createdByUserId"], 1);
}

#[tokio::test]
async fn editors_and_viewers_cannot_administer_users() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("eddie", "Editor").await;
    let (viewer_id, viewer) = app.user("vera", "Viewer").await;
    for who in [&editor, &viewer] {
        let res = app.get("/api/admin/user-admin", who).await.expect(403);
        assert_eq!(res.json["name"], "PermissionError");
        assert_eq!(res.json["permissions"], json!(["ADMIN"]));
        app.post(
            "/api/admin/user-admin",
            json!({"username": "z", "rootRole": "Admin"}),
            who,
        )
        .await
        .expect(403);
        app.delete(&format!("/api/admin/user-admin/{viewer_id}"), who)
            .await
            .expect(403);
        app.get("/api/admin/events", who).await.expect(403);
    }
    // Everyone may read their own account and the roles.
    let roles = app.get("/api/admin/user/roles", &viewer).await.expect(200);
    let names: Vec<_> = roles.json["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["Admin", "Editor", "Viewer", "Owner", "Member", "Reader"]
    );
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, other_admin) = app.user("ada", "Admin").await;
    app.get("/api/admin/user-admin", &other_admin)
        .await
        .expect(200);
    app.put(
        &format!("/api/admin/user-admin/{id}"),
        json!({"rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user-admin", &other_admin)
        .await
        .expect(403);
    let me = app.get("/api/admin/user", &other_admin).await.expect(200);
    assert_eq!(me.json["permissions"], json!([]));
}

#[tokio::test]
async fn a_deleted_users_session_is_refused() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, session) = app.user("temp", "Editor").await;
    app.get("/api/admin/user", &session).await.expect(200);
    app.delete(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(200);
    app.get("/api/admin/user", &session).await.expect(401);
}

#[tokio::test]
async fn users_change_their_own_password() {
    let app = TestApp::new().await;
    let (_, session) = app.user("pat", "Viewer").await;
    app.post(
        "/api/admin/user/change-password",
        json!({"password": "short"}),
        &session,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/user/change-password",
        json!({"password": "longer-Passw0rd", "confirmPassword": "other"}),
        &session,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/user/change-password",
        json!({"password": "longer-Passw0rd", "confirmPassword": "longer-Passw0rd"}),
        &session,
    )
    .await
    .expect(200);
    app.login("pat", "longer-Passw0rd").await;
}

#[tokio::test]
async fn json_bodies_are_checked() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    // No content type: 415.
    let req = Request::post("/api/admin/user-admin")
        .header(
            "cookie",
            match &admin {
                Auth::Session(c) => c.clone(),
                _ => unreachable!(),
            },
        )
        .body(Body::from(
            json!({"username": "a", "rootRole": "Viewer"}).to_string(),
        ))
        .unwrap();
    let res = send(&app.router, req).await.expect(415);
    assert_eq!(res.json["name"], "ContentTypeError");
    // Malformed JSON: 400.
    let req = Request::post("/auth/simple/login")
        .header("content-type", "application/json")
        .body(Body::from("{\"username\": "))
        .unwrap();
    let res = send(&app.router, req).await.expect(400);
    assert_eq!(res.json["name"], "BadDataError");
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    // A field of the wrong type: 400 naming the field.
    let res = app
        .post(
            "/api/admin/user-admin",
            json!({"username": 5, "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/username");
}

#[tokio::test]
async fn unknown_api_paths_are_404_with_unleash_body() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app
        .get("/api/admin/does-not-exist", &admin)
        .await
        .expect(404);
    assert_eq!(res.json["name"], "NotFoundError");
    assert_eq!(
        res.json["message"],
        "The path you were looking for (/api/admin/does-not-exist) is not available."
    );
    assert!(res.json["id"].as_str().unwrap().len() == 36);
}

#[tokio::test]
async fn events_page_and_filter() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for i in 0..5 {
        app.post(
            "/api/admin/user-admin",
            json!({"username": format!("u{i}"), "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(201);
    }
    let page = app
        .get("/api/admin/events?limit=2&offset=1", &admin)
        .await
        .expect(200);
    assert_eq!(page.json["events"].as_array().unwrap().len(), 2);
    assert_eq!(page.json["totalEvents"], 6);
    assert_eq!(page.json["events"][0]["data"]["username"], "u3");
    let search = app
        .get(
            "/api/admin/search/events?type=IS:user-created&createdBy=IS:admin",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(search.json["total"], 5);
    app.get("/api/admin/events?limit=abc", &admin)
        .await
        .expect(400);
    app.get("/api/admin/search/events?from=yesterday", &admin)
        .await
        .expect(400);
}

#[tokio::test]
async fn base_uri_path_mounts_everything_under_a_prefix() {
    let app = TestApp::with_config(|c| c.base_uri_path = "/unleash/".into()).await;
    app.get("/unleash/health", &Auth::None).await.expect(200);
    app.get("/health", &Auth::None).await.expect(404);
    let res = app
        .post(
            "/unleash/auth/simple/login",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
            &Auth::None,
        )
        .await
        .expect(200);
    assert!(res.header("set-cookie").unwrap().contains("Path=/unleash"));
}

#[tokio::test]
async fn ui_config_needs_a_signed_in_caller() {
    let app = TestApp::with_config(|c| c.pat_limit = 7).await;
    app.get("/api/admin/ui-config", &Auth::None)
        .await
        .expect(401);
    let res = app
        .get("/api/admin/ui-config", &app.admin().await)
        .await
        .expect(200);
    assert_eq!(res.json["authenticationType"], "open-source");
    assert_eq!(res.json["resourceLimits"]["personalAccessTokens"], 7);
    assert_eq!(res.json["version"], env!("CARGO_PKG_VERSION"));
}
