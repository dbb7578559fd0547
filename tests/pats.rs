//! Personal access tokens: Unleash's end-to-end cases (adapted where we deliberately differ),
//! using them on the Admin API, expiry, limits under concurrency, and secrets at rest.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

async fn create(app: &TestApp, who: &Auth, description: &str) -> Value {
    app.post(
        "/api/admin/user/tokens",
        json!({"description": description, "expiresAt": in_days(1)}),
        who,
    )
    .await
    .expect(201)
    .json
}

fn token(v: &Value) -> Auth {
    Auth::Token(v["secret"].as_str().unwrap().to_string())
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let admin = app.admin().await;
    let res = app
        .get(&format!("/api/admin/search/events?type=IS:{kind}"), &admin)
        .await
        .expect(200);
    res.json["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn should_create_a_pat_with_an_event_and_list_it() {
    let app = TestApp::new().await;
    let (user_id, editor) = app.user("editor", "Editor").await;
    let expires = in_days(1);
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "my-token", "expiresAt": expires}),
            &editor,
        )
        .await
        .expect(201);
    assert_eq!(res.json["description"], "my-token");
    assert_eq!(res.json["userId"], user_id);
    assert_eq!(res.json["seenAt"], Value::Null);
    let secret = res.json["secret"].as_str().unwrap();
    let shape = secret.strip_prefix("user:v2_").unwrap();
    let (selector, rest) = shape.split_at(22);
    assert_eq!(rest.len(), 44, "{secret}");
    assert!(rest.starts_with('_'));
    assert!(selector
        .chars()
        .chain(rest[1..].chars())
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let sent = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
    let got =
        chrono::DateTime::parse_from_rfc3339(res.json["expiresAt"].as_str().unwrap()).unwrap();
    assert!((sent - got).num_milliseconds().abs() < 1);

    let events = events_of(&app, "pat-created").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["description"], "my-token");
    assert_eq!(events[0]["data"]["id"], res.json["id"]);
    assert_eq!(events[0]["createdBy"], "editor@example.com");
    assert!(
        !events[0].to_string().contains(&rest[1..]),
        "event holds the secret"
    );

    let list = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    let pats = list.json["pats"].as_array().unwrap();
    assert_eq!(pats.len(), 1);
    assert_eq!(pats[0]["id"], res.json["id"]);
    assert!(pats[0].get("secret").is_none());
    assert!(
        pats[0].get("expiryWarning").is_none(),
        "expires tomorrow, created today: no warning"
    );
}

#[tokio::test]
async fn should_delete_the_pat_with_an_event() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "to-delete").await;
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    app.delete(&format!("/api/admin/user/tokens/{}", pat["id"]), &editor)
        .await
        .expect(200);
    let events = events_of(&app, "pat-deleted").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["description"], "to-delete");
    assert!(events[0]["data"].get("seenAt").is_none());
    // Stops working at once; deleting again is a 404 (Unleash says 200 and hides the mistake).
    let res = app.get("/api/admin/user", &token(&pat)).await.expect(401);
    assert_eq!(res.json["name"], "UnauthorizedError");
    app.delete(&format!("/api/admin/user/tokens/{}", pat["id"]), &editor)
        .await
        .expect(404);
    app.delete("/api/admin/user/tokens/999999", &editor)
        .await
        .expect(404);
    let bad = app
        .delete("/api/admin/user/tokens/abc", &editor)
        .await
        .expect(400);
    assert_eq!(bad.json["details"][0]["path"], "/params/id");
}

