//! Rotating personal access tokens and API tokens with a grace period, on one node and
//! across two nodes sharing a database.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

fn in_days(app: &TestApp, days: i64) -> String {
    (app.state.clock.now() + TimeDelta::days(days)).to_rfc3339()
}

fn date(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a date"))
        .expect("rfc 3339")
        .with_timezone(&Utc)
}

fn token(v: &Value) -> Auth {
    Auth::Token(v["secret"].as_str().expect("secret").to_string())
}

async fn create_pat(app: &TestApp, who: &Auth, description: &str, days: i64) -> Value {
    app.post(
        "/api/admin/user/tokens",
        json!({"description": description, "expiresAt": in_days(app, days)}),
        who,
    )
    .await
    .expect(201)
    .json
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let admin = app.admin().await;
    app.get(&format!("/api/admin/search/events?type=IS:{kind}"), &admin)
        .await
        .expect(200)
        .json["events"]
        .as_array()
        .expect("events")
        .clone()
}

/// The part of a secret after its public selector.
fn secret_tail(secret: &str) -> &str {
    &secret[secret.len() - 43..]
}

#[tokio::test]
async fn a_rotated_pat_keeps_working_during_its_grace_then_is_refused() {
    let app = TestApp::new().await;
    let (user_id, editor) = app.user("editor", "Editor").await;
    let old = create_pat(&app, &editor, "ci", 30).await;
    let res = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", old["id"]),
            json!({"graceDays": 1}),
            &editor,
        )
        .await
        .expect(201);
    let new = res.json;
    assert_eq!(new["description"], "ci");
    assert_eq!(new["userId"], user_id);
    assert_ne!(new["id"], old["id"]);
    assert_ne!(new["secret"], old["secret"]);
    assert!(new["secret"].as_str().unwrap().starts_with("user:v2_"));
    // Same lifetime as the old token, counted from now.
    let lifetime = date(&new["expiresAt"]) - date(&new["createdAt"]);
    assert!(
        (lifetime - TimeDelta::days(30)).num_seconds().abs() < 5,
        "{lifetime}"
    );

    // Both work during the grace.
    app.get("/api/admin/user", &token(&old)).await.expect(200);
    app.get("/api/admin/user", &token(&new)).await.expect(200);

    // The list shows the old one rotating out, until the end of the grace.
    let list = app.get("/api/admin/user/tokens", &editor).await.expect(200);
    let pats = list.json["pats"].as_array().unwrap();
    assert_eq!(pats.len(), 2);
    let listed_old = pats.iter().find(|p| p["id"] == old["id"]).unwrap();
    assert!(listed_old["rotatedAt"].is_string());
    let grace_end = date(&listed_old["expiresAt"]);
    let expected = app.state.clock.now() + TimeDelta::days(1);
    assert!((grace_end - expected).num_seconds().abs() < 5);
    let listed_new = pats.iter().find(|p| p["id"] == new["id"]).unwrap();
    assert!(listed_new.get("rotatedAt").is_none());
    assert!(listed_new.get("secret").is_none());

    // The event names both tokens and holds no secret.
    let events = events_of(&app, "pat-rotated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["id"], new["id"]);
    assert_eq!(events[0]["data"]["rotatedFromId"], old["id"]);
    assert_eq!(events[0]["preData"]["id"], old["id"]);
    assert_eq!(events[0]["createdBy"], "editor@example.com");
    let text = events[0].to_string();
    for s in [&old["secret"], &new["secret"]] {
        assert!(!text.contains(secret_tail(s.as_str().unwrap())));
    }

    // Rotating the old one again is refused; its replacement may rotate.
    let again = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", old["id"]),
            json!({"graceDays": 1}),
            &editor,
        )
        .await
        .expect(400);
    assert!(
        again.json["message"]
            .as_str()
            .unwrap()
            .contains("already rotated"),
        "{}",
        again.text
    );

    // The description stays taken by the new token.
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "ci", "expiresAt": in_days(&app, 3)}),
        &editor,
    )
    .await
    .expect(409);

    // After the grace, the old one is refused and the new one still works.
    app.state
        .clock
        .advance(TimeDelta::days(1) + TimeDelta::minutes(1));
    app.get("/api/admin/user", &token(&old)).await.expect(401);
    app.get("/api/admin/user", &token(&new)).await.expect(200);
}

