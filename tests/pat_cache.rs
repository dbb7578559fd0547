//! Warm personal-access-token requests are answered without looking the token up again, and
//! a change to the token, its owner or their roles on any node still takes effect everywhere
//! within the auth epoch's bound.

mod common;

use chrono::{TimeDelta, Utc};
use common::{call, until_status, Auth, TestApp};
use serde_json::json;

async fn pat(app: &TestApp, who: &Auth, description: &str) -> (i64, Auth) {
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": description, "expiresAt": (Utc::now() + TimeDelta::days(1)).to_rfc3339()}),
            who,
        )
        .await
        .expect(201);
    (
        res.json["id"].as_i64().unwrap(),
        Auth::Token(res.json["secret"].as_str().unwrap().to_string()),
    )
}

/// Gives a user another root role, through the router given (a node).
async fn set_root_role(node: &axum::Router, admin: &Auth, id: i64, role: &str) {
    call(
        node,
        "PUT",
        &format!("/api/admin/user-admin/{id}"),
        Some(json!({ "rootRole": role })),
        admin,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn warm_pat_requests_are_answered_from_memory() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("warm", "Editor").await;
    let (_, token) = pat(&app, &editor, "warm-cli").await;
    app.get("/api/admin/projects", &token).await.expect(200);
    let (hits, misses) = (
        app.state.principals.hits.get(),
        app.state.principals.misses.get(),
    );
    for _ in 0..5 {
        app.get("/api/admin/projects", &token).await.expect(200);
    }
    assert_eq!(app.state.principals.hits.get(), hits + 5);
    assert_eq!(app.state.principals.misses.get(), misses);
    // And the counters are published.
    let metrics = app
        .get("/internal-backstage/prometheus", &Auth::None)
        .await
        .expect(200);
    assert!(metrics
        .text
        .contains("switchyard_principal_cache_hits_total"));
}

#[tokio::test]
async fn changes_on_another_node_reach_cached_tokens_within_the_epoch_bound() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, user) = app.user("roamer", "Editor").await;
    let (pat_id, token) = pat(&app, &user, "roamer-cli").await;
    let (_, other) = app.second_node().await;
    let here = &app.router;

    // Warm on this node: an Editor may not list users.
    call(here, "GET", "/api/admin/user-admin", None, &token)
        .await
        .expect(403);
    call(here, "GET", "/api/admin/projects", None, &token)
        .await
        .expect(200);

    // Promoted on the other node: here too, within the bound.
    set_root_role(&other, &admin, id, "Admin").await;
    until_status(here, "/api/admin/user-admin", &token, 200, 403).await;

    // Demoted again: refused again.
    set_root_role(&other, &admin, id, "Viewer").await;
    until_status(here, "/api/admin/user-admin", &token, 403, 200).await;

    // The token deleted on the other node: refused here.
    call(
        &other,
        "DELETE",
        &format!("/api/admin/user/tokens/{pat_id}"),
        None,
        &user,
    )
    .await
    .expect(200);
    until_status(here, "/api/admin/projects", &token, 401, 200).await;
}

#[tokio::test]
async fn changes_through_this_node_apply_to_its_next_request() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, user) = app.user("local", "Admin").await;
    let (pat_id, token) = pat(&app, &user, "local-cli").await;
    for _ in 0..3 {
        app.get("/api/admin/user-admin", &token).await.expect(200);
    }
    app.put(
        &format!("/api/admin/user-admin/{id}"),
        json!({"rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user-admin", &token).await.expect(403);
    app.delete(&format!("/api/admin/user/tokens/{pat_id}"), &user)
        .await
        .expect(200);
    app.get("/api/admin/projects", &token).await.expect(401);
}

#[tokio::test]
async fn warm_session_requests_are_answered_from_memory() {
    let app = TestApp::new().await;
    let (_, session) = app.user("browser", "Editor").await;
    app.get("/api/admin/projects", &session).await.expect(200);
    app.get("/projects", &session).await.expect(200);
    let (hits, misses) = (
        app.state.principals.hits.get(),
        app.state.principals.misses.get(),
    );
    for _ in 0..3 {
        app.get("/api/admin/projects", &session).await.expect(200);
        app.get("/projects", &session).await.expect(200);
    }
    assert_eq!(app.state.principals.hits.get(), hits + 6);
    assert_eq!(app.state.principals.misses.get(), misses);
    // A cookie no one was given is looked up, and refused.
    let stranger = Auth::Session("not-a-session".into());
    app.get("/api/admin/projects", &stranger).await.expect(401);
}

#[tokio::test]
async fn sessions_end_everywhere_within_the_epoch_bound() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, session) = app.user("wanderer", "Editor").await;
    let (_, other) = app.second_node().await;
    let here = &app.router;
    for router in [here, &other] {
        call(router, "GET", "/api/admin/user-admin", None, &session)
            .await
            .expect(403);
    }

    // Promoted on the other node: the session sees it here within the bound.
    set_root_role(&other, &admin, id, "Admin").await;
    until_status(here, "/api/admin/user-admin", &session, 200, 403).await;

    // Logged out through this node: refused here at once, and on the other node within the
    // bound, although both had it in memory.
    call(&other, "GET", "/api/admin/user-admin", None, &session)
        .await
        .expect(200);
    call(here, "POST", "/logout", None, &session)
        .await
        .expect(302);
    call(here, "GET", "/api/admin/projects", None, &session)
        .await
        .expect(401);
    until_status(&other, "/api/admin/projects", &session, 401, 200).await;
}