#[tokio::test]
async fn other_users_pats_cannot_be_deleted_or_listed() {
    let app = TestApp::new().await;
    let (_, first) = app.user("first", "Editor").await;
    let (_, second) = app.user("second", "Editor").await;
    let admin = app.admin().await;
    let pat = create(&app, &first, "first-token").await;
    app.delete(&format!("/api/admin/user/tokens/{}", pat["id"]), &second)
        .await
        .expect(404);
    app.delete(&format!("/api/admin/user/tokens/{}", pat["id"]), &admin)
        .await
        .expect(404);
    assert!(events_of(&app, "pat-deleted").await.is_empty());
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    let list = app.get("/api/admin/user/tokens", &first).await.expect(200);
    assert_eq!(list.json["pats"].as_array().unwrap().len(), 1);
    // Only one's own tokens are listed.
    create(&app, &second, "second-token").await;
    let list = app.get("/api/admin/user/tokens", &second).await.expect(200);
    let descriptions: Vec<_> = list.json["pats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["description"].clone())
        .collect();
    assert_eq!(descriptions, vec![json!("second-token")]);
}

#[tokio::test]
async fn creation_is_validated_like_unleash() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let past = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "old", "expiresAt": in_days(-1)}),
            &editor,
        )
        .await
        .expect(400);
    assert!(past.json["message"]
        .as_str()
        .unwrap()
        .contains("The expiry date should be in future."));
    let missing = app
        .post(
            "/api/admin/user/tokens",
            json!({"expiresAt": in_days(1)}),
            &editor,
        )
        .await
        .expect(400);
    assert_eq!(missing.json["details"][0]["path"], "/body/description");
    let empty = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "  ", "expiresAt": in_days(1)}),
            &editor,
        )
        .await
        .expect(400);
    assert!(empty.json["message"]
        .as_str()
        .unwrap()
        .contains("PAT description cannot be empty."));
    let long = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "x".repeat(1001), "expiresAt": in_days(1)}),
            &editor,
        )
        .await
        .expect(400);
    assert!(long.json["message"].as_str().unwrap().contains("1000"));
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "x".repeat(1000), "expiresAt": in_days(1)}),
        &editor,
    )
    .await
    .expect(201);
    let no_expiry = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "d"}),
            &editor,
        )
        .await
        .expect(400);
    assert_eq!(no_expiry.json["details"][0]["path"], "/body/expiresAt");
    let not_date = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "d", "expiresAt": "tomorrow"}),
            &editor,
        )
        .await
        .expect(400);
    assert!(not_date.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("date-time"));
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "d", "expiresAt": "2099-12-29"}),
        &editor,
    )
    .await
    .expect(400);
    // Duplicate description for this user: 409; another user may reuse it.
    create(&app, &editor, "dup").await;
    let dup = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "dup", "expiresAt": in_days(2)}),
            &editor,
        )
        .await
        .expect(409);
    assert_eq!(dup.json["name"], "NameExistsError");
    assert_eq!(dup.json["message"], "PAT description already exists.");
    let (_, other) = app.user("other", "Viewer").await;
    create(&app, &other, "dup").await;
    // Far future is fine; no session at all is 401.
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "forever", "expiresAt": "9999-12-31T23:59:59.000Z"}),
        &editor,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "anon", "expiresAt": in_days(1)}),
        &Auth::None,
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn a_pat_acts_as_its_user_even_after_logout() {
    let app = TestApp::new().await;
    let (user_id, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "cli").await;
    app.call("POST", "/logout", None, &editor).await.expect(302);
    let me = app.get("/api/admin/user", &token(&pat)).await.expect(200);
    assert_eq!(me.json["user"]["id"], user_id);
    assert_eq!(me.json["user"]["email"], "editor@example.com");
    // Bearer prefix in any case, and a PAT may mint and delete tokens itself.
    let secret = pat["secret"].as_str().unwrap();
    app.get("/api/admin/user", &Auth::Token(format!("Bearer {secret}")))
        .await
        .expect(200);
    app.get("/api/admin/user", &Auth::Token(format!("bearer {secret}")))
        .await
        .expect(200);
    let second = create(&app, &token(&pat), "made-by-pat").await;
    app.delete(
        &format!("/api/admin/user/tokens/{}", second["id"]),
        &token(&second),
    )
    .await
    .expect(200);
    app.get("/api/admin/user", &token(&second))
        .await
        .expect(401);
}

#[tokio::test]
async fn invalid_tokens_get_the_same_401() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "real").await;
    let secret = pat["secret"].as_str().unwrap().to_string();
    let mut tampered = secret.clone();
    tampered.pop();
    tampered.push(if secret.ends_with('A') { 'B' } else { 'A' });
    let (selector_only, _) = secret.split_at(5 + 3 + 22);
    for bad in [
        "randomtoken",
        "user:abc",
        "user:expired-token",
        &tampered,
        selector_only,
        "Bearer ",
    ] {
        let res = app
            .get("/api/admin/user", &Auth::Token(bad.to_string()))
            .await;
        assert_eq!(res.status.as_u16(), 401, "token {bad:?}: {}", res.text);
        assert_eq!(res.json["name"], "UnauthorizedError");
        assert_eq!(res.json["message"], "You must log in to use Unleash.");
    }
}

#[tokio::test]
async fn the_session_user_wins_over_a_pat() {
    let app = TestApp::new().await;
    let (viewer_id, viewer) = app.user("viewer", "Viewer").await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "editor-cli").await;
    let Auth::Session(cookie) = viewer else {
        unreachable!()
    };
    let req = axum::http::Request::get("/api/admin/user")
        .header("cookie", cookie)
        .header("authorization", pat["secret"].as_str().unwrap())
        .body(axum::body::Body::empty())
        .unwrap();
    let res = common::send(&app.router, req).await.expect(200);
    assert_eq!(res.json["user"]["id"], viewer_id);
}