#[tokio::test]
async fn grace_zero_refuses_the_old_pat_at_once_and_fractions_and_hours_are_accepted() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let old = create_pat(&app, &editor, "now", 10).await;
    let new = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", old["id"]),
            json!({"graceDays": 0}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    app.get("/api/admin/user", &token(&old)).await.expect(401);
    app.get("/api/admin/user", &token(&new)).await.expect(200);

    // One hour, and an explicit expiry for the new token.
    let expires = in_days(&app, 5);
    let newer = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", new["id"]),
            json!({"graceHours": 1, "expiresAt": expires}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    assert!(
        (date(&newer["expiresAt"]) - date(&json!(expires)))
            .num_seconds()
            .abs()
            < 1
    );
    app.state.clock.advance(TimeDelta::minutes(59));
    app.get("/api/admin/user", &token(&new)).await.expect(200);
    app.state.clock.advance(TimeDelta::minutes(2));
    app.get("/api/admin/user", &token(&new)).await.expect(401);
    app.get("/api/admin/user", &token(&newer)).await.expect(200);

    // Without a body the grace is one day.
    let third = app
        .call(
            "POST",
            &format!("/api/admin/user/tokens/{}/rotate", newer["id"]),
            None,
            &editor,
        )
        .await
        .expect(201)
        .json;
    app.state.clock.advance(TimeDelta::hours(23));
    app.get("/api/admin/user", &token(&newer)).await.expect(200);
    app.state.clock.advance(TimeDelta::hours(2));
    app.get("/api/admin/user", &token(&newer)).await.expect(401);
    app.get("/api/admin/user", &token(&third)).await.expect(200);
}

#[tokio::test]
async fn only_the_owner_rotates_and_bad_requests_say_what_to_fix() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let (_, other) = app.user("other", "Admin").await;
    let pat = create_pat(&app, &editor, "mine", 10).await;
    let path = format!("/api/admin/user/tokens/{}/rotate", pat["id"]);
    // Not even an Admin rotates another user's token.
    app.post(&path, json!({"graceDays": 1}), &other)
        .await
        .expect(404);
    app.post("/api/admin/user/tokens/999999/rotate", json!({}), &editor)
        .await
        .expect(404);
    app.post("/api/admin/user/tokens/abc/rotate", json!({}), &editor)
        .await
        .expect(400);
    app.post(&path, json!({"graceDays": 1}), &Auth::None)
        .await
        .expect(401);
    for body in [
        json!({"graceDays": 8}),
        json!({"graceDays": -1}),
        json!({"graceDays": "1"}),
        json!({"graceHours": 169}),
        json!({"graceDays": 1, "graceHours": 1}),
        json!({"expiresAt": "2001-01-01T00:00:00Z"}),
        json!({"expiresAt": "tomorrow"}),
    ] {
        let res = app.post(&path, body.clone(), &editor).await.expect(400);
        assert!(!res.json["message"].as_str().unwrap().is_empty(), "{body}");
    }
    // None of that rotated it.
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    assert!(events_of(&app, "pat-rotated").await.is_empty());

    // An expired token cannot be rotated (signing in again: sessions expire too).
    app.state.clock.advance(TimeDelta::days(11));
    let editor = app.login("editor", "editor-Passw0rd!").await;
    let res = app.post(&path, json!({}), &editor).await.expect(400);
    assert!(res.json["message"].as_str().unwrap().contains("expired"));
}

/// Runs one statement on the test's database and answers the first column of the first row.
async fn sql_text(app: &TestApp, statement: &str) -> Option<String> {
    if app.db.is_postgres() {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        let v = sqlx::query_scalar::<_, String>(statement)
            .fetch_optional(&pool)
            .await
            .unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        let v = sqlx::query_scalar::<_, String>(statement)
            .fetch_optional(&pool)
            .await
            .unwrap();
        pool.close().await;
        v
    }
}