#[tokio::test]
async fn permission_matrix_of_viewer_editor_and_admin_pats() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    let (_, editor) = app.user("editor", "Editor").await;
    let admin = app.admin().await;
    let v = token(&create(&app, &viewer, "v").await);
    let e = token(&create(&app, &editor, "e").await);
    let a = token(&create(&app, &admin, "a").await);
    let client = json!({"tokenName": "sdk", "type": "client", "environment": "development"});
    // Reading projects: everyone.
    for who in [&v, &e, &a] {
        let res = app.get("/api/admin/projects", who).await.expect(200);
        assert_eq!(res.json["projects"][0]["id"], "default");
    }
    // Creating a flag: Editors and Admins, not Viewers.
    let denied = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "by-viewer", "type": "release"}),
            &v,
        )
        .await
        .expect(403);
    assert_eq!(denied.json["permissions"], json!(["CREATE_FEATURE"]));
    let made = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": "by-editor", "type": "release"}),
            &e,
        )
        .await
        .expect(201);
    assert_eq!(made.json["name"], "by-editor");
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "by-admin", "type": "release"}),
        &a,
    )
    .await
    .expect(201);
    let flag_events = app.get("/api/admin/events/by-editor", &v).await.expect(200);
    assert_eq!(
        flag_events.json["events"][0]["createdBy"],
        "editor@example.com"
    );
    // Listing users: Admin only.
    app.get("/api/admin/user-admin", &v).await.expect(403);
    app.get("/api/admin/user-admin", &e).await.expect(403);
    app.get("/api/admin/user-admin", &a).await.expect(200);
    // Listing API tokens: Editors read, Viewers may not.
    app.get("/api/admin/api-tokens", &v).await.expect(403);
    app.get("/api/admin/api-tokens", &e).await.expect(200);
    app.get("/api/admin/api-tokens", &a).await.expect(200);
    // Creating API tokens: Admin only among the three.
    let denied = app
        .post("/api/admin/api-tokens", client.clone(), &v)
        .await
        .expect(403);
    assert_eq!(
        denied.json["permissions"],
        json!([
            "ADMIN",
            "CREATE_CLIENT_API_TOKEN",
            "CREATE_FRONTEND_API_TOKEN"
        ])
    );
    app.post("/api/admin/api-tokens", client.clone(), &e)
        .await
        .expect(403);
    app.post("/api/admin/api-tokens", client.clone(), &a)
        .await
        .expect(201);
    // Editors create project tokens in any project; Viewers cannot.
    app.post("/api/admin/projects/default/api-tokens", client.clone(), &e)
        .await
        .expect(201);
    app.post("/api/admin/projects/default/api-tokens", client.clone(), &v)
        .await
        .expect(403);
    // The audit log records the PAT's owner.
    let events = app
        .get("/api/admin/search/events?type=IS:api-token-created", &a)
        .await
        .expect(200);
    let creators: Vec<_> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["createdBy"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(creators, ["editor@example.com", "admin"]);
}

#[tokio::test]
async fn role_changes_and_user_deletion_apply_to_the_next_pat_request() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, temp) = app.user("temp", "Admin").await;
    let pat = token(&create(&app, &temp, "temp-cli").await);
    app.get("/api/admin/user-admin", &pat).await.expect(200);
    app.put(
        &format!("/api/admin/user-admin/{id}"),
        json!({"rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user-admin", &pat).await.expect(403);
    app.get("/api/admin/user", &pat).await.expect(200);
    app.delete(&format!("/api/admin/user-admin/{id}"), &admin)
        .await
        .expect(200);
    let res = app.get("/api/admin/user", &pat).await.expect(401);
    assert_eq!(res.json["name"], "UnauthorizedError");
}

#[tokio::test]
async fn a_pat_stops_working_when_it_expires() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let soon = (Utc::now() + TimeDelta::seconds(5)).to_rfc3339();
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "short", "expiresAt": soon}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    app.state.clock.advance(TimeDelta::seconds(6));
    app.get("/api/admin/user", &token(&pat)).await.expect(401);
    let list = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    assert_eq!(list.json["pats"][0]["expiryWarning"], "expired");
}

#[tokio::test]
async fn expiry_warnings_use_the_configured_lead_times() {
    let app = TestApp::with_config(|c| c.token_expiry_notification_days = vec![14, 3]).await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = token(
        &app.post(
            "/api/admin/user/tokens",
            json!({"description": "ten-days", "expiresAt": in_days(10)}),
            &editor,
        )
        .await
        .expect(201)
        .json,
    );
    let fresh = app.get("/api/admin/user/tokens", &pat).await.expect(200);
    assert!(fresh.json["pats"][0].get("expiryWarning").is_none());
    app.state.clock.advance(TimeDelta::days(6));
    let later = app.get("/api/admin/user/tokens", &pat).await.expect(200);
    assert_eq!(later.json["pats"][0]["expiryWarning"], "expires-soon");
}