#[tokio::test]
async fn rotation_copies_the_stored_scope() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create_pat(&app, &editor, "scoped", 10).await;
    let scope = r#"{"access":"read"}"#;
    sql_text(
        &app,
        &format!(
            "UPDATE personal_access_tokens SET scopes = '{scope}' WHERE id = {} RETURNING scopes",
            pat["id"]
        ),
    )
    .await;
    let new = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", pat["id"]),
            json!({"graceDays": 0}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    let stored = sql_text(
        &app,
        &format!(
            "SELECT scopes FROM personal_access_tokens WHERE id = {}",
            new["id"]
        ),
    )
    .await;
    assert_eq!(stored.as_deref(), Some(scope));
}

async fn create_api_token(app: &TestApp, who: &Auth, body: Value) -> Value {
    app.post("/api/admin/api-tokens", body, who)
        .await
        .expect(201)
        .json
}

#[tokio::test]
async fn an_api_token_rotates_by_selector_keeping_its_name_type_projects_and_environment() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let expires = in_days(&app, 20);
    let old = create_api_token(
        &app,
        &admin,
        json!({"tokenName": "sdk", "type": "client", "environment": "production", "projects": ["default"], "expiresAt": expires}),
    )
    .await;
    let selector = old["selector"].as_str().unwrap();
    app.get("/api/client/features", &token(&old))
        .await
        .expect(200);
    let new = app
        .post(
            &format!("/api/admin/api-tokens/{selector}/rotate"),
            json!({"graceDays": 0}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    assert_eq!(new["tokenName"], "sdk");
    assert_eq!(new["type"], "client");
    assert_eq!(new["environment"], "production");
    assert_eq!(new["projects"], json!(["default"]));
    assert_ne!(new["selector"], old["selector"]);
    let secret = new["secret"].as_str().unwrap();
    assert!(secret.starts_with("default:production.v2_"), "{secret}");
    let lifetime = date(&new["expiresAt"]) - date(&new["createdAt"]);
    assert!((lifetime - TimeDelta::days(20)).num_seconds().abs() < 5);

    // Grace 0: refused at once on this node; the new one works.
    app.get("/api/client/features", &token(&old))
        .await
        .expect(401);
    app.get("/api/client/features", &token(&new))
        .await
        .expect(200);

    let list = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    let listed = list.json["tokens"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let listed_old = listed
        .iter()
        .find(|t| t["selector"] == old["selector"])
        .unwrap();
    assert!(listed_old["rotatedAt"].is_string());

    let events = events_of(&app, "api-token-rotated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["tokenName"], "sdk");
    assert_eq!(events[0]["data"]["rotatedFromSelector"], old["selector"]);
    let text = events[0].to_string();
    for s in [&old["secret"], &new["secret"]] {
        assert!(!text.contains(secret_tail(s.as_str().unwrap())));
    }

    let again = app
        .post(
            &format!("/api/admin/api-tokens/{selector}/rotate"),
            json!({}),
            &admin,
        )
        .await
        .expect(400);
    assert!(again.json["message"]
        .as_str()
        .unwrap()
        .contains("already rotated"));
    app.post(
        "/api/admin/api-tokens/nosuchselector/rotate",
        json!({}),
        &admin,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn an_api_token_rotates_by_secret_in_the_body_never_in_the_url() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let old = create_api_token(
        &app,
        &admin,
        json!({"tokenName": "web", "type": "frontend", "environment": "development"}),
    )
    .await;
    let secret = old["secret"].as_str().unwrap();
    let in_url = app
        .post(
            &format!("/api/admin/api-tokens/{secret}/rotate"),
            json!({}),
            &admin,
        )
        .await
        .expect(400);
    assert!(!in_url.text.contains(secret_tail(secret)));
    app.post(
        "/api/admin/api-tokens/rotate",
        json!({"graceDays": 1}),
        &admin,
    )
    .await
    .expect(400);
    // A secret that is not the token's own is not found.
    let forged = format!("{}x", &secret[..secret.len() - 1]);
    app.post(
        "/api/admin/api-tokens/rotate",
        json!({"secret": forged}),
        &admin,
    )
    .await
    .expect(404);
    let new = app
        .post(
            "/api/admin/api-tokens/rotate",
            json!({"secret": secret, "graceDays": 7}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    assert_eq!(new["type"], "frontend");
    assert_eq!(new["projects"], json!(["*"]));
    assert_eq!(new["expiresAt"], Value::Null, "the old one never expired");
    app.get("/api/frontend", &token(&old)).await.expect(200);
    app.get("/api/frontend", &token(&new)).await.expect(200);
    // A token named "rotate" can still be read by name.
    create_api_token(
        &app,
        &admin,
        json!({"tokenName": "rotate", "type": "client"}),
    )
    .await;
    let named = app
        .get("/api/admin/api-tokens/rotate", &admin)
        .await
        .expect(200);
    assert_eq!(named.json["tokens"].as_array().unwrap().len(), 1);
    app.state
        .clock
        .advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    app.get("/api/frontend", &token(&old)).await.expect(401);
    app.get("/api/frontend", &token(&new)).await.expect(200);
}

#[tokio::test]
async fn rotating_an_api_token_needs_the_permission_to_create_that_kind() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    let old = create_api_token(&app, &admin, json!({"tokenName": "sdk", "type": "client"})).await;
    let path = format!(
        "/api/admin/api-tokens/{}/rotate",
        old["selector"].as_str().unwrap()
    );
    app.post(&path, json!({}), &viewer).await.expect(403);
    app.post(&path, json!({}), &token(&old)).await.expect(403);
    app.get("/api/client/features", &token(&old))
        .await
        .expect(200);
    assert!(events_of(&app, "api-token-rotated").await.is_empty());
}

#[tokio::test]
async fn a_rotated_out_api_token_is_refused_on_another_node_within_two_seconds_of_its_grace_end() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let old = create_api_token(&app, &admin, json!({"tokenName": "sdk", "type": "client"})).await;
    let (other_state, other) = app.second_node().await;
    let client = token(&old);
    common::call(&other, "GET", "/api/client/features", None, &client)
        .await
        .expect(200);
    let new = app
        .post(
            &format!(
                "/api/admin/api-tokens/{}/rotate",
                old["selector"].as_str().unwrap()
            ),
            json!({"graceHours": 1}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    // During the grace both nodes accept both tokens.
    common::call(&other, "GET", "/api/client/features", None, &client)
        .await
        .expect(200);
    common::call(&other, "GET", "/api/client/features", None, &token(&new))
        .await
        .expect(200);
    // The grace ends on both nodes' clocks.
    let past = TimeDelta::hours(1) + TimeDelta::seconds(1);
    app.state.clock.advance(past);
    other_state.clock.advance(past);
    app.get("/api/client/features", &client).await.expect(401);
    let start = std::time::Instant::now();
    loop {
        let res = common::call(&other, "GET", "/api/client/features", None, &client).await;
        if res.status.as_u16() == 401 {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "the other node still accepted the rotated-out token 2 s after its grace"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    common::call(&other, "GET", "/api/client/features", None, &token(&new))
        .await
        .expect(200);
}

#[tokio::test]
async fn with_grace_zero_another_node_refuses_the_old_api_token_within_two_seconds() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let old = create_api_token(&app, &admin, json!({"tokenName": "sdk", "type": "client"})).await;
    let (_other_state, other) = app.second_node().await;
    let client = token(&old);
    common::call(&other, "GET", "/api/client/features", None, &client)
        .await
        .expect(200);
    app.post(
        &format!(
            "/api/admin/api-tokens/{}/rotate",
            old["selector"].as_str().unwrap()
        ),
        json!({"graceDays": 0}),
        &admin,
    )
    .await
    .expect(201);
    let start = std::time::Instant::now();
    loop {
        let res = common::call(&other, "GET", "/api/client/features", None, &client).await;
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

#[tokio::test]
async fn a_rotated_pat_is_refused_on_another_node_once_its_grace_ends() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let old = create_pat(&app, &editor, "multi", 10).await;
    let (other_state, other) = app.second_node().await;
    app.post(
        &format!("/api/admin/user/tokens/{}/rotate", old["id"]),
        json!({"graceHours": 1}),
        &editor,
    )
    .await
    .expect(201);
    common::call(&other, "GET", "/api/admin/user", None, &token(&old))
        .await
        .expect(200);
    other_state
        .clock
        .advance(TimeDelta::hours(1) + TimeDelta::seconds(1));
    common::call(&other, "GET", "/api/admin/user", None, &token(&old))
        .await
        .expect(401);
}