#[tokio::test]
async fn the_limit_counts_unexpired_tokens_and_holds_under_concurrency() {
    let app = TestApp::with_config(|c| c.pat_limit = 3).await;
    let (_, editor) = app.user("editor", "Editor").await;
    let short = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "expiring", "expiresAt": short}),
        &editor,
    )
    .await
    .expect(201);
    // Ten concurrent creations race for the two remaining places.
    let mut handles = Vec::new();
    for i in 0..10 {
        let router = app.router.clone();
        let who = editor.clone();
        handles.push(tokio::spawn(async move {
            common::call(
                &router,
                "POST",
                "/api/admin/user/tokens",
                Some(json!({"description": format!("c{i}"), "expiresAt": in_days(5)})),
                &who,
            )
            .await
        }));
    }
    let mut created = 0;
    for h in handles {
        let res = h.await.unwrap();
        match res.status.as_u16() {
            201 => created += 1,
            403 => assert_eq!(
                res.json["message"],
                "Too many PATs (3) already exist for this user."
            ),
            other => panic!("unexpected {other}: {}", res.text),
        }
    }
    assert_eq!(created, 2);
    // Once the short-lived token has expired it no longer counts (Unleash counts it).
    app.state.clock.advance(TimeDelta::hours(2));
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "after-expiry", "expiresAt": in_days(6)}),
            &editor,
        )
        .await
        .expect(201);
    assert!(res.json["secret"].is_string());
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "one-too-many", "expiresAt": in_days(6)}),
        &editor,
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn duplicate_descriptions_race_to_exactly_one() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let mut handles = Vec::new();
    for _ in 0..6 {
        let router = app.router.clone();
        let who = editor.clone();
        handles.push(tokio::spawn(async move {
            common::call(
                &router,
                "POST",
                "/api/admin/user/tokens",
                Some(json!({"description": "same", "expiresAt": in_days(5)})),
                &who,
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    codes.sort();
    assert_eq!(codes, [201, 409, 409, 409, 409, 409]);
}

#[tokio::test]
async fn an_api_token_principal_has_no_pats() {
    let app = TestApp::with_config(|c| {
        c.init_admin_api_tokens = vec!["*:*.admin-secret-for-tests".into()]
    })
    .await;
    let admin_token = Auth::Token("*:*.admin-secret-for-tests".into());
    app.get("/api/admin/user-admin", &admin_token)
        .await
        .expect(200);
    let res = app
        .get("/api/admin/user/tokens", &admin_token)
        .await
        .expect(403);
    assert_eq!(res.json["message"], "PATs require an authenticated user.");
}

#[tokio::test]
async fn last_use_is_recorded_in_batches() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "seen").await;
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    // Not written on the request path...
    let before = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    assert_eq!(before.json["pats"][0]["seenAt"], Value::Null);
    // ...but by the batch.
    assert_eq!(
        switchyard::service::tokens::flush_seen(&app.state)
            .await
            .unwrap(),
        1
    );
    let after = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    assert!(after.json["pats"][0]["seenAt"].is_string());
}

/// Another node remembers the verified token; it re-reads the auth epoch at most every
/// 200 ms, so the deletion reaches it within that bound.
#[tokio::test]
async fn deletion_reaches_another_node_within_the_auth_epoch_bound() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create(&app, &editor, "multi").await;
    let (_other_state, other) = app.second_node().await;
    common::call(&other, "GET", "/api/admin/user", None, &token(&pat))
        .await
        .expect(200);
    app.delete(&format!("/api/admin/user/tokens/{}", pat["id"]), &editor)
        .await
        .expect(200);
    common::until_status(&other, "/api/admin/user", &token(&pat), 401, 200).await;
}

#[tokio::test]
async fn api_token_deletion_reaches_another_node_within_two_seconds() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "multi", "type": "client"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let token = Auth::Token(created["secret"].as_str().unwrap().into());
    let (_state, other) = app.second_node().await;
    common::call(&other, "GET", "/api/client/features", None, &token)
        .await
        .expect(200);
    app.delete(
        &format!(
            "/api/admin/api-tokens/{}",
            created["selector"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .expect(200);
    let start = std::time::Instant::now();
    loop {
        let res = common::call(&other, "GET", "/api/client/features", None, &token).await;
        if res.status.as_u16() == 401 {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "still accepted after 2 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
